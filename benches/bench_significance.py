"""Intervals and paired tests at scale: the issue's batch command and AR against sacrebleu.

1. ``lexmetrics score -i sysB -i sysA -r ref -m bleu,chrf,rougeL -ci --paired-bs --paired-ar`` on
   200k line-aligned pairs (1,000 bootstrap resamples, 10,000 AR trials, ``--workers 2``): wall time
   and the CLI process's peak RSS, next to the same command without statistics.
2. Approximate randomization (10,000 trials, BLEU and chrF) on 20k pairs: lexmetrics' test (its
   statistics + ``approximate_randomization``) against sacrebleu's ``PairedTest(test_type="ar")`` in
   this process; ``correct``: the same system scores and p-values within sampling error.

Release builds only; speed is reported, never asserted. Targets (issue 17): (1) under 60 s and
300 MB on 2 cores, (2) at least 50x sacrebleu.

    python benches/bench_significance.py [--pairs 200000] [--ar-pairs 20000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(__file__))

from _common import require_release, table  # noqa: E402

WORDS = (
    "the a of to and in is was for on that with as by at from it an be this are were which has "
    "said year new people government city police report company market two three percent"
).split()

# The CLI runs under a small Python process that reports its child's peak RSS (ru_maxrss of
# RUSAGE_CHILDREN), so this process's own memory does not count.
_PEAK = (
    "import resource, subprocess, sys\n"
    "r = subprocess.run(sys.argv[1:])\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(r.returncode)\n"
)


def make_systems(n: int, seed: int = 0) -> tuple[list[str], list[str], list[str]]:
    rng = random.Random(seed)
    a, b, refs = [], [], []
    for _ in range(n):
        ref = [rng.choice(WORDS) for _ in range(rng.randint(10, 40))]
        refs.append(" ".join(ref))
        a.append(" ".join(w if rng.random() < 0.75 else rng.choice(WORDS) for w in ref))
        b.append(" ".join(w if rng.random() < 0.73 else rng.choice(WORDS) for w in ref))
    return a, b, refs


def run_cli(args: list[str]) -> tuple[float, float, dict]:
    t0 = time.perf_counter()
    p = subprocess.run(
        [sys.executable, "-c", _PEAK, sys.executable, "-m", "lexmetrics.cli", "score", *args],
        capture_output=True,
        text=True,
    )
    el = time.perf_counter() - t0
    if p.returncode != 0:
        raise SystemExit(f"lexmetrics score failed (exit {p.returncode}): {p.stderr[-2000:]}")
    return el, int(p.stderr.strip().splitlines()[-1]) / 1024, json.loads(p.stdout)


def bench_command(n: int, d: str) -> list[dict]:
    a, b, refs = make_systems(n)
    paths = {}
    for name, lines in (("sysA", a), ("sysB", b), ("ref", refs)):
        paths[name] = os.path.join(d, f"{name}.txt")
        with open(paths[name], "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
    base = [
        "-i",
        paths["sysB"],
        "-i",
        paths["sysA"],
        "-r",
        paths["ref"],
        "-m",
        "bleu,chrf,rougeL",
        "--workers",
        "2",
        "-q",
    ]
    rows = []
    el0, rss0, _ = run_cli(base)
    rows.append(
        {
            "what": f"score only ({n:,} pairs x 2 systems)",
            "seconds": el0,
            "peak RSS MB": round(rss0),
        }
    )
    el, rss, rep = run_cli(base + ["-ci", "--paired-bs", "--paired-ar"])
    sig = rep["systems"][1]["significance"]
    ok = all(
        0 < sig[m][t]["p_value"] <= 1
        for m in ("bleu", "chrf", "rougeL")
        for t in ("paired_bs", "paired_ar")
    )
    rows.append(
        {
            "what": "-ci --paired-bs --paired-ar (1,000 / 10,000)",
            "seconds": el,
            "peak RSS MB": round(rss),
            "target": "< 60 s, < 300 MB",
            "correct": ok,
        }
    )
    return rows


def bench_ar(n: int, trials: int) -> list[dict]:
    import numpy as np
    import sacrebleu
    from lexmetrics._metric_specs import build_specs
    from lexmetrics._significance import approximate_randomization
    from sacrebleu.significance import PairedTest

    a, b, refs = make_systems(n, seed=1)
    t0 = time.perf_counter()
    ours = {}
    for spec in build_specs(["bleu", "chrf"]):
        bl = spec.stats(a, refs, None)
        sy = spec.stats(b, refs, None)
        ours.update(approximate_randomization(spec, bl, sy, n_samples=trials))
    t_ours = time.perf_counter() - t0

    t0 = time.perf_counter()
    metrics = {"BLEU": sacrebleu.BLEU(), "chrF2": sacrebleu.CHRF()}
    _, scores = PairedTest(
        [("a", a), ("b", b)], metrics, [refs], test_type="ar", n_samples=trials
    )()
    t_theirs = time.perf_counter() - t0
    correct = True
    for m, theirs in (("bleu", scores["BLEU"][1]), ("chrf", scores["chrF2"][1])):
        p, q = ours[m]["p_value"], theirs.p_value
        se = np.sqrt(2 * q * (1 - q) / trials) + 1e-3
        correct &= abs(p - q) < 5 * se and ours[m]["system"] == theirs.score
    return [
        {
            "what": f"paired AR, {trials:,} trials, bleu+chrf, {n:,} pairs",
            "lexmetrics s": t_ours,
            "sacrebleu s": t_theirs,
            "ratio": t_theirs / t_ours,
            "target": ">= 50x",
            "correct": bool(correct),
        }
    ]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=200_000)
    ap.add_argument("--ar-pairs", type=int, default=20_000)
    ap.add_argument("--ar-trials", type=int, default=10_000)
    ap.add_argument("--skip-command", action="store_true")
    ap.add_argument("--skip-ar", action="store_true")
    args = ap.parse_args()
    require_release()
    if not args.skip_command:
        with tempfile.TemporaryDirectory() as d:
            rows = bench_command(args.pairs, d)
        print(table(rows, ["what", "seconds", "peak RSS MB", "target", "correct"]))
    if not args.skip_ar:
        print(
            table(
                bench_ar(args.ar_pairs, args.ar_trials),
                ["what", "lexmetrics s", "sacrebleu s", "ratio", "target", "correct"],
            )
        )


if __name__ == "__main__":
    main()
