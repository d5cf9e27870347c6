"""BLEU / chrF on Arrow-backed string columns (pyarrow, polars, pandas) equal the list result."""

from __future__ import annotations

import lexmetrics as lm
import numpy as np
import pytest

HYPS = ["The cat sat on the mat.", "3.5 e-mail &amp; 2019-2020", "", "中文,English。测试 ΟΔΟΣ", "a b c d e f"]
REFS = ["The cat is on the mat.", "3,5 e-mail & 2019 - 2020", "x", "中文, English 测试 οδος", "a b c d e g"]


def _columns():
    pa = pytest.importorskip("pyarrow")
    pl = pytest.importorskip("polars")
    pd = pytest.importorskip("pandas")
    return {
        "pyarrow": pa.array(HYPS),
        "pyarrow-large": pa.array(HYPS, type=pa.large_string()),
        "pyarrow-chunked": pa.chunked_array([HYPS[:2], HYPS[2:]]),
        "polars": pl.Series(HYPS),
        "pandas-arrow": pd.Series(HYPS, dtype="string[pyarrow]"),
        "pandas-object": pd.Series(HYPS, dtype=object),
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
