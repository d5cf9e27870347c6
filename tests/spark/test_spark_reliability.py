"""lexmetrics.spark under awkward frames and bad arguments: Spark's grouping semantics (NaN, null),
errors on the driver before any job, column names that mapInArrow cannot carry, and group names
that agree with the CLI's."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid

import lexmetrics
import pytest
import sacrebleu
from _textgen import make_corpus

pytest.importorskip(
    "pyspark", reason="the Spark suite needs the 'spark' extra (pip install 'lexmetrics[spark]')"
)
from lexmetrics import spark as LS  # noqa: E402

pytestmark = pytest.mark.filterwarnings(
    "ignore:PySpark does not yet fully support pandas:FutureWarning"
)

ROWS = make_corpus(600, seed=5)
PREDS = [r["prediction"] for r in ROWS]
REFS = [r["reference"] for r in ROWS]
GVALS = [
    1.5,
    float("nan"),
    None,
    -0.0,
    0.0,
    2.0,
]  # NaN, null and -0.0 / 0.0 each one group in Spark


def _g(i):
    return GVALS[i % len(GVALS)]


@pytest.fixture(scope="module")
def frame(spark):
    data = [(i, PREDS[i], REFS[i], _g(i), i % 3) for i in range(len(ROWS))]
    return (
        spark.createDataFrame(
            data, "id long, prediction string, reference string, g double, k long"
        )
        .repartition(4)
        .cache()
    )


def _group_of(v):
    if v is None:
        return "null"
    if v != v:
        return "nan"
    return v + 0.0  # -0.0 -> 0.0


def test_nan_and_null_group_keys_follow_spark_grouping(frame):
    res = LS.corpus_scores(frame, ["bleu", "rouge1"], by="g")
    spark_groups = {(_group_of(r["g"])): r["count"] for r in frame.groupBy("g").count().collect()}
    got = {_group_of(k): v["n"] for k, v in res["groups"].items()}
    assert got == spark_groups and len(got) == 5
    for key, block in res["groups"].items():
        rows = [i for i in range(len(ROWS)) if _group_of(_g(i)) == _group_of(key)]
        preds, refs = [PREDS[i] for i in rows], [REFS[i] for i in rows]
        assert block["metrics"]["bleu"]["score"] == sacrebleu.corpus_bleu(preds, [refs]).score
        assert (
            block["metrics"]["rouge1"]["fmeasure"]
            == LS._arrow.corpus_from_scores(
                LS._arrow.score_batch(
                    LS._arrow.pa.table({"prediction": preds, "reference": refs}),
                    metrics=["rouge1"],
                    include_stats=True,
                ),
                metrics=["rouge1"],
            )["metrics"]["rouge1"]["fmeasure"]
        )


def _no_job_runs(spark, fn):
    sc = spark.sparkContext
    group = f"lexmetrics-driver-check-{uuid.uuid4().hex}"
    sc.setJobGroup(group, "bad arguments")
    try:
        fn()
    finally:
        sc.setJobGroup("", "")
    return sc.statusTracker().getJobIdsForGroup(group) == []


BAD = [
    (dict(smooth_method="bogus"), "smooth_method"),
    (dict(max_ngram_order=0), "max_ngram_order"),
    (dict(tokenize="bogus"), "tokenize"),
    (dict(chrf_char_order=0), "char_order"),
    (dict(smooth_method="floor", smooth_value=float("nan")), "smooth_value"),
    (dict(smooth_method="floor", smooth_value=-1.0), "smooth_value"),
]


@pytest.mark.parametrize("opts,what", BAD, ids=[w + str(o) for o, w in BAD])
def test_bad_options_fail_on_the_driver_before_any_job(spark, frame, opts, what):
    assert not _no_job_runs(spark, lambda: frame.limit(1).collect())  # the check sees jobs
    for call in (
        lambda: LS.corpus_scores(frame, ["bleu", "chrf"], **opts),
        lambda: LS.with_scores(frame, ["bleu", "chrf"], **opts).collect(),
        lambda: LS.score_udf(["bleu", "chrf"], **opts),
    ):

        def expect(call=call):
            with pytest.raises(lexmetrics.InputValueError, match=what):
                call()

        assert _no_job_runs(spark, expect)


def test_group_by_array_or_struct_column_fails_on_the_driver(spark, frame):
    from pyspark.sql import functions as F

    for col in (F.array("prediction"), F.struct("id", "k"), F.create_map(F.col("k"), F.col("id"))):
        bad = frame.withColumn("key", col)

        def expect(bad=bad):
            with pytest.raises(
                lexmetrics.InputTypeError, match="group column 'key' must hold single values"
            ):
                LS.corpus_scores(bad, ["bleu"], by="key")

        assert _no_job_runs(spark, expect)


def test_score_udf_names_the_users_column(frame):
    from pyspark.sql import functions as F

    if not hasattr(F, "arrow_udf"):
        pytest.skip("score_udf needs pyspark>=4.1 (arrow_udf)")
    f = LS.score_udf(["bleu"])
    for arg in ("k", F.col("k")):
        with pytest.raises(Exception, match="column 'k' must be a string column") as info:
            frame.select(f(arg, "reference")).collect()
        assert "'pred'" not in str(info.value)


def _odd_frame(frame):
    from pyspark.sql import functions as F

    return (
        frame.withColumn("a.b", F.col("id") * 2)
        .withColumn("x`y", F.lit("tick"))
        .withColumn("iv", F.expr("INTERVAL '1' DAY") * F.col("k"))
    )


def test_with_scores_keeps_dotted_and_interval_columns(frame):
    odd = _odd_frame(frame)
    out = LS.with_scores(odd, ["bleu", "rougeL"])
    assert out.columns == odd.columns + [
        "rougeL_precision",
        "rougeL_recall",
        "rougeL_fmeasure",
        "bleu",
    ]
    rows = out.orderBy("id").collect()
    assert [r["a.b"] for r in rows] == [2 * i for i in range(len(ROWS))]
    assert [r["iv"].days for r in rows] == [i % 3 for i in range(len(ROWS))]
    assert [r["bleu"] for r in rows] == lexmetrics.sentence_bleu(PREDS, REFS).tolist()


def test_with_scores_without_arrow_udf_renames_dotted_columns(frame, monkeypatch):
    """Spark < 4.1 has no arrow_udf: the mapInArrow path carries every column under plain names."""
    from pyspark.sql import functions as F

    monkeypatch.delattr(F, "arrow_udf", raising=False)
    odd = frame.withColumn("a.b", F.col("id") * 2).withColumnRenamed("prediction", "pred.text")
    out = LS.with_scores(odd, ["bleu"], pred_col="pred.text")
    assert out.columns == odd.columns + ["bleu"]
    rows = out.orderBy("id").collect()
    assert [r["a.b"] for r in rows] == [2 * i for i in range(len(ROWS))]
    assert [r["bleu"] for r in rows] == lexmetrics.sentence_bleu(PREDS, REFS).tolist()
    # An error raised on the executors names the user's column, not the internal plain name.
    nulls = odd.withColumn(
        "pred.text", F.when(F.col("id") == 7, None).otherwise(F.col("`pred.text`"))
    )
    with pytest.raises(Exception, match="column 'pred.text' has a null") as info:
        LS.with_scores(nulls, ["bleu"], pred_col="pred.text").collect()
    assert "'_c1'" not in str(info.value)


def test_cli_and_spark_name_groups_alike(spark, frame, tmp_path):
    """The CLI's --by keys are the JSON form of the typed keys corpus_scores returns."""
    pq = pytest.importorskip("pyarrow.parquet")
    pa = pytest.importorskip("pyarrow")
    path = tmp_path / "d.parquet"
    pq.write_table(
        pa.table(
            {
                "prediction": PREDS,
                "reference": REFS,
                "g": pa.array([_g(i) for i in range(len(ROWS))], pa.float64()),
                "k": pa.array([i % 3 for i in range(len(ROWS))], pa.int64()),
            }
        ),
        path,
    )
    for by in ("g", "k"):
        p = subprocess.run(
            [
                sys.executable,
                "-m",
                "lexmetrics.cli",
                "score",
                "-i",
                str(path),
                "-m",
                "bleu",
                "--by",
                by,
            ],
            capture_output=True,
            timeout=300,
        )
        assert p.returncode == 0, p.stderr.decode()
        cli = json.loads(p.stdout)["groups"]
        sp = json.loads(json.dumps(LS.corpus_scores(frame, ["bleu"], by=by)["groups"]))
        assert sorted(cli) == sorted(sp)
        for key in cli:
            assert cli[key]["n"] == sp[key]["n"]
            assert cli[key]["metrics"]["bleu"]["score"] == sp[key]["metrics"]["bleu"]["score"]


def test_corpus_signatures_say_the_number_of_references(spark):
    from sacrebleu.metrics import BLEU

    rows = [(i, PREDS[i], ROWS[i]["refs"], ROWS[i]["refs"][: 1 + i % 2]) for i in range(200)]
    frame = spark.createDataFrame(
        rows, "id long, prediction string, two array<string>, some array<string>"
    )
    for col, want in (("two", "nrefs:2|"), ("some", "nrefs:var|")):
        res = LS.corpus_scores(frame.repartition(3), ["bleu", "chrf"], ref_col=col)
        refs = [r[3 if col == "some" else 2] for r in rows]
        streams = [[r[j] if j < len(r) else None for r in refs] for j in range(2)]
        bleu = BLEU()
        score = bleu.corpus_score([r[1] for r in rows], streams)
        assert res["metrics"]["bleu"]["score"] == score.score
        assert (
            res["metrics"]["bleu"]["signature"].split("|version:")[0]
            == bleu.get_signature().format().split("|version:")[0]
        )
        assert res["metrics"]["chrf"]["signature"].startswith(want)
