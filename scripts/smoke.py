"""Smoke test of an installed lexmetrics wheel: import, then per-pair parity with the reference packages.

Run in a clean virtual environment holding only the wheel, numpy, sacrebleu and rouge-score (what
scripts/build-wheels.sh and .github/workflows/release.yml do), from a directory outside the source
tree so the installed package is imported. Exits non-zero on the first difference.

    python scripts/smoke.py [--pairs 300] [--seed 0]
"""

from __future__ import annotations

import argparse
import platform
import random
import sys

WORDS = (
    "the a cat dog sat on mat ran runs running quickly über naïve café résumé 東京 中文字 "
    "日本語 한국어 Привет мир ع ربي 3.14 1,000 $5 U.S. e-mail don't it's (x) [y] {z} "
    "\"quote\" 'tick' -- ... ! ? ; : / \\ @ # % & * + = < > ~ ` | é ß Σσς İ ﬁ № ½ € £ ¥ 😀 ❤️ "
    "summarization translation metric evaluate model token sentence Running CATS Dogs"
).split()


def make_pairs(n: int, seed: int) -> tuple[list[str], list[list[str]]]:
    rng = random.Random(seed)

    def sentence(lo: int, hi: int) -> str:
        words = [rng.choice(WORDS) for _ in range(rng.randint(lo, hi))]
        # Some multi-sentence texts (rougeLsum splits on newlines) and stray spacing.
        return "".join(w + rng.choice([" ", " ", " ", "  ", "\n", "\t"]) for w in words).strip(" ")

    hyps, refs = [], []
    for i in range(n):
        long = i % 10 == 0  # some pairs longer than 64 tokens (multi-word bit-parallel LCS)
        hyps.append("" if i % 97 == 5 else sentence(70, 120) if long else sentence(1, 30))
        refs.append(
            [sentence(70, 120) if long else sentence(1, 30) for _ in range(rng.randint(1, 2))]
        )
    return hyps, refs


def check(name: str, ok: bool, detail: str = "") -> None:
    if not ok:
        sys.exit(f"smoke: FAIL {name} {detail}")
    print(f"smoke: ok   {name}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    import lexmetrics as lm
    import sacrebleu
    from rouge_score import rouge_scorer
    from sacrebleu.metrics import BLEU, CHRF

    print(
        f"smoke: lexmetrics {lm.__version__} from {lm.__file__}; Python {platform.python_version()}"
        f" {platform.machine()}; sacrebleu {sacrebleu.__version__}"
    )
    hyps, refs = make_pairs(args.pairs, args.seed)
    n_streams = max(len(r) for r in refs)

    for stem in (False, True):
        types = ["rouge1", "rouge2", "rougeL", "rougeLsum"]
        ours = lm.rouge(hyps, refs, rouge_types=types, use_stemmer=stem)
        scorer = rouge_scorer.RougeScorer(types, use_stemmer=stem)
        bad = []
        for i, (h, r) in enumerate(zip(hyps, refs)):
            theirs = scorer.score_multi(r, h) if len(r) > 1 else scorer.score(r[0], h)
            for t in types:
                got = (ours[t].precision[i], ours[t].recall[i], ours[t].fmeasure[i])
                if got != tuple(theirs[t]):
                    bad.append((i, t, got, tuple(theirs[t])))
        check(f"rouge use_stemmer={stem} ({len(hyps)} pairs, {types})", not bad, str(bad[:3]))

    # sacrebleu wants reference streams; pad pairs with fewer references with None (skipped).
    streams = [[r[k] if k < len(r) else None for r in refs] for k in range(n_streams)]
    for tok in ("13a", "intl", "zh", "char", "none"):
        corpus = lm.corpus_bleu(hyps, refs, tokenize=tok)
        theirs = BLEU(tokenize=tok).corpus_score(hyps, streams)
        check(f"corpus_bleu tokenize={tok}", corpus.score == theirs.score, f"{corpus} != {theirs}")
        sent = lm.sentence_bleu(hyps, refs, tokenize=tok)
        metric = BLEU(tokenize=tok, effective_order=True)
        bad = [
            i
            for i, (h, r) in enumerate(zip(hyps, refs))
            if sent[i] != metric.sentence_score(h, r).score
        ]
        check(f"sentence_bleu tokenize={tok}", not bad, f"pairs {bad[:5]}")

    for word_order in (0, 2):
        corpus = lm.corpus_chrf(hyps, refs, word_order=word_order)
        theirs = CHRF(word_order=word_order).corpus_score(hyps, streams)
        check(
            f"corpus_chrf word_order={word_order}",
            corpus.score == theirs.score,
            f"{corpus} != {theirs}",
        )
        sent = lm.sentence_chrf(hyps, refs, word_order=word_order)
        metric = CHRF(word_order=word_order)
        bad = [
            i
            for i, (h, r) in enumerate(zip(hyps, refs))
            if sent[i] != metric.sentence_score(h, r).score
        ]
        check(f"sentence_chrf word_order={word_order}", not bad, f"pairs {bad[:5]}")
    print("smoke: all checks passed")


if __name__ == "__main__":
    main()
