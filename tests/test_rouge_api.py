"""lexmetrics.rouge API: result types, bad input (clear TypeError/ValueError subclasses naming the index)."""

from __future__ import annotations

import json

import lexmetrics
import numpy as np
import pytest
from lexmetrics import InputTypeError, InputValueError
from lexmetrics.compat.rouge_score import rouge_scorer


def test_result_types() -> None:
    r = lexmetrics.rouge(
        ["a b c", "x"], [["a b", "a b c"], "y"], rouge_types=("rougeL", "rouge1", "rougeL")
    )
    assert list(r) == ["rougeL", "rouge1"] and len(r) == 2 and r.num_pairs == 2
    s = r["rougeL"]
    assert s.fmeasure.dtype == np.float64 and len(s) == 2
    assert s.fmeasure.tolist() == [1.0, 0.0]
    with pytest.raises(ValueError):
        s.fmeasure[0] = 3.0  # read-only
    m = s.mean()
    assert (m.precision, m.recall, m.fmeasure) == (0.5, 0.5, 0.5)
    with pytest.raises(AttributeError):
        m.precision = 1.0  # frozen
    json.dumps(r.to_dict())
    assert "rougeL" in repr(r)
    empty = lexmetrics.rouge([], [])
    assert empty.num_pairs == 0 and empty["rouge1"].mean().fmeasure == 0.0


@pytest.mark.parametrize(
    "preds,refs,exc,msg",
    [
        (["a", 3], ["a", "b"], InputTypeError, r"predictions\[1\]"),
        (["a", None], ["a", "b"], InputTypeError, r"predictions\[1\]"),
        (["a", "b"], ["a", None], InputTypeError, r"references\[1\]"),
        (["a", "b"], ["a", ["b", 5]], InputTypeError, r"references\[1\]\[1\]"),
        (["a", "b"], ["a", []], InputValueError, r"references\[1\]"),
        (["a", "b"], ["a"], InputValueError, "differ in length"),
        ("abc", ["a"], InputTypeError, "single str"),
        (["a"], "abc", InputTypeError, "single str"),
        (["a"], 5, InputTypeError, "references|sequence"),
    ],
)
@pytest.mark.parametrize("path", ["texts", "docs"])
def test_bad_inputs(preds, refs, exc, msg, path) -> None:
    kw = {"tokenizer": _Ws()} if path == "docs" else {}
    with pytest.raises(exc, match=msg):
        lexmetrics.rouge(preds, refs, **kw)


class _Ws:
    def tokenize(self, text):
        return text.split()


@pytest.mark.parametrize("t", ["rouge0", "rouge10", "rougeX", "rougel", "ROUGE1", "", "rougeLsum "])
def test_unknown_rouge_type(t) -> None:
    with pytest.raises(InputValueError, match="rouge"):
        lexmetrics.rouge(["a"], ["a"], rouge_types=[t])
    with pytest.raises(ValueError):
        rouge_scorer.RougeScorer([t]).score("a", "a")


def test_bad_options() -> None:
    with pytest.raises(InputTypeError):
        lexmetrics.rouge(["a"], ["a"], rouge_types=[1])
    with pytest.raises(InputValueError):
        lexmetrics.rouge(["a"], ["a"], rouge_types=[])
    with pytest.raises(InputValueError, match="workers"):
        lexmetrics.rouge(["a"], ["a"], workers=0)
    with pytest.raises(InputTypeError, match="tokenize"):
        lexmetrics.rouge(["a"], ["a"], tokenizer=object())

    class NoneTok:
        def tokenize(self, text):
            return None

    with pytest.raises(InputTypeError, match=r"predictions\[0\]"):
        lexmetrics.rouge(["a"], ["a"], tokenizer=NoneTok())
    with pytest.raises(ValueError, match="empty"):
        rouge_scorer.RougeScorer(["rouge1"]).score_multi([], "a")
    assert rouge_scorer.RougeScorer([]).score("a", "a") == {}


def test_lone_surrogates_are_separators() -> None:
    from rouge_score import rouge_scorer as ref

    t, p = "ab\ud800cd ef", "ab cd\udfff ef"
    exp = ref.RougeScorer(["rouge1", "rougeL"]).score(t, p)
    got = rouge_scorer.RougeScorer(["rouge1", "rougeL"]).score(t, p)
    assert got == exp


def test_arrow_polars_pandas_columns_equal_lists():
    import pandas as pd
    import polars as pl
    import pyarrow as pa

    preds = ["the cat sat on the mat", "", "a dog barked\nloudly", "Café naïve"]
    refs = ["the cat is on the mat", "something", "the dog barked\nloud", "cafe naive"]
    want = lexmetrics.rouge(preds, refs, rouge_types=("rouge1", "rougeLsum"))
    for p_col, r_col in [
        (pa.array(preds), pa.array(refs)),
        (
            pa.chunked_array([preds[:1], preds[1:]], type=pa.large_string()),
            pa.array(refs, pa.string_view()),
        ),
        (pl.Series(preds), pl.Series(refs)),
        (pd.Series(preds, dtype="string[pyarrow]"), pd.Series(refs)),
    ]:
        got = lexmetrics.rouge(p_col, r_col, rouge_types=("rouge1", "rougeLsum"))
        for t in want:
            np.testing.assert_array_equal(got[t].fmeasure, want[t].fmeasure)
            np.testing.assert_array_equal(got[t].precision, want[t].precision)
    with pytest.raises(lexmetrics.InputTypeError, match=r"predictions\[1\] is null"):
        lexmetrics.rouge(pa.array(["a", None]), ["a", "b"])


def test_mean_is_exact_and_frames():
    import random

    from lexmetrics._exactsum import exact_mean

    rng = random.Random(3)
    words = "a b c d e f g".split()
    preds = [" ".join(rng.choices(words, k=rng.randint(1, 9))) for _ in range(2000)]
    refs = [" ".join(rng.choices(words, k=rng.randint(1, 9))) for _ in range(2000)]
    r = lexmetrics.rouge(preds, refs, rouge_types=("rougeL",))
    m = r["rougeL"].mean()
    assert m.fmeasure == exact_mean(r["rougeL"].fmeasure)
    assert (
        m.fmeasure
        == lexmetrics.rouge(preds[::-1], refs[::-1], rouge_types=("rougeL",))["rougeL"]
        .mean()
        .fmeasure
    )
    t = r.to_arrow()
    assert t.column_names == ["rougeL_precision", "rougeL_recall", "rougeL_fmeasure"]
    assert t.num_rows == 2000
    assert r.to_pandas()["rougeL_fmeasure"].tolist() == r["rougeL"].fmeasure.tolist()
    assert r.to_polars()["rougeL_recall"].to_list() == r["rougeL"].recall.tolist()
