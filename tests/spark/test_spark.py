"""lexmetrics.spark on a local[2] SparkSession: per-row and corpus results equal the single-process API."""

from __future__ import annotations

from fractions import Fraction

import lexmetrics
import numpy as np
import pyarrow as pa
import pytest
import sacrebleu
from _textgen import make_corpus
from lexmetrics import arrow as LA

pytest.importorskip(
    "pyspark", reason="the Spark suite needs the 'spark' extra (pip install 'lexmetrics[spark]')"
)
from lexmetrics import spark as LS  # noqa: E402

# pyspark 4.x warns about pandas >= 3 on import of its pandas helpers; lexmetrics.spark uses none.
pytestmark = pytest.mark.filterwarnings(
    "ignore:PySpark does not yet fully support pandas:FutureWarning"
)

N = 3000
ROWS = make_corpus(N, seed=11)
for _i in range(0, N, 251):
    ROWS[_i]["lang"] = None  # null group keys form their own group, as in Spark's groupBy
PREDS = [r["prediction"] for r in ROWS]
REFS = [r["reference"] for r in ROWS]
METRICS = ("rouge1", "rouge2", "rougeL", "rougeLsum", "bleu", "chrf", "chrf++")
SCHEMA = (
    "id long, prediction string, reference string, refs array<string>, lang string, model string"
)


def _exact_mean(values) -> float:
    """Independent oracle: the correctly rounded mean, through rationals."""
    return float(sum((Fraction(float(v)) for v in values), Fraction(0)) / len(values))


def _frame(spark, rows, partitions=5):
    data = [
        (r["id"], r["prediction"], r["reference"], r["refs"], r["lang"], r["model"]) for r in rows
    ]
    return spark.createDataFrame(data, SCHEMA).repartition(partitions)


@pytest.fixture(scope="module")
def df(spark):
    return _frame(spark, ROWS).cache()


def _check_block(block, preds, refs):
    """A corpus block equals the single-process API (and sacrebleu) on the same pairs, bit for bit."""
    m = block["metrics"]
    assert block["n"] == len(preds)
    assert (
        m["bleu"]["score"]
        == lexmetrics.corpus_bleu(preds, refs).score
        == sacrebleu.corpus_bleu(preds, [refs]).score
    )
    assert m["chrf"]["score"] == lexmetrics.corpus_chrf(preds, refs).score
    assert m["chrf++"]["score"] == lexmetrics.corpus_chrf(preds, refs, word_order=2).score
    r = lexmetrics.rouge(preds, refs, rouge_types=["rouge1", "rouge2", "rougeL", "rougeLsum"])
    for t in r:
        for k in ("precision", "recall", "fmeasure"):
            assert m[t][k] == _exact_mean(getattr(r[t], k)), (t, k)


def test_task_workers_follow_spark_task_cpus(spark):
    assert LS.task_workers(spark) == 1


def test_with_scores_equal_the_single_process_api(df):
    out = LS.with_scores(df, METRICS, include_stats=True)
    assert out.columns[:6] == df.columns
    got = out.orderBy("id").collect()
    assert [g["id"] for g in got] == list(range(N))
    assert [g["prediction"] for g in got] == PREDS  # input columns pass through untouched
    r = lexmetrics.rouge(PREDS, REFS, rouge_types=["rouge1", "rouge2", "rougeL", "rougeLsum"])
    for t in r:
        for k in ("precision", "recall", "fmeasure"):
            assert [g[f"{t}_{k}"] for g in got] == getattr(r[t], k).tolist(), (t, k)
    assert [g["bleu"] for g in got] == lexmetrics.sentence_bleu(PREDS, REFS).tolist()
    assert [g["chrf"] for g in got] == lexmetrics.sentence_chrf(PREDS, REFS).tolist()
    assert [g["chrfpp"] for g in got] == lexmetrics.sentence_chrf(
        PREDS, REFS, word_order=2
    ).tolist()
    stats = np.array(
        [[g[f"bleu_{c}"] for c in ("sys_len", "ref_len", "correct_1", "total_4")] for g in got]
    )
    assert np.array_equal(stats, lexmetrics.bleu_stats(PREDS, REFS)[:, [0, 1, 2, 9]])
    # Empty predictions/references are among the rows and scored like the single-process API.
    assert any(p == "" for p in PREDS) and any(x == "" for x in REFS)


def test_corpus_scores_equal_the_single_process_api(df):
    res = LS.corpus_scores(df, METRICS)
    assert res["n_skipped"] == 0 and "groups" not in res
    _check_block(res, PREDS, REFS)
    # The same dict as the single-process Arrow path over one batch.
    single = pa.RecordBatch.from_pydict({"prediction": PREDS, "reference": REFS})
    assert res == LA.corpus_from_states(LA.state_batch(single, metrics=METRICS), metrics=METRICS)


def test_grouped_corpus_scores_equal_per_group_results(df):
    res = LS.corpus_scores(df, METRICS, by="lang")
    assert list(res["groups"]) == [None, "de", "en", "fr", "zh"]
    for g, block in res["groups"].items():
        idx = [i for i, r in enumerate(ROWS) if r["lang"] == g]
        _check_block(block, [PREDS[i] for i in idx], [REFS[i] for i in idx])
    _check_block(res, PREDS, REFS)
    two = LS.corpus_scores(df, ["bleu", "rougeL"], by=["lang", "model"])
    assert len(two["groups"]) == 10
    for (lang, model), block in two["groups"].items():
        idx = [i for i, r in enumerate(ROWS) if r["lang"] == lang and r["model"] == model]
        p, q = [PREDS[i] for i in idx], [REFS[i] for i in idx]
        assert block["n"] == len(idx)
        assert block["metrics"]["bleu"]["score"] == lexmetrics.corpus_bleu(p, q).score
        assert block["metrics"]["rougeL"]["fmeasure"] == _exact_mean(
            lexmetrics.rouge(p, q, rouge_types=["rougeL"])["rougeL"].fmeasure
        )


def test_partitioning_and_threads_do_not_change_results(spark, df):
    base = LS.corpus_scores(df, ["rougeL", "bleu", "chrf"], by="model")
    other = LS.corpus_scores(
        _frame(spark, ROWS[::-1], partitions=3), ["rougeL", "bleu", "chrf"], by="model", workers=2
    )
    assert other == base


def test_multi_reference_array_column(df):
    res = LS.corpus_scores(df, ["bleu", "chrf", "rougeL"], ref_col="refs")
    multi = [r["refs"] for r in ROWS]
    assert (
        res["metrics"]["bleu"]["score"]
        == sacrebleu.corpus_bleu(PREDS, [list(x) for x in zip(*multi, strict=True)]).score
    )
    assert res["metrics"]["chrf"]["score"] == lexmetrics.corpus_chrf(PREDS, multi).score
    assert res["metrics"]["rougeL"]["fmeasure"] == _exact_mean(
        lexmetrics.rouge(PREDS, multi, rouge_types=["rougeL"])["rougeL"].fmeasure
    )
    rows = LS.with_scores(df.filter("id < 200"), ["bleu"], ref_col="refs").orderBy("id").collect()
    assert [g["bleu"] for g in rows] == lexmetrics.sentence_bleu(PREDS[:200], multi[:200]).tolist()


def test_score_udf_struct_column(df):
    from pyspark.sql import functions as F

    if not hasattr(F, "arrow_udf"):
        pytest.skip("score_udf needs pyspark>=4.1 (arrow_udf)")
    f = LS.score_udf(["rougeL", "bleu"])
    rows = (
        df.filter("id < 300")
        .select("id", f("prediction", "reference").alias("s"))
        .orderBy("id")
        .collect()
    )
    assert [r["s"]["bleu"] for r in rows] == lexmetrics.sentence_bleu(
        PREDS[:300], REFS[:300]
    ).tolist()
    want = lexmetrics.rouge(PREDS[:300], REFS[:300], rouge_types=["rougeL"])[
        "rougeL"
    ].fmeasure.tolist()
    assert [r["s"]["rougeL_fmeasure"] for r in rows] == want


def test_saved_states_merge_across_jobs(spark):
    first, second = ROWS[:1700], ROWS[1700:]
    parts = [
        LS.state_frame(_frame(spark, rows, 2), ["bleu", "rouge1"], by="lang")
        for rows in (first, second)
    ]
    merged = (
        parts[0].unionByName(parts[1]).collect()
    )  # partial sums of two jobs, summed on the driver
    res = LA.corpus_from_states([tuple(r) for r in merged], metrics=["bleu", "rouge1"], by="lang")
    assert res == LS.corpus_scores(_frame(spark, ROWS, 4), ["bleu", "rouge1"], by="lang")


def _null_frame(spark):
    rows = [
        (i, None if i % 13 == 0 else PREDS[i], None if i % 17 == 0 else REFS[i], ROWS[i]["lang"])
        for i in range(400)
    ]
    return spark.createDataFrame(
        rows, "id long, prediction string, reference string, lang string"
    ).repartition(3)


def test_nulls_raise_naming_the_column(spark):
    nulls = _null_frame(spark)
    with pytest.raises(
        lexmetrics.InputValueError, match=r"column '(prediction|reference)' has a null"
    ):
        LS.corpus_scores(nulls, ["bleu"])
    with pytest.raises(Exception, match=r"column '(prediction|reference)' has a null"):
        LS.with_scores(nulls, ["bleu"]).collect()


def test_nulls_skipped_on_request(spark):
    nulls = _null_frame(spark)
    keep = [i for i in range(400) if i % 13 and i % 17]
    res = LS.corpus_scores(nulls, ["bleu", "rougeL"], on_null="skip", by="lang")
    assert res["n"] == len(keep) and res["n_skipped"] == 400 - len(keep)
    assert (
        res["metrics"]["bleu"]["score"]
        == lexmetrics.corpus_bleu([PREDS[i] for i in keep], [REFS[i] for i in keep]).score
    )
    rows = LS.with_scores(nulls, ["bleu"], on_null="skip").orderBy("id").collect()
    assert [r["id"] for r in rows if r["bleu"] is None] == [i for i in range(400) if i not in keep]
    assert [r["bleu"] for r in rows if r["bleu"] is not None] == lexmetrics.sentence_bleu(
        [PREDS[i] for i in keep], [REFS[i] for i in keep]
    ).tolist()


def test_bad_arguments_fail_on_the_driver(df):
    with pytest.raises(lexmetrics.InputValueError, match="no column 'pred'"):
        LS.with_scores(df, pred_col="pred")
    with pytest.raises(lexmetrics.InputTypeError, match="column 'id' must be a string"):
        LS.corpus_scores(df, pred_col="id")
    with pytest.raises(
        lexmetrics.InputTypeError, match="column 'lang' must be a string or array<string>"
    ):
        LS.corpus_scores(df.withColumn("lang", df["id"]), ref_col="lang")
    with pytest.raises(lexmetrics.InputValueError, match="already has score column"):
        LS.with_scores(df.withColumnRenamed("model", "bleu"))
    with pytest.raises(lexmetrics.InputValueError, match="unknown metric"):
        LS.corpus_scores(df, ["bleurt"])
    with pytest.raises(lexmetrics.InputValueError, match="workers"):
        LS.corpus_scores(df, workers=0)
