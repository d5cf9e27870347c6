"""The Unicode tables follow the environment: the interpreter's and the installed `regex`'s.

sacrebleu's `lower()`/`split()` follow CPython's Unicode version and its intl tokenizer follows the
installed `regex` release, so lexmetrics must give sacrebleu's numbers under any of them. The
code-point sweeps of test_bleu_tokenizers.py run here again (in subprocesses) with tables built at
run time, and against several `regex` releases (wheels fetched by scripts/test.sh).
"""

from __future__ import annotations

import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
import regex
from lexmetrics import _native, _unicode

HERE = Path(__file__).resolve().parent
# regex releases spanning Unicode 15.0 ... 17 (scripts/test.sh downloads their wheels here).
REGEX_WHEELS = HERE.parent / "target" / "regex-wheels"
REGEX_RELEASES = ["2022.10.31", "2023.12.25", "2024.11.6", "2025.11.3", "2026.11.19"]


def _run_sweeps(env_extra: dict, pythonpath: str | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, **env_extra)
    # the sweeps need no extras (and transformers refuses an old regex at import)
    env.pop("LEXMETRICS_REQUIRE_EXTRAS", None)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath + os.pathsep + env.get("PYTHONPATH", "")
    code = (
        "import sys, pytest, regex, importlib.metadata as md, lexmetrics._unicode as u;"
        "rc = pytest.main(['-q', '-p', 'no:cacheprovider', sys.argv[1],"
        " '-k', 'every_code_point or specials']);"
        "print('INFO', md.version('regex'), regex.__version__, u.unicode_info());"
        "sys.exit(rc)"
    )
    return subprocess.run(
        [sys.executable, "-c", code, str(HERE / "test_bleu_tokenizers.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_info_names_this_environment():
    info = _unicode.unicode_info()
    assert info["python"][0] == unicodedata.unidata_version
    assert info["regex"][0] == regex.__version__
    assert info["python"][1] in ("bundled", "computed")
    # the bundled sets cover the interpreters this project tests on
    assert {"13.0.0", "14.0.0", "15.0.0", "15.1.0"} <= set(info["bundled_python"])


def test_fast_builder_equals_per_character_python():
    """The run-time builder (a few joined C passes) equals asking Python one character at a time."""
    t = _unicode.python_str_tables()
    cps = _unicode._code_points()
    lower = [(cp, [ord(x) for x in chr(cp).lower()]) for cp in cps if chr(cp).lower() != chr(cp)]
    assert t["lower"] == lower
    assert t["whitespace"] == _unicode._ranges([cp for cp in cps if chr(cp).isspace()])
    sigma, final = "\u03a3", "\u03c2"
    step = 1 if os.environ.get("HYPOTHESIS_PROFILE") == "slow" else 3
    cased = set()
    for lo, hi in t["cased"]:
        cased.update(range(lo, hi + 1))
    ignorable = set()
    for lo, hi in t["case_ignorable"]:
        ignorable.update(range(lo, hi + 1))
    for cp in cps[::step]:
        c = chr(cp)
        is_cased = (c + sigma).lower()[-1] == final
        assert (cp in cased) == is_cased, hex(cp)
        assert (cp in ignorable) == (("A" + c + sigma).lower()[-1] == final and not is_cased), hex(
            cp
        )


def test_already_chosen_tables_are_not_replaced():
    _unicode.install(need_regex=True)
    other = "1.0.0"
    with pytest.raises(ValueError, match="already in use"):
        _native._set_python_tables(other, [(9, 13)], [], [], [])
    with pytest.raises(ValueError, match="already in use"):
        _native._set_regex_classes("0.0", [(33, 35)], [], [])


def test_malformed_tables_are_refused():
    with pytest.raises(ValueError, match="malformed"):
        _native._set_regex_classes("0.0", [(35, 33)], [], [])
    with pytest.raises(ValueError, match="malformed"):
        _native._set_python_tables("1.0.0", [(9, 13), (12, 20)], [], [], [])


def test_sweeps_with_tables_built_at_run_time():
    """The path taken on an interpreter or regex release we do not bundle tables for."""
    r = _run_sweeps({"LEXMETRICS_UNICODE_TABLES": "computed"})
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert "'computed'" in r.stdout and "passed" in r.stdout


@pytest.mark.parametrize("release", REGEX_RELEASES)
def test_sweeps_under_other_regex_releases(release, tmp_path):
    wheels = sorted(REGEX_WHEELS.glob(f"regex-{release}-*.whl"))
    assert wheels, f"no regex {release} wheel in {REGEX_WHEELS}: run scripts/test.sh"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            "--disable-pip-version-check",
            "--target",
            str(tmp_path),
            str(wheels[0]),
        ],
        check=True,
    )
    r = _run_sweeps({}, pythonpath=str(tmp_path))
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    assert f"INFO {release} " in r.stdout, r.stdout[-2000:]
