"""Pairwise matrices (MBR, diversity): one source's N sampled candidates scored against each other.

    python benches/bench_pairwise.py [--n 256] [--repeat 3]

Each row fills the same N x N matrix (N^2 pairs; N = 256 is 65,536 pairs over 256 texts) of
sentence chrF (sacrebleu defaults: 6 char orders, beta 2), sentence BLEU (sacrebleu
``sentence_bleu`` defaults) or sentence TER (sacrebleu ``sentence_ter`` defaults) and reports wall time (best of ``--repeat``; the sacrebleu loop runs
once), pairs/s, the speed-up over the sacrebleu loop and over lexmetrics' own sentence API given
the N^2 pairs as a batch (each pair tokenized anew), and how many cells equal sacrebleu's (``==``).

Peers: the pair-by-pair loop with sacrebleu 2.x (what ``mbrs``' BLEU/chrF metrics run per pair)
and ``fastchrf.pairwise_chrf`` (the Rust chrF matrix used by ``mbrs`` and ZurichNLP ``mbr``;
``pip install fastchrf``). The MBR packages themselves are not run: ``mbrs`` imports COMET,
BERTScore and BLEURT at import time and its install downgrades numpy/transformers; ``mbr`` needs
``evaluate`` metric scripts from the Hub.
"""

from __future__ import annotations

import argparse
import os
import random
import sys

sys.path.insert(0, os.path.dirname(__file__))

import lexmetrics as lm  # noqa: E402
import numpy as np  # noqa: E402
from _common import best_time, require_release, table  # noqa: E402

WORDS = (
    "the of and to in is was for that on with as by it at from his an were are which this be or has "
    "had not but have its one new first after also who they two more been their year all other said "
    "city government president people time world company market percent million state"
).split()
PUNCT = [",", ".", "!", "?", ";", ":", "'s", "(", ")", '"', "-", "$", "%", "2019", "3.5", "1,000"]


def samples(n: int, seed: int = 0) -> list[str]:
    """N sampled 'translations' of one source: a base sentence with random edits each."""
    rng = random.Random(seed)
    base = [
        rng.choice(PUNCT) if rng.random() < 0.12 else rng.choice(WORDS)
        for _ in range(rng.randint(20, 30))
    ]
    out = []
    for _ in range(n):
        toks = [t if rng.random() > 0.2 else rng.choice(WORDS) for t in base if rng.random() > 0.1]
        toks += [rng.choice(WORDS) for _ in range(rng.randint(0, 6))]
        out.append(" ".join(toks) + ".")
    return out


def main() -> None:
    require_release()
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=256)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--metrics", default="chrf,bleu,ter")
    args = ap.parse_args()

    from sacrebleu.metrics import BLEU, CHRF, TER

    try:
        import fastchrf
    except ImportError:
        fastchrf = None

    c = samples(args.n)
    n2 = len(c) ** 2
    flat_h = [h for h in c for _ in c]
    flat_r = [r for _ in c for r in c]
    cores = lm._native.default_workers()
    rows = []
    for metric in args.metrics.split(","):
        scorer = {"chrf": CHRF, "bleu": lambda: BLEU(effective_order=True), "ter": TER}[metric]()
        t_sacre, want = best_time(
            lambda s=scorer: np.array([[s.sentence_score(h, [r]).score for r in c] for h in c]),
            repeat=1,
        )
        own = {"chrf": lm.sentence_chrf, "bleu": lm.sentence_bleu, "ter": lm.sentence_ter}[metric]
        t_own, own_m = best_time(
            lambda f=own: f(flat_h, flat_r).reshape(len(c), len(c)), args.repeat
        )
        assert (own_m == want).all()
        rows.append(
            {
                "metric": metric,
                "method": "sacrebleu loop (1 core)",
                "s": t_sacre,
                "pairs/s": n2 / t_sacre,
                "== sacrebleu": f"{n2}/{n2}",
            }
        )
        rows.append(
            {
                "metric": metric,
                "method": f"lexmetrics sentence API, N^2 pairs batch ({cores} cores)",
                "s": t_own,
                "pairs/s": n2 / t_own,
                "vs sacrebleu": t_sacre / t_own,
                "== sacrebleu": f"{int((own_m == want).sum())}/{n2}",
            }
        )
        if metric == "chrf" and fastchrf is not None:
            t_fc, fc = best_time(lambda: np.array(fastchrf.pairwise_chrf([c], [c])[0]), args.repeat)
            rows.append(
                {
                    "metric": metric,
                    "method": "fastchrf.pairwise_chrf",
                    "s": t_fc,
                    "pairs/s": n2 / t_fc,
                    "vs sacrebleu": t_sacre / t_fc,
                    "vs own sentence API": t_own / t_fc,
                    "== sacrebleu": f"{int((fc == want).sum())}/{n2} (max |diff| {np.abs(fc - want).max():.1e})",
                }
            )
        for workers in sorted({1, cores}):
            t_pw, m = best_time(
                lambda w=workers, m=metric: lm.pairwise(c, metric=m, workers=w), args.repeat
            )
            rows.append(
                {
                    "metric": metric,
                    "method": f"lexmetrics.pairwise ({workers} core{'s' * (workers > 1)})",
                    "s": t_pw,
                    "pairs/s": n2 / t_pw,
                    "vs sacrebleu": t_sacre / t_pw,
                    "vs own sentence API": t_own / t_pw,
                    "== sacrebleu": f"{int((m == want).sum())}/{n2}",
                }
            )
            if metric == "chrf" and fastchrf is not None:
                rows[-1]["vs fastchrf"] = t_fc / t_pw
    print(
        f"N = {len(c)} candidates ({n2} pairs), avg {np.mean([len(x.split()) for x in c]):.1f} tokens, "
        f"lexmetrics {lm.__version__} ({lm._native.BUILD_PROFILE})"
    )
    print(
        table(
            rows,
            [
                "metric",
                "method",
                "s",
                "pairs/s",
                "vs sacrebleu",
                "vs own sentence API",
                "vs fastchrf",
                "== sacrebleu",
            ],
        )
    )


if __name__ == "__main__":
    main()
