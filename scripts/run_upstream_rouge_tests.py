"""Runs rouge-score 0.1.2's own test suite, unchanged, against lexmetrics.compat.rouge_score.

The suite comes from rouge-score's source distribution on the package index (downloaded with pip
into target/upstream/, checked against its published sha256). In a subprocess, a meta-path finder
makes ``rouge_score`` and ``rouge_score.<module>`` resolve to ``lexmetrics.compat.rouge_score``
and refuses every other ``rouge_score`` module, so the installed rouge-score cannot be imported;
only the suite's ``test_util`` and ``*_test`` files are loaded from the sdist.

The sdist ships no ``testdata/``: tests/data/rouge_score_testdata holds upstream's small files
(verbatim), and the ``*_large.txt`` files are their first 4 lines (all that is kept here). The
tests that need more data, or the network, are excluded (EXCLUDED below, README, docs/migrating.md).

    python scripts/run_upstream_rouge_tests.py              # against the compat layer
    python scripts/run_upstream_rouge_tests.py --reference  # control: against the real package

Prints one line per outcome and a summary; exits non-zero unless every test that is not excluded
passed and the suite had the expected number of tests.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import xml.etree.ElementTree as ET
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "target" / "upstream"
SDIST = "rouge_score-0.1.2.tar.gz"
SDIST_SHA256 = "c7d4da2683e68c9abf0135ef915d63a46643666f848e558a1b9f7ead17ff0f04"
TESTDATA = ROOT / "tests" / "data" / "rouge_score_testdata"
SUITE_FILES = (
    "io_test.py",
    "rouge_scorer_test.py",
    "scoring_test.py",
    "tokenize_test.py",
    "tokenizers_test.py",
    "test_util.py",
)
# Tests in the sdist (absl's parameterized cases count one each).
EXPECTED_TOTAL = 45

_LARGE = "testdata/*_large.txt (1,000 lines; the sdist ships no testdata and only the first 4 lines are kept here)"
EXCLUDED = {
    "rouge_scorer_test.py::RougeScorerTest::testRougeLsumLarge": "needs " + _LARGE,
    "rouge_scorer_test.py::RougeScorerTest::testRougeLSumSentenceSplitting": (
        "split_summaries=True needs nltk's punkt_tab sentence model, a network download"
    ),
    "scoring_test.py::BootstrapAggregatorTest::testConfidenceIntervalsAgainstRouge155": (
        "needs " + _LARGE
    ),
    "scoring_test.py::BootstrapAggregatorTest::testConfidenceIntervalsAgainstRouge155WithStemming": (
        "needs " + _LARGE
    ),
    "scoring_test.py::BootstrapAggregatorTest::testConfidenceIntervalsAgainstRouge155WithStemmingMultiLine": (
        "needs testdata/pyrouge_files/*_multi.{0..249}.txt (made from the 1,000-line files)"
    ),
}

# The finder, loaded by pytest as a plugin (-p) before any test module is imported.
_ALIAS_PLUGIN = '''\
"""rouge_score -> lexmetrics.compat.rouge_score (or, with --reference, the real package)."""
import importlib
import importlib.abc
import importlib.util
import os
import sys

_SUITE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "rouge_score")
_TARGET = os.environ["ROUGE_SCORE_ALIAS_TARGET"]
_COMPAT = ("io", "rouge_scorer", "scoring", "tokenize", "tokenizers", "rouge", "create_pyrouge_files")


class _Alias(importlib.abc.Loader):
    def __init__(self, target):
        self.target = target
        self.spec = None

    def create_module(self, spec):
        module = importlib.import_module(self.target)
        self.spec = module.__spec__
        return module

    def exec_module(self, module):
        module.__spec__ = self.spec  # the import system set the alias spec; keep the real one


class RougeScoreAlias(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        # `from rouge_score import test_util` asks for it under the aliased package's own name.
        for prefix in ("rouge_score", _TARGET):
            if fullname == prefix or fullname.startswith(prefix + "."):
                sub = fullname[len(prefix) + 1 :]
                break
        else:
            return None
        own = os.path.join(_SUITE, sub + ".py")
        if sub and (sub == "test_util" or sub.endswith("_test")) and os.path.exists(own):
            return importlib.util.spec_from_file_location(fullname, own)
        if _TARGET == "reference" or not fullname.startswith("rouge_score"):
            return None
        if not sub:
            return importlib.util.spec_from_loader(fullname, _Alias(_TARGET), is_package=True)
        if sub in _COMPAT:
            return importlib.util.spec_from_loader(fullname, _Alias(_TARGET + "." + sub))
        raise ModuleNotFoundError(f"{fullname} is not part of {_TARGET}", name=fullname)


sys.meta_path.insert(0, RougeScoreAlias())

import rouge_score  # noqa: E402
import rouge_score.rouge_scorer  # noqa: E402

_where = rouge_score.rouge_scorer.RougeScorer.__module__
if _TARGET != "reference" and _where != _TARGET + ".rouge_scorer":
    raise SystemExit(f"alias failed: RougeScorer comes from {_where}")
print(f"rouge_score resolves to {rouge_score.__name__} ({rouge_score.__file__})", file=sys.stderr)


def pytest_sessionfinish(session, exitstatus):
    # Every module the suite imported under a rouge_score name, and the file it came from.
    import json

    names = {
        name: getattr(module, "__file__", None)
        for name, module in list(sys.modules.items())
        if name == "rouge_score" or name.startswith("rouge_score.")
        or name.startswith(_TARGET + ".")
    }
    with open(os.path.join(os.path.dirname(_SUITE), "modules.json"), "w") as f:
        json.dump(names, f, indent=1, sort_keys=True)
'''


def fetch_sdist(cache: Path = CACHE) -> Path:
    """The rouge-score 0.1.2 sdist, downloaded with pip on first use; raises if it cannot be had."""
    path = cache / SDIST
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "-q",
                "--disable-pip-version-check",
                "--no-deps",
                "--no-binary",
                ":all:",
                "rouge-score==0.1.2",
                "-d",
                str(cache),
            ],
            check=True,
        )
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != SDIST_SHA256:
        raise RuntimeError(f"{path}: sha256 {digest}, expected {SDIST_SHA256}")
    return path


def prepare_suite(sdist: Path, where: Path) -> Path:
    """A folder with the sdist's test files (byte for byte), the test data and the alias plugin."""
    shutil.rmtree(where, ignore_errors=True)
    pkg = where / "rouge_score"
    (pkg / "testdata").mkdir(parents=True)
    with tarfile.open(sdist) as tar:
        for name in SUITE_FILES:
            member = tar.extractfile(f"rouge_score-0.1.2/rouge_score/{name}")
            (pkg / name).write_bytes(member.read())
    shutil.copytree(TESTDATA, pkg / "testdata", dirs_exist_ok=True)
    (pkg / "testdata" / "README.md").unlink(missing_ok=True)
    multi = pkg / "testdata" / "pyrouge_files"
    for kind in ("target", "prediction"):
        shutil.copyfile(multi / f"{kind}_multi.0.txt", pkg / "testdata" / f"{kind}_large.txt")
    (where / "rouge_score_alias.py").write_text(_ALIAS_PLUGIN)
    (where / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider\n")
    return where


def run_suite(reference: bool = False, cache: Path = CACHE) -> dict:
    """Runs the suite; returns {'outcomes': {test: outcome}, 'excluded': {...}, 'ok': bool, ...}."""
    suite = prepare_suite(fetch_sdist(cache), cache / ("suite-reference" if reference else "suite"))
    report = suite / "report.xml"
    env = dict(os.environ)
    env["ROUGE_SCORE_ALIAS_TARGET"] = "reference" if reference else "lexmetrics.compat.rouge_score"
    env.pop("PYTHONPATH", None)
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "rouge_score_alias", f"--junitxml={report}"]
    cmd += ["--continue-on-collection-errors"]
    cmd += ["rouge_score"]
    proc = subprocess.run(cmd, cwd=suite, env=env, capture_output=True, text=True)
    if not report.exists():
        raise RuntimeError(f"the suite did not run:\n{proc.stdout}\n{proc.stderr}")
    outcomes = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        module = case.get("classname", "").rsplit(".", 1)
        test = f"{module[0].split('.')[-1]}.py::{module[-1]}::{case.get('name')}"
        if not case.get("classname"):  # a module that failed to import
            test = f"collecting {case.get('name')}"
        kinds = {child.tag for child in case}
        outcomes[test] = (
            "failed"
            if kinds & {"failure", "error"}
            else "skipped"
            if "skipped" in kinds
            else "passed"
        )
    counted = [t for t in outcomes if t not in EXCLUDED]
    modules = json.loads((suite / "modules.json").read_text())
    if not reference:
        # Nothing may come from an installed rouge-score: only lexmetrics and the suite's files.
        import lexmetrics

        allowed = (str(Path(lexmetrics.__file__).parent), str(suite))
        leaked = {n: f for n, f in modules.items() if not (f or "").startswith(allowed)}
    else:
        leaked = {}
    ok = (
        len(outcomes) == EXPECTED_TOTAL
        and set(EXCLUDED) <= set(outcomes)
        and all(outcomes[t] == "passed" for t in counted)
        and not leaked
    )
    return {
        "target": env["ROUGE_SCORE_ALIAS_TARGET"],
        "total": len(outcomes),
        "passed": sum(outcomes[t] == "passed" for t in counted),
        "not_passed": sorted(t for t in counted if outcomes[t] != "passed"),
        "excluded": {t: (outcomes.get(t, "missing"), EXCLUDED[t]) for t in EXCLUDED},
        "outcomes": outcomes,
        "modules": modules,
        "leaked": leaked,
        "ok": ok,
        "log": proc.stdout[-4000:] + proc.stderr[-4000:],
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reference", action="store_true", help="run against the real rouge-score")
    ap.add_argument("--json", help="also write the result to this file")
    args = ap.parse_args(argv)
    res = run_suite(reference=args.reference)
    for test, outcome in sorted(res["outcomes"].items()):
        print(f"{outcome:8} {test}" + ("  [excluded]" if test in EXCLUDED else ""))
    print(f"\nrouge-score 0.1.2 suite against {res['target']}: {res['total']} tests")
    print(f"  {res['passed']} of {res['total'] - len(EXCLUDED)} counted tests passed")
    for test, (outcome, why) in res["excluded"].items():
        print(f"  excluded ({outcome} here): {test}: {why}")
    for test in res["not_passed"]:
        print(f"  NOT PASSED: {test}")
    for name, file in res["leaked"].items():
        print(f"  NOT FROM LEXMETRICS: {name} ({file})")
    if not res["ok"]:
        print(res["log"])
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=1))
    return 0 if res["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
