"""lexmetrics.arrow: the Arrow-batch entry point and the exact aggregation helpers (no Spark)."""

from __future__ import annotations

import random
import sys
from fractions import Fraction
from pathlib import Path

import lexmetrics
import numpy as np
import pyarrow as pa
import pytest
import sacrebleu
from lexmetrics import arrow as LA
from rouge_score import rouge_scorer

sys.path.insert(0, str(Path(__file__).parent / "spark"))
from _textgen import make_corpus  # noqa: E402

ROWS = make_corpus(600)
PREDS = [r["prediction"] for r in ROWS]
REFS = [r["reference"] for r in ROWS]
METRICS = ("rouge1", "rouge2", "rougeL", "rougeLsum", "bleu", "chrf", "chrf++")


def _batch(rows=ROWS, str_type=None, list_refs=False) -> pa.RecordBatch:
    str_type = str_type or pa.string()
    ref_type = pa.list_(str_type) if list_refs else str_type
    return pa.RecordBatch.from_arrays(
        [
            pa.array([r["id"] for r in rows], pa.int64()),
            pa.array([r["prediction"] for r in rows], str_type),
            pa.array([r["refs"] if list_refs else r["reference"] for r in rows], ref_type),
            pa.array([r["lang"] for r in rows], pa.string()),
        ],
        names=["id", "prediction", "reference", "lang"],
    )


def _exact_mean(values) -> float:
    """Independent oracle: the correctly rounded mean, through rationals."""
    return float(sum((Fraction(float(v)) for v in values), Fraction(0)) / len(values))


@pytest.fixture(scope="module")
def scored() -> pa.RecordBatch:
    return LA.score_batch(_batch(), metrics=METRICS, keep_cols=["id", "lang"], workers=2)


def test_per_row_scores_equal_the_reference_packages(scored):
    out = scored.to_pydict()
    assert out["id"] == [r["id"] for r in ROWS]
    sc = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL", "rougeLsum"])
    for i, (p, r) in enumerate(zip(PREDS, REFS, strict=True)):
        ref = sc.score(r, p)
        for t, s in ref.items():
            got = (out[f"{t}_precision"][i], out[f"{t}_recall"][i], out[f"{t}_fmeasure"][i])
            assert got == (s.precision, s.recall, s.fmeasure), (i, t)
        assert out["bleu"][i] == sacrebleu.sentence_bleu(p, [r]).score, i
        assert out["chrf"][i] == sacrebleu.sentence_chrf(p, [r]).score, i
        assert (
            out["chrfpp"][i] == sacrebleu.metrics.CHRF(word_order=2).sentence_score(p, [r]).score
        ), i


def test_stats_columns_equal_the_library_stats(scored):
    bs = lexmetrics.bleu_stats(PREDS, REFS)
    got = np.column_stack(
        [
            scored.column(f"bleu_{c}").to_numpy()
            for c in ["sys_len", "ref_len"]
            + [f"{k}_{n}" for k in ("correct", "total") for n in range(1, 5)]
        ]
    )
    assert np.array_equal(got, bs)
    cs = lexmetrics.chrf_stats(PREDS, REFS, word_order=2)
    names = [
        f"chrfpp_{o}_{k}"
        for o in ["c1", "c2", "c3", "c4", "c5", "c6", "w1", "w2"]
        for k in ("hyp", "ref", "match")
    ]
    assert np.array_equal(np.column_stack([scored.column(c).to_numpy() for c in names]), cs)
    assert scored.schema.field("bleu_sys_len").type == pa.int64()


def test_corpus_equals_single_process_and_sacrebleu(scored):
    want_bleu = sacrebleu.corpus_bleu(PREDS, [REFS]).score
    want_chrf = sacrebleu.corpus_chrf(PREDS, [REFS]).score
    want_chrfpp = sacrebleu.metrics.CHRF(word_order=2).corpus_score(PREDS, [REFS]).score
    res = LA.corpus_from_scores(scored, metrics=METRICS)
    st = LA.state_batch(_batch(), metrics=METRICS)
    res2 = LA.corpus_from_states(st, metrics=METRICS)
    assert res == res2
    m = res["metrics"]
    assert res["n"] == len(ROWS) and res["n_skipped"] == 0
    assert m["bleu"]["score"] == want_bleu == lexmetrics.corpus_bleu(PREDS, REFS).score
    assert m["chrf"]["score"] == want_chrf == lexmetrics.corpus_chrf(PREDS, REFS).score
    assert m["chrf++"]["score"] == want_chrfpp
    r = lexmetrics.rouge(PREDS, REFS, rouge_types=["rouge1", "rouge2", "rougeL", "rougeLsum"])
    for t in r:
        for k in ("precision", "recall", "fmeasure"):
            assert m[t][k] == _exact_mean(getattr(r[t], k)), (t, k)


def test_states_merge_exactly_in_any_chunking_and_order():
    full = LA.corpus_from_states(LA.state_batch(_batch(), by="lang"), by="lang")
    rng = random.Random(3)
    rows = ROWS[:]
    rng.shuffle(rows)
    cuts = sorted(rng.sample(range(1, len(rows)), 6))
    chunks = [rows[a:b] for a, b in zip([0, *cuts], [*cuts, len(rows)], strict=True)]
    states = [LA.state_batch(_batch(c), by="lang", workers=1) for c in chunks]
    rng.shuffle(states)
    assert LA.corpus_from_states(states, by="lang") == full
    # The same from plain (key, part, slot, value) tuples.
    tuples = [tuple(row.values()) for s in states for row in s.to_pylist()]
    assert LA.corpus_from_states(tuples, by="lang") == full


def test_grouped_equals_per_group_single_process():
    res = LA.corpus_from_states(LA.state_batch(_batch(), by=["lang"]), by=["lang"])
    assert sorted(res["groups"]) == ["de", "en", "fr", "zh"]
    for g, block in res["groups"].items():
        p = [r["prediction"] for r in ROWS if r["lang"] == g]
        r = [r["reference"] for r in ROWS if r["lang"] == g]
        assert block["n"] == len(p)
        assert block["metrics"]["bleu"]["score"] == sacrebleu.corpus_bleu(p, [r]).score
        assert block["metrics"]["chrf"]["score"] == sacrebleu.corpus_chrf(p, [r]).score
        f = lexmetrics.rouge(p, r, rouge_types=["rougeL"])["rougeL"].fmeasure
        assert block["metrics"]["rougeL"]["fmeasure"] == _exact_mean(f)
    # Whole-corpus numbers are still there, equal to the ungrouped run.
    assert {k: v for k, v in res.items() if k != "groups"} == LA.corpus_from_states(
        LA.state_batch(_batch())
    )


@pytest.mark.parametrize("str_type", [pa.string(), pa.large_string(), pa.string_view()], ids=str)
def test_arrow_string_types_and_multi_reference_lists(str_type):
    rows = ROWS[:150]
    base = LA.score_batch(_batch(rows, list_refs=True))
    got = LA.score_batch(_batch(rows, str_type=str_type, list_refs=True))
    assert got.equals(base)
    # list<string> references: sacrebleu with two reference streams, rouge-score's score_multi.
    preds = [r["prediction"] for r in rows]
    refs = [r["refs"] for r in rows]
    assert got.column("bleu").to_pylist() == [
        sacrebleu.sentence_bleu(p, rr).score for p, rr in zip(preds, refs, strict=True)
    ]
    sc = rouge_scorer.RougeScorer(["rougeL"])
    assert got.column("rougeL_fmeasure").to_pylist() == [
        sc.score_multi(rr, p)["rougeL"].fmeasure for p, rr in zip(preds, refs, strict=True)
    ]
    res = LA.corpus_from_scores(got)
    assert (
        res["metrics"]["bleu"]["score"]
        == sacrebleu.corpus_bleu(preds, list(map(list, zip(*refs, strict=True)))).score
    )


def test_dictionary_and_table_inputs():
    b = _batch(ROWS[:50])
    dict_b = b.set_column(1, "prediction", b.column(1).dictionary_encode())
    assert LA.score_batch(dict_b).equals(LA.score_batch(b))
    table = pa.Table.from_batches([_batch(ROWS[:20]), _batch(ROWS[20:50])])
    assert LA.score_batch(table).equals(LA.score_batch(b))


def test_options_pass_through():
    p, r = PREDS[:200], REFS[:200]
    b = _batch(ROWS[:200])
    opts = dict(
        tokenize="char", lowercase=True, chrf_lowercase=True, chrf_word_order=2, use_stemmer=True
    )
    out = LA.score_batch(b, metrics="rouge1,bleu,chrf", **opts)
    assert out.column("bleu").to_pylist() == [
        sacrebleu.sentence_bleu(a, [c], tokenize="char", lowercase=True).score
        for a, c in zip(p, r, strict=True)
    ]
    chrf = sacrebleu.metrics.CHRF(word_order=2, lowercase=True)
    assert out.column("chrfpp").to_pylist() == [
        chrf.sentence_score(a, [c]).score for a, c in zip(p, r, strict=True)
    ]
    sc = rouge_scorer.RougeScorer(["rouge1"], use_stemmer=True)
    assert out.column("rouge1_fmeasure").to_pylist() == [
        sc.score(c, a)["rouge1"].fmeasure for a, c in zip(p, r, strict=True)
    ]
    res = LA.corpus_from_scores(out, metrics="rouge1,bleu,chrf", **opts)
    assert (
        res["metrics"]["bleu"]["score"]
        == sacrebleu.corpus_bleu(p, [r], tokenize="char", lowercase=True).score
    )
    assert res["metrics"]["chrf++"]["score"] == chrf.corpus_score(p, [r]).score
    assert "tok:char" in res["metrics"]["bleu"]["signature"]


def test_empty_strings_scored_like_the_single_machine_api():
    preds = ["", "a cat", "", "x y"]
    refs = ["", "", "a cat", "x y"]
    b = pa.RecordBatch.from_pydict({"prediction": preds, "reference": refs})
    out = LA.score_batch(b, metrics=("rouge1", "rougeL", "bleu", "chrf"))
    r = lexmetrics.rouge(preds, refs, rouge_types=["rouge1", "rougeL"])
    assert out.column("rougeL_fmeasure").to_pylist() == r["rougeL"].fmeasure.tolist()
    assert out.column("bleu").to_pylist() == [
        sacrebleu.sentence_bleu(p, [q]).score for p, q in zip(preds, refs, strict=True)
    ]
    assert out.column("chrf").to_pylist() == [
        sacrebleu.sentence_chrf(p, [q]).score for p, q in zip(preds, refs, strict=True)
    ]
    res = LA.corpus_from_scores(out)
    assert res["n"] == 4
    assert res["metrics"]["bleu"]["score"] == sacrebleu.corpus_bleu(preds, [refs]).score


def test_nulls_raise_naming_the_column_and_row():
    b = pa.RecordBatch.from_pydict({"prediction": ["a", None, "c"], "reference": ["a", "b", "c"]})
    with pytest.raises(
        lexmetrics.InputValueError, match=r"column 'prediction' has a null at row 1"
    ):
        LA.score_batch(b)
    b = pa.RecordBatch.from_pydict({"hyp": ["a", "b", "c"], "refs": [["a"], ["b", None], None]})
    with pytest.raises(
        ValueError, match=r"column 'refs' has a null reference inside the list at row 1"
    ):
        LA.state_batch(b, pred_col="hyp", ref_col="refs")
    b = pa.RecordBatch.from_pydict(
        {"prediction": ["a", "b"], "reference": [None, None]}
    )  # Arrow type null
    with pytest.raises(lexmetrics.InputValueError, match=r"column 'reference' has a null at row 0"):
        LA.score_batch(b)
    assert LA.score_batch(b, on_null="skip").column("bleu").null_count == 2


def test_nulls_skipped_on_request():
    rows = ROWS[:60]
    preds = [None if i % 7 == 0 else r["prediction"] for i, r in enumerate(rows)]
    refs = [None if i % 11 == 0 else r["reference"] for i, r in enumerate(rows)]
    b = pa.RecordBatch.from_pydict(
        {"prediction": preds, "reference": refs, "lang": [r["lang"] for r in rows]}
    )
    out = LA.score_batch(b, on_null="skip", keep_cols=["lang"])
    keep = [i for i in range(len(rows)) if preds[i] is not None and refs[i] is not None]
    assert out.num_rows == len(rows)
    for c in ("rouge1_fmeasure", "bleu", "chrf", "bleu_sys_len"):
        col = out.column(c).to_pylist()
        assert [i for i, v in enumerate(col) if v is None] == [
            i for i in range(len(rows)) if i not in keep
        ]
    kp = [preds[i] for i in keep]
    kr = [refs[i] for i in keep]
    clean = LA.score_batch(pa.RecordBatch.from_pydict({"prediction": kp, "reference": kr}))
    assert (
        pa.array([out.column("bleu")[i] for i in keep]).to_pylist()
        == clean.column("bleu").to_pylist()
    )
    res = LA.corpus_from_scores(out)
    assert res["n"] == len(keep) and res["n_skipped"] == len(rows) - len(keep)
    assert res["metrics"]["bleu"]["score"] == sacrebleu.corpus_bleu(kp, [kr]).score
    res2 = LA.corpus_from_states(LA.state_batch(b, on_null="skip"))
    assert res2 == res
    grouped = LA.corpus_from_states(LA.state_batch(b, on_null="skip", by="lang"), by="lang")
    assert sum(g["n_skipped"] for g in grouped["groups"].values()) == res["n_skipped"]


def test_zero_rows():
    b = _batch([])
    out = LA.score_batch(b, keep_cols=["id"])
    assert out.num_rows == 0 and out.schema == LA.score_schema(b.schema, keep_cols=["id"])
    res = LA.corpus_from_states(LA.state_batch(b))
    assert res["n"] == 0 and res["metrics"]["bleu"]["score"] == 0.0


def test_bad_input_errors():
    b = _batch(ROWS[:5])
    with pytest.raises(lexmetrics.InputValueError, match="no column 'pred'"):
        LA.score_batch(b, pred_col="pred")
    with pytest.raises(lexmetrics.InputTypeError, match="column 'id' must be a string column"):
        LA.score_batch(b, pred_col="id")
    with pytest.raises(lexmetrics.InputValueError, match="unknown metric"):
        LA.score_batch(b, metrics=["rouge1", "meteor"])
    with pytest.raises(lexmetrics.InputValueError, match="on_null"):
        LA.score_batch(b, on_null="drop")
    with pytest.raises(lexmetrics.InputTypeError, match="unknown metric option .use_stemer."):
        LA.score_batch(b, use_stemer=True)
    with pytest.raises(lexmetrics.InputValueError, match="appears twice"):
        LA.score_batch(b.append_column("bleu", pa.array([0.0] * 5)), keep_cols=["bleu"])
    with pytest.raises(lexmetrics.InputValueError, match="not among"):
        LA.corpus_from_states(LA.state_batch(b, metrics=["bleu"]), metrics=["chrf"])
