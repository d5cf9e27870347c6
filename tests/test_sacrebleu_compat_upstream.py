"""sacrebleu 2.6.0's own test suite (from its sdist on the package index), unchanged, against
lexmetrics.compat.sacrebleu with `sacrebleu` aliased to it and the real package unreachable.

The suite is downloaded with pip into target/upstream/ on first use; a failed download fails
these tests (it never skips them). scripts/run_upstream_sacrebleu_tests.py does the work.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "run_upstream_sacrebleu_tests.py"
_spec = importlib.util.spec_from_file_location("run_upstream_sacrebleu_tests", _SCRIPT)
upstream = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(upstream)


@pytest.fixture(scope="module")
def compat_run():
    return upstream.run_suite(reference=False)


def test_upstream_suite_passes_against_compat(compat_run):
    res = compat_run
    assert res["total"] == upstream.EXPECTED_TOTAL == 144, res["log"]
    assert res["not_passed"] == [], res["log"]
    assert res["passed"] == 130
    assert len(res["excluded"]) == 14
    assert res["ok"]


def test_nothing_came_from_the_real_sacrebleu(compat_run):
    modules = compat_run["modules"]
    assert compat_run["leaked"] == {}
    # The modules the suite imports under sacrebleu names are the compat layer's.
    for sub in ("metrics", "significance", "tokenizers.tokenizer_ter", "utils", "dataset"):
        assert "/lexmetrics/compat/sacrebleu/" in modules[f"sacrebleu.{sub}"], sub
    assert modules["sacrebleu"].endswith("lexmetrics/compat/sacrebleu/__init__.py")
    for name, file in modules.items():
        assert "site-packages/sacrebleu" not in (file or ""), name


def test_exclusions_are_listed_in_readme_and_migrating_doc():
    root = Path(__file__).resolve().parent.parent
    for doc in (root / "README.md", root / "docs" / "migrating.md"):
        text = doc.read_text()
        for test in upstream.EXCLUDED:
            assert test.rsplit("::", 1)[1] in text, (doc.name, test)
