"""Spark local mode: lexmetrics.spark vs a plain Python UDF calling rouge-score and sacrebleu.

    python benches/bench_spark.py [--rows 1000000] [--peer-rows 20000] [--master local[2]]

Jobs (metrics rouge1, rougeL, bleu, chrf):
* ours, per row: ``with_scores`` written to Spark's ``noop`` sink (scores every row, stores nothing);
* ours, corpus: ``corpus_scores`` (exact corpus BLEU/chrF and mean ROUGE, one job);
* peer, per row: a row-at-a-time ``@udf`` returning the four scores from ``rouge_score`` and
  ``sacrebleu.sentence_*`` (scorer objects built once per Python worker), also to ``noop``;
* peer, corpus: collect the strings to the driver, ``sacrebleu.corpus_bleu/corpus_chrf`` and the
  mean of ``rouge_score`` F (the usual way without mergeable statistics).
The peer is run on the first ``--peer-rows`` rows only and its rows/s is extrapolated (it is
~100x slower); ours also runs on that sample, and both must give identical scores there.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from fractions import Fraction
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from _common import require_release, table  # noqa: E402

WORDS = (
    "the a cat dog sat on mat quickly running runs ran house houses model models translate "
    "translation of to in is was were be been 2024 3.5 100 x-ray e-mail U.S. don't it's "
    "naive cafe zurich , . ! ? ( ) news market city water people time year government"
).split()


def make_parquet(path: Path, n: int, seed: int = 1) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = random.Random(seed)
    preds, refs, langs = [], [], []
    for i in range(n):
        toks = rng.choices(WORDS, k=rng.randint(8, 40))
        hyp = [t if rng.random() < 0.7 else rng.choice(WORDS) for t in toks]
        refs.append(" ".join(toks))
        preds.append(" ".join(hyp[: len(hyp) - rng.randint(0, 3)]))
        langs.append(("en", "de", "fr", "zh")[i % 4])
    t = pa.table(
        {
            "id": pa.array(range(n), pa.int64()),
            "prediction": preds,
            "reference": refs,
            "lang": langs,
        }
    )
    pq.write_table(t, path, row_group_size=50_000)


def timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return time.perf_counter() - t0, out


def peer_udf():
    from pyspark.sql.functions import udf

    state: dict = {}

    @udf("struct<rouge1:double, rougeL:double, bleu:double, chrf:double>")
    def score(pred, ref):
        if not state:
            import sacrebleu
            from rouge_score import rouge_scorer

            state["rs"] = rouge_scorer.RougeScorer(["rouge1", "rougeL"])
            state["bleu"] = sacrebleu.metrics.BLEU(effective_order=True)
            state["chrf"] = sacrebleu.metrics.CHRF()
        s = state["rs"].score(ref, pred)
        return (
            s["rouge1"].fmeasure,
            s["rougeL"].fmeasure,
            state["bleu"].sentence_score(pred, [ref]).score,
            state["chrf"].sentence_score(pred, [ref]).score,
        )

    return score


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--peer-rows", type=int, default=20_000)
    ap.add_argument("--master", default="local[2]")
    ap.add_argument("--partitions", type=int, default=8)
    args = ap.parse_args()
    require_release()
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ["PYSPARK_DRIVER_PYTHON"] = sys.executable

    import sacrebleu
    from lexmetrics import spark as LS
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F
    from rouge_score import rouge_scorer

    metrics = ["rouge1", "rougeL", "bleu", "chrf"]
    tmp = Path(tempfile.mkdtemp(prefix="lexm-bench-spark-"))
    big, small = tmp / "big.parquet", tmp / "small.parquet"
    t_gen, _ = timed(lambda: make_parquet(big, args.rows))
    make_parquet(small, args.peer_rows)  # same seed: the first peer_rows rows of big
    print(f"generated {args.rows:,} rows in {t_gen:.1f}s under {tmp}", file=sys.stderr)

    spark = (
        SparkSession.builder.master(args.master)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    df = spark.read.parquet(str(big)).repartition(args.partitions).cache()
    df.count()
    sample = spark.read.parquet(str(small)).repartition(max(2, args.partitions // 4)).cache()
    sample.count()
    LS.corpus_scores(sample.limit(100), metrics)  # warm up the Python workers

    rows = []

    def noop(frame):
        frame.write.format("noop").mode("overwrite").save()

    t, _ = timed(lambda: noop(LS.with_scores(df, metrics)))
    rows.append(
        {
            "job": "lexmetrics with_scores (per row)",
            "rows": args.rows,
            "s": t,
            "rows/s": args.rows / t,
        }
    )
    t, ours_corpus = timed(lambda: LS.corpus_scores(df, metrics, by="lang"))
    rows.append(
        {
            "job": "lexmetrics corpus_scores (by lang)",
            "rows": args.rows,
            "s": t,
            "rows/s": args.rows / t,
        }
    )

    score = peer_udf()
    peer_frame = sample.select("id", score("prediction", "reference").alias("s")).select(
        "id", "s.*"
    )
    t, _ = timed(lambda: noop(peer_frame))
    rows.append(
        {
            "job": "Python UDF rouge-score+sacrebleu (per row)",
            "rows": args.peer_rows,
            "s": t,
            "rows/s": args.peer_rows / t,
        }
    )

    def peer_corpus():
        got = sample.select("prediction", "reference").collect()
        p = [r[0] for r in got]
        q = [r[1] for r in got]
        sc = rouge_scorer.RougeScorer(["rouge1", "rougeL"])
        f = [sc.score(b, a) for a, b in zip(p, q, strict=True)]
        return {
            "bleu": sacrebleu.corpus_bleu(p, [q]).score,
            "chrf": sacrebleu.corpus_chrf(p, [q]).score,
            "rouge1": float(sum(Fraction(x["rouge1"].fmeasure) for x in f) / len(f)),
            "rougeL": float(sum(Fraction(x["rougeL"].fmeasure) for x in f) / len(f)),
        }

    t, peer_res = timed(peer_corpus)
    rows.append(
        {
            "job": "collect + sacrebleu/rouge-score corpus (driver)",
            "rows": args.peer_rows,
            "s": t,
            "rows/s": args.peer_rows / t,
        }
    )

    # Correctness on the sample: per-row and corpus scores identical.
    ours_rows = (
        LS.with_scores(sample, metrics)
        .select(
            "id",
            F.col("rouge1_fmeasure").alias("rouge1"),
            F.col("rougeL_fmeasure").alias("rougeL"),
            "bleu",
            "chrf",
        )
        .orderBy("id")
        .collect()
    )
    peer_rows = peer_frame.orderBy("id").collect()
    same_rows = [tuple(r) for r in ours_rows] == [tuple(r) for r in peer_rows]
    oc = LS.corpus_scores(sample, metrics)["metrics"]
    same_corpus = (
        oc["bleu"]["score"] == peer_res["bleu"]
        and oc["chrf"]["score"] == peer_res["chrf"]
        and oc["rouge1"]["fmeasure"] == peer_res["rouge1"]
        and oc["rougeL"]["fmeasure"] == peer_res["rougeL"]
    )
    for r in rows:
        r["identical"] = same_rows if "per row" in r["job"] else same_corpus
    ours = rows[0]["rows/s"]
    for r in rows:
        r["vs peer UDF"] = f"{r['rows/s'] / rows[2]['rows/s']:.1f}x"
    print(
        f"\nSpark {spark.version}, {args.master}, {os.cpu_count()} CPUs; peer rows/s measured on "
        f"{args.peer_rows:,} rows and extrapolated; identical = same scores (==) on that sample.\n"
    )
    print(table(rows, ["job", "rows", "s", "rows/s", "vs peer UDF", "identical"]))
    print(
        f"\ncorpus (1M, all langs): BLEU {ours_corpus['metrics']['bleu']['score']:.4f}, "
        f"chrF {ours_corpus['metrics']['chrf']['score']:.4f}; per-row job {ours:,.0f} rows/s"
    )
    spark.stop()


if __name__ == "__main__":
    main()
