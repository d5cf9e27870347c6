"""Runs sacrebleu 2.6.0's own test suite, unchanged, against lexmetrics.compat.sacrebleu.

The suite comes from sacrebleu's source distribution on the package index (downloaded with pip
into target/upstream/, checked against its published sha256). In a subprocess, a meta-path finder
makes ``sacrebleu`` and every ``sacrebleu.<module>`` resolve to the module of the same name under
``lexmetrics.compat.sacrebleu`` and refuses the rest, so the installed sacrebleu cannot be
imported; only the suite's ``test/*.py`` files (and its pickled WMT17 systems) come from the sdist.

Tests that need the network or the test-set registry are excluded (EXCLUDED below, README,
docs/migrating.md).

    python scripts/run_upstream_sacrebleu_tests.py              # against the compat layer
    python scripts/run_upstream_sacrebleu_tests.py --reference  # control: against the real package

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
SDIST = "sacrebleu-2.6.0.tar.gz"
SDIST_SHA256 = "91499b6cd46138d95154fff1e863c2f9be57e82f0c719d8dd718d0006cf6c566"
SUITE_FILES = (
    "test_api.py",
    "test_bleu.py",
    "test_chrf.py",
    "test_dataset.py",
    "test_sentence_bleu.py",
    "test_significance.py",
    "test_ter.py",
    "test_tokenizer_ter.py",
    "wmt17_en_de_systems.pkl.bz2",
)
# Tests in the sdist (pytest's parametrized cases count one each).
EXPECTED_TOTAL = 144

_NET = "downloads WMT/MTNT test sets from the network"
_REGISTRY = "needs sacrebleu's test-set registry (sacrebleu.dataset.DATASETS), not shipped"
EXCLUDED = {
    # Each key is a test function; all of its parametrized cases are excluded.
    "test_api.py::test_api_get_source": _NET,
    "test_api.py::test_api_get_reference": _NET,
    "test_api.py::test_api_get_available_testsets": _REGISTRY,
    "test_api.py::test_api_get_available_testsets_for_langpair": _REGISTRY,
    "test_api.py::test_api_get_langpairs_for_testset": _REGISTRY,
    "test_dataset.py::test_maybe_download": _NET,
    "test_dataset.py::test_process_to_text": _NET,
    "test_dataset.py::test_get_files_and_fieldnames": _NET,
    "test_dataset.py::test_source_and_references": _NET,
    "test_dataset.py::test_wmt22_references": _NET,
}


def excluded(test: str) -> bool:
    """Whether a test id (``file.py::name[params]``) belongs to an excluded test function."""
    return test.split("[", 1)[0] in EXCLUDED


# The finder, loaded by pytest as a plugin (-p) before any test module is imported.
_ALIAS_PLUGIN = '''\
"""sacrebleu -> lexmetrics.compat.sacrebleu (or, with --reference, the real package)."""
import importlib
import importlib.abc
import importlib.util
import os
import sys

_TARGET = os.environ["SACREBLEU_ALIAS_TARGET"]


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


class SacrebleuAlias(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if _TARGET == "reference" or not (fullname == "sacrebleu" or fullname.startswith("sacrebleu.")):
            return None
        real = _TARGET + fullname[len("sacrebleu"):]
        try:
            found = importlib.util.find_spec(real)
        except ModuleNotFoundError:
            found = None
        if found is None:
            raise ModuleNotFoundError(f"{fullname} is not part of {_TARGET}", name=fullname)
        return importlib.util.spec_from_loader(
            fullname, _Alias(real), is_package=found.submodule_search_locations is not None
        )


sys.meta_path.insert(0, SacrebleuAlias())

import sacrebleu  # noqa: E402

if _TARGET != "reference" and sacrebleu.__name__ != _TARGET:
    raise SystemExit(f"alias failed: sacrebleu is {sacrebleu.__name__}")
print(f"sacrebleu resolves to {sacrebleu.__name__} ({sacrebleu.__file__})", file=sys.stderr)


def pytest_sessionfinish(session, exitstatus):
    # Every module the suite imported under a sacrebleu name, and the file it came from.
    import json

    names = {
        name: getattr(module, "__file__", None)
        for name, module in list(sys.modules.items())
        if name == "sacrebleu" or name.startswith("sacrebleu.") or name.startswith(_TARGET + ".")
    }
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "modules.json"), "w") as f:
        json.dump(names, f, indent=1, sort_keys=True)
'''


def fetch_sdist(cache: Path = CACHE) -> Path:
    """The sacrebleu 2.6.0 sdist, downloaded with pip on first use; raises if it cannot be had."""
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
                "sacrebleu==2.6.0",
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
    """A folder with the sdist's test files (byte for byte) and the alias plugin."""
    shutil.rmtree(where, ignore_errors=True)
    (where / "test").mkdir(parents=True)
    with tarfile.open(sdist) as tar:
        for name in SUITE_FILES:
            member = tar.extractfile(f"sacrebleu-2.6.0/test/{name}")
            (where / "test" / name).write_bytes(member.read())
    (where / "sacrebleu_alias.py").write_text(_ALIAS_PLUGIN)
    # The sdist's pytest.ini (addopts = -v, testpaths = test), without the cache folder.
    (where / "pytest.ini").write_text("[pytest]\naddopts = -p no:cacheprovider\ntestpaths = test\n")
    return where


def _test_id(case: ET.Element) -> str:
    module = case.get("classname", "")
    if not module:  # a module that failed to import
        return f"collecting {case.get('name')}"
    name = case.get("name")
    return f"{module.split('.')[-1]}.py::{name}"


def run_suite(reference: bool = False, cache: Path = CACHE) -> dict:
    """Runs the suite; returns {'outcomes': {test: outcome}, 'excluded': {...}, 'ok': bool, ...}."""
    suite = prepare_suite(
        fetch_sdist(cache),
        cache / ("sacrebleu-suite-reference" if reference else "sacrebleu-suite"),
    )
    report = suite / "report.xml"
    env = dict(os.environ)
    env["SACREBLEU_ALIAS_TARGET"] = "reference" if reference else "lexmetrics.compat.sacrebleu"
    env.pop("PYTHONPATH", None)
    env.pop("SACREBLEU_SEED", None)
    env["SACREBLEU"] = str(suite / "sacrebleu-home")  # a failed download never touches ~/.sacrebleu
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "sacrebleu_alias", f"--junitxml={report}"]
    cmd += ["--continue-on-collection-errors", "test"]
    proc = subprocess.run(cmd, cwd=suite, env=env, capture_output=True, text=True)
    if not report.exists():
        raise RuntimeError(f"the suite did not run:\n{proc.stdout}\n{proc.stderr}")
    outcomes = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        kinds = {child.tag for child in case}
        outcomes[_test_id(case)] = (
            "failed"
            if kinds & {"failure", "error"}
            else "skipped"
            if "skipped" in kinds
            else "passed"
        )
    counted = [t for t in outcomes if not excluded(t)]
    modules_file = suite / "modules.json"
    modules = json.loads(modules_file.read_text()) if modules_file.exists() else {}
    if not reference:
        # Nothing may come from an installed sacrebleu: only lexmetrics and the suite's files.
        import lexmetrics

        allowed = (str(Path(lexmetrics.__file__).parent), str(suite))
        leaked = {n: f for n, f in modules.items() if f is not None and not f.startswith(allowed)}
    else:
        leaked = {}
    ok = (
        len(outcomes) == EXPECTED_TOTAL
        and set(EXCLUDED) <= {t.split("[", 1)[0] for t in outcomes}
        and all(outcomes[t] == "passed" for t in counted)
        and not leaked
    )
    return {
        "target": env["SACREBLEU_ALIAS_TARGET"],
        "total": len(outcomes),
        "passed": sum(outcomes[t] == "passed" for t in counted),
        "not_passed": sorted(t for t in counted if outcomes[t] != "passed"),
        "excluded": {
            t: (outcomes[t], EXCLUDED[t.split("[", 1)[0]]) for t in outcomes if excluded(t)
        },
        "outcomes": outcomes,
        "modules": modules,
        "leaked": leaked,
        "ok": ok,
        "log": proc.stdout[-6000:] + proc.stderr[-4000:],
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reference", action="store_true", help="run against the real sacrebleu")
    ap.add_argument("--json", help="also write the result to this file")
    args = ap.parse_args(argv)
    res = run_suite(reference=args.reference)
    for test, outcome in sorted(res["outcomes"].items()):
        print(f"{outcome:8} {test}" + ("  [excluded]" if excluded(test) else ""))
    print(f"\nsacrebleu 2.6.0 suite against {res['target']}: {res['total']} tests")
    print(f"  {res['passed']} of {res['total'] - len(res['excluded'])} counted tests passed")
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
