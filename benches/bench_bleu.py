"""Side-by-side speed: lexmetrics vs sacrebleu 2.6 vs bleuscore on the same data, same run.

    python benches/bench_bleu.py [--pairs 10000]

Columns: wall time (best of N), pairs/s, speed-up over sacrebleu and over bleuscore measured in
this run, and whether the scores are identical (``==`` with sacrebleu; bleuscore computes
HF-evaluate-style BLEU -- shortest reference length, no smoothing, 0-1 scale, precisions c/t not
100*c/t -- so it is compared on single-reference data where its definition coincides, within 1e-12).
"""

from __future__ import annotations

import argparse
import os
import random
import sys

sys.path.insert(0, os.path.dirname(__file__))

import lexmetrics as lm  # noqa: E402
from _common import best_time, require_release, table  # noqa: E402

WORDS = (
    "the of and to in is was for that on with as by it at from his an were are which this be or has "
    "had not but have its one new first after also who they two more been their year all other said "
    "city government president people time world company market percent million state"
).split()
PUNCT = [",", ".", "!", "?", ";", ":", "'s", "(", ")", '"', "-", "$", "%", "2019", "3.5", "1,000"]


def sentence(rng: random.Random) -> str:
    n = rng.randint(8, 40)
    toks = []
    for _ in range(n):
        r = rng.random()
        t = rng.choice(PUNCT) if r < 0.12 else rng.choice(WORDS)
        toks.append(t.capitalize() if rng.random() < 0.05 else t)
    return " ".join(toks).replace(" ,", ",").replace(" .", ".") + "."


def corpus(n: int, seed: int = 0):
    rng = random.Random(seed)
    refs = [sentence(rng) for _ in range(n)]
    hyps = []
    for r in refs:
        toks = r.split()
        out = [t if rng.random() > 0.25 else rng.choice(WORDS) for t in toks if rng.random() > 0.1]
        hyps.append(" ".join(out))
    return hyps, refs


def main() -> None:
    require_release()
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=10000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    import bleuscore
    import sacrebleu

    hyps, refs = corpus(args.pairs)
    streams = [refs]
    n = len(hyps)
    rows: list[dict] = []

    def add(task, impl, workers, secs, same, base):
        rows.append(
            {
                "task": task,
                "impl": impl,
                "workers": workers,
                "seconds": secs,
                "pairs/s": n / secs,
                "x sacrebleu": base["sacrebleu"] / secs if "sacrebleu" in base else "",
                "x bleuscore": base["bleuscore"] / secs if "bleuscore" in base else "",
                "same score": same,
            }
        )

    # ---- corpus BLEU
    base: dict[str, float] = {}
    t, ref = best_time(lambda: sacrebleu.corpus_bleu(hyps, streams), repeat=1)
    base["sacrebleu"] = t
    t_bs, bs = best_time(lambda: bleuscore.compute([[r] for r in refs], hyps), repeat=args.repeat)
    base["bleuscore"] = t_bs
    add("corpus BLEU", "sacrebleu 2.6", 1, t, "reference", {})
    nosmooth = lm.corpus_bleu(hyps, refs, smooth_method="none").score / 100
    add(
        "corpus BLEU",
        "bleuscore",
        "all",
        t_bs,
        f"{abs(bs['bleu'] - nosmooth) < 1e-12} (vs none-smoothed /100)",
        {"sacrebleu": base["sacrebleu"]},
    )
    for w in (1, 2):
        t, got = best_time(lambda w=w: lm.corpus_bleu(hyps, refs, workers=w), repeat=args.repeat)
        add("corpus BLEU", "lexmetrics", w, t, got.score == ref.score, base)

    # ---- sentence BLEU
    base = {}
    t, ref_s = best_time(
        lambda: [sacrebleu.sentence_bleu(h, [r]).score for h, r in zip(hyps, refs)], repeat=1
    )
    base["sacrebleu"] = t
    add("sentence BLEU", "sacrebleu 2.6", 1, t, "reference", {})
    for w in (1, 2):
        t, got = best_time(lambda w=w: lm.sentence_bleu(hyps, refs, workers=w), repeat=args.repeat)
        add("sentence BLEU", "lexmetrics", w, t, got.tolist() == ref_s, base)

    # ---- corpus chrF / chrF++
    for wo, name in ((0, "corpus chrF"), (2, "corpus chrF++")):
        base = {}
        t, ref_c = best_time(
            lambda wo=wo: sacrebleu.corpus_chrf(hyps, streams, word_order=wo), repeat=1
        )
        base["sacrebleu"] = t
        add(name, "sacrebleu 2.6", 1, t, "reference", {})
        for w in (1, 2):
            t, got = best_time(
                lambda w=w, wo=wo: lm.corpus_chrf(hyps, refs, word_order=wo, workers=w),
                repeat=args.repeat,
            )
            add(name, "lexmetrics", w, t, got.score == ref_c.score, base)

    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"{n} pairs, 1 reference each, {os.cpu_count()} cores (load average {load}); "
        f"lexmetrics {lm.__version__}, sacrebleu {sacrebleu.__version__}, bleuscore {bleuscore.__version__}\n"
    )
    print(
        table(
            rows,
            [
                "task",
                "impl",
                "workers",
                "seconds",
                "pairs/s",
                "x sacrebleu",
                "x bleuscore",
                "same score",
            ],
        )
    )


if __name__ == "__main__":
    main()
