"""rougeLsum on one very long pair: many one-word sentences per side (issue 12).

rouge-score compares every reference sentence with every prediction sentence, so its cost (and
lexmetrics' before the token index) grows with the product of the sentence counts. lexmetrics
only compares sentences that share a token, so its cost follows the matching work. The words are
drawn from a vocabulary of ``--vocab`` words (Zipf-like), so frequent words still match often.

    python benches/bench_rougelsum_long.py [--sentences 100000] [--vocab 10000] [--check 3000]

The score is checked against rouge-score on a prefix of ``--check`` sentences (the full pair would
take rouge-score hours), and against lexmetrics' own result on the same prefix.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
from _common import require_release

require_release()

import lexmetrics as lm  # noqa: E402


def make_side(rng: np.random.Generator, n: int, vocab: int) -> str:
    ranks = np.minimum(rng.zipf(1.3, n), vocab) - 1
    return "\n".join(f"w{r}" for r in ranks)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sentences", type=int, default=100_000)
    ap.add_argument("--vocab", type=int, default=10_000)
    ap.add_argument("--check", type=int, default=3000)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    pred, ref = (
        make_side(rng, args.sentences, args.vocab),
        make_side(rng, args.sentences, args.vocab),
    )

    t0 = time.perf_counter()
    res = lm.rouge([pred], [ref], rouge_types=["rougeLsum"], workers=1)
    dt = time.perf_counter() - t0
    f = float(res["rougeLsum"].fmeasure[0])

    correct = "skipped"
    if args.check:
        from rouge_score import rouge_scorer

        p = "\n".join(pred.split("\n")[: args.check])
        r = "\n".join(ref.split("\n")[: args.check])
        t1 = time.perf_counter()
        want = rouge_scorer.RougeScorer(["rougeLsum"]).score(r, p)["rougeLsum"]
        t_rs = time.perf_counter() - t1
        got = lm.rouge([p], [r], rouge_types=["rougeLsum"], workers=1)["rougeLsum"]
        correct = (got.precision[0], got.recall[0], got.fmeasure[0]) == tuple(want)
        print(
            f"check on {args.check} sentences per side: equal to rouge-score: {correct} "
            f"(rouge-score {t_rs:.2f} s)"
        )
    print(
        f"{args.sentences} one-word sentences per side, vocabulary {args.vocab}: "
        f"{dt:.3f} s, rougeLsum F = {f:.6f}"
    )


if __name__ == "__main__":
    main()
