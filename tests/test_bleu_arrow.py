"""BLEU / chrF on Arrow-backed string columns (pyarrow, polars, pandas) equal the list result."""

from __future__ import annotations

import lexmetrics as lm
import numpy as np
import pytest

HYPS = [
    "The cat sat on the mat.",
    "3.5 e-mail &amp; 2019-2020",
    "",
    "中文,English。测试 ΟΔΟΣ",
    "a b c d e f",
]
REFS = [
    "The cat is on the mat.",
    "3,5 e-mail & 2019 - 2020",
    "x",
    "中文, English 测试 οδος",
    "a b c d e g",
]


def _columns(texts=HYPS, split=2):
    """`texts` as every kind of column, by name (the chunked one split at `split`)."""
    pa = pytest.importorskip("pyarrow")
    pl = pytest.importorskip("polars")
    pd = pytest.importorskip("pandas")
    return {
        "pyarrow": pa.array(texts),
        "pyarrow-large": pa.array(texts, type=pa.large_string()),
        "pyarrow-chunked": pa.chunked_array([texts[:split], texts[split:]]),
        "polars": pl.Series(texts),
        "pandas-arrow": pd.Series(texts, dtype="string[pyarrow]"),
        "pandas-object": pd.Series(texts, dtype=object),
    }


@pytest.mark.parametrize("kind", list(_columns()))
def test_arrow_hypotheses_equal_list(kind):
    col = _columns()[kind]
    assert lm.corpus_bleu(col, REFS) == lm.corpus_bleu(HYPS, REFS)
    assert lm.corpus_chrf(col, REFS) == lm.corpus_chrf(HYPS, REFS)
    assert lm.corpus_chrf(col, REFS, word_order=2) == lm.corpus_chrf(HYPS, REFS, word_order=2)
    assert np.array_equal(lm.sentence_bleu(col, REFS), lm.sentence_bleu(HYPS, REFS))
    assert np.array_equal(lm.sentence_chrf(col, REFS), lm.sentence_chrf(HYPS, REFS))


def test_arrow_nulls_are_refused_with_the_index():
    pa = pytest.importorskip("pyarrow")
    with pytest.raises(TypeError, match=r"hypotheses\[1\]"):
        lm.corpus_bleu(pa.array(["a", None]), ["a", "b"])


@pytest.mark.parametrize("kind", list(_columns()))
def test_arrow_references_equal_list(kind):
    refs = _columns(REFS, split=3)[kind]
    hyps = _columns()[kind]
    assert lm.corpus_bleu(hyps, refs) == lm.corpus_bleu(HYPS, REFS)
    assert lm.corpus_chrf(hyps, refs, word_order=2) == lm.corpus_chrf(HYPS, REFS, word_order=2)
    assert np.array_equal(lm.sentence_bleu(hyps, refs), lm.sentence_bleu(HYPS, REFS))
    assert np.array_equal(lm.bleu_stats(hyps, refs), lm.bleu_stats(HYPS, REFS))
    if kind not in ("pandas-object",):
        assert lm._native._texts_source(refs) == "arrow"  # read zero-copy, no str per row


MULTI = [[r, r.upper(), "x"] if i % 2 else [r] for i, r in enumerate(REFS)]


@pytest.mark.parametrize(
    "kind", ["pyarrow", "pyarrow-large-list", "pyarrow-chunked", "polars", "pandas-arrow"]
)
def test_arrow_list_references_equal_python_lists(kind):
    """A list column (several references per row) scores like the same Python lists."""
    pa, pl, pd = (pytest.importorskip(m) for m in ("pyarrow", "polars", "pandas"))
    refs = {
        "pyarrow": pa.array(MULTI),
        "pyarrow-large-list": pa.array(MULTI, type=pa.large_list(pa.string())),
        "pyarrow-chunked": pa.chunked_array([MULTI[:2], MULTI[2:]]),
        "polars": pl.Series(MULTI),
        "pandas-arrow": pd.Series(MULTI, dtype=pd.ArrowDtype(pa.list_(pa.string()))),
    }[kind]
    assert lm.corpus_bleu(HYPS, refs) == lm.corpus_bleu(HYPS, MULTI)
    assert lm.corpus_chrf(HYPS, refs) == lm.corpus_chrf(HYPS, MULTI)
    assert np.array_equal(lm.sentence_chrf(HYPS, refs), lm.sentence_chrf(HYPS, MULTI))
    assert np.array_equal(lm.sentence_bleu(HYPS, refs), lm.sentence_bleu(HYPS, MULTI))
    r, want = (
        lm.rouge(HYPS, refs, rouge_types=("rouge1", "rougeL")),
        lm.rouge(HYPS, MULTI, rouge_types=("rouge1", "rougeL")),
    )
    assert np.array_equal(r["rougeL"].fmeasure, want["rougeL"].fmeasure)
    assert lm.corpus_bleu(HYPS, refs).score != lm.corpus_bleu(HYPS, [m[0] for m in MULTI]).score


def test_arrow_null_reference_is_refused_with_the_index():
    pa = pytest.importorskip("pyarrow")
    with pytest.raises(TypeError, match=r"references\[1\]"):
        lm.corpus_bleu(["a", "b"], pa.array(["a", None]))
