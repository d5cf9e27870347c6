"""Side-by-side speed: lexmetrics vs sacrebleu 2.6 TER on the same data, same run.

    python benches/bench_ter.py [--pairs 400] [--sacrebleu-max-len 200]

Part 1: MT-like pairs of 10-60 words (the reference edited by substitutions, deletions,
insertions and a block move now and then), corpus and sentence TER, one core (``workers=1``) and
all cores (one-core rows in process CPU time, the all-cores rows in wall time). Part 2: time per pair against segment length up to 1,000 tokens (sacrebleu is run up
to ``--sacrebleu-max-len``; it needs seconds to minutes per pair beyond). Every lexmetrics
number is checked ``==`` against sacrebleu's where sacrebleu ran ("same" column).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))

import lexmetrics as lm  # noqa: E402
from _common import best_time, require_release, table  # noqa: E402

WORDS = (
    "the of and to in is was for that on with as by it at from his an were are which this be or has "
    "had not but have its one new first after also who they two more been their year all other said "
    "city government president people time world company market percent million state"
).split()
PUNCT = [",", ".", "!", "?", ";", ":", "'s", "(", ")", '"', "-", "$", "%", "2019", "3.5", "1,000"]


def reference(rng: random.Random, n: int) -> list[str]:
    return [rng.choice(PUNCT) if rng.random() < 0.12 else rng.choice(WORDS) for _ in range(n)]


def hypothesis(rng: random.Random, ref: list[str]) -> list[str]:
    """An MT-like output: ~20% of the words edited, a phrase moved in a third of the pairs."""
    out = []
    for t in ref:
        r = rng.random()
        if r < 0.07:
            continue
        if r < 0.17:
            out.append(rng.choice(WORDS))
        elif r < 0.21:
            out += [t, rng.choice(WORDS)]
        else:
            out.append(t)
    if len(out) > 4 and rng.random() < 0.33:
        i = rng.randrange(len(out) - 3)
        block = out[i : i + rng.randint(1, 4)]
        del out[i : i + len(block)]
        k = rng.randint(0, len(out))
        out[k:k] = block
    return out


def corpus(n: int, lo: int, hi: int, seed: int):
    rng = random.Random(seed)
    refs = [reference(rng, rng.randint(lo, hi)) for _ in range(n)]
    hyps = [hypothesis(rng, r) for r in refs]
    return [" ".join(h) for h in hyps], [" ".join(r) for r in refs]


def cpu_time(fn, repeat: int = 3) -> tuple[float, object]:
    """Best process CPU time of ``repeat`` runs: for one-core runs on a shared machine, where wall
    time also counts the other processes' turns."""
    best, out = float("inf"), None
    for _ in range(repeat):
        t0 = time.process_time()
        out = fn()
        best = min(best, time.process_time() - t0)
    return best, out


def main() -> None:
    require_release()
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=400)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--sacrebleu-max-len", type=int, default=200)
    ap.add_argument("--lengths", default="10,25,50,100,200,400,700,1000")
    args = ap.parse_args()

    from sacrebleu.metrics import TER

    workers_all = lm._native.default_workers()
    hyps, refs = corpus(args.pairs, 10, 60, seed=0)
    n = len(hyps)
    metric = TER()

    def sb_corpus():
        return metric.corpus_score(hyps, [refs])

    def sb_sentence():
        return [metric.sentence_score(h, [r]).score for h, r in zip(hyps, refs)]

    tasks = [
        (
            "corpus TER",
            sb_corpus,
            lambda w: lm.corpus_ter(hyps, refs, workers=w),
            lambda got, ref: (
                (got.score, got.num_edits, got.ref_length)
                == (ref.score, ref.num_edits, ref.ref_length)
            ),
        ),
        (
            "sentence TER",
            sb_sentence,
            lambda w: lm.sentence_ter(hyps, refs, workers=w),
            lambda got, ref: got.tolist() == ref,
        ),
    ]
    rows: list[dict] = []
    for task, sb, ours, same in tasks:
        t_sb, ref = cpu_time(sb, repeat=1)
        rows.append(
            {
                "task": task,
                "impl": "sacrebleu 2.6",
                "workers": 1,
                "seconds": t_sb,
                "clock": "cpu",
                "pairs/s": n / t_sb,
                "x sacrebleu": 1.0,
                "same": "-",
            }
        )
        t1, got = cpu_time(lambda f=ours: f(1), repeat=args.repeat)
        rows.append(
            {
                "task": task,
                "impl": "lexmetrics",
                "workers": 1,
                "seconds": t1,
                "clock": "cpu",
                "pairs/s": n / t1,
                "x sacrebleu": t_sb / t1,
                "same": same(got, ref),
            }
        )
        if workers_all > 1:
            tw, got = best_time(lambda f=ours: f(workers_all), repeat=args.repeat)
            rows.append(
                {
                    "task": task,
                    "impl": "lexmetrics",
                    "workers": workers_all,
                    "seconds": tw,
                    "clock": "wall",
                    "pairs/s": n / tw,
                    "x sacrebleu": t_sb / tw,
                    "same": same(got, ref),
                }
            )
    print(f"## TER, {n} pairs of 10-60 words (1 reference), {workers_all} cores\n")
    print(
        table(
            rows, ["task", "impl", "workers", "clock", "seconds", "pairs/s", "x sacrebleu", "same"]
        )
    )

    # ---- time per pair against length (one core)
    rows = []
    for length in (int(x) for x in args.lengths.split(",")):
        k = max(4, min(64, 4000 // length))
        h, r = corpus(k, length, length, seed=length)
        t_lm, got = cpu_time(lambda h=h, r=r: lm.ter_stats(h, r, workers=1), repeat=args.repeat)
        row = {
            "tokens": length,
            "pairs": k,
            "lexmetrics ms/pair": 1e3 * t_lm / k,
            "lexmetrics us/token": 1e6 * t_lm / k / length,
        }
        if length <= args.sacrebleu_max_len:
            t_s, theirs = cpu_time(
                lambda h=h, r=r: TER()._extract_corpus_statistics(h, [r]), repeat=1
            )
            row["sacrebleu ms/pair"] = 1e3 * t_s / k
            row["x sacrebleu"] = t_s / t_lm
            row["same"] = [list(x) for x in got] == [list(map(float, x)) for x in theirs]
        rows.append(row)
    print("\n## Time per pair against segment length (one core, workers=1, CPU time)\n")
    print(
        table(
            rows,
            [
                "tokens",
                "pairs",
                "lexmetrics ms/pair",
                "lexmetrics us/token",
                "sacrebleu ms/pair",
                "x sacrebleu",
                "same",
            ],
        )
    )


if __name__ == "__main__":
    main()
