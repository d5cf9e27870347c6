"""Porter stemming speed: nltk's PorterStemmer vs lexmetrics (same words, same run, outputs compared).

Run: python benches/bench_porter.py   (needs a release build and /usr/share/dict/american-english)
"""

from __future__ import annotations

import random

from _common import best_time, require_release, table
from lexmetrics._native import porter_stem
from nltk.stem.porter import PorterStemmer

DICT = "/usr/share/dict/american-english"


def main() -> None:
    require_release()
    with open(DICT, encoding="utf-8") as f:
        vocab = sorted({w.strip().lower() for w in f if w.strip()})
    rng = random.Random(0)
    # A token stream with a Zipf-like repetition profile, as in ROUGE over a corpus.
    weights = [1.0 / (r + 1) for r in range(len(vocab))]
    stream = rng.choices(vocab, weights=weights, k=200_000)
    nltk = PorterStemmer()

    def nltk_cached(words: list[str]) -> list[str]:
        cache: dict[str, str] = {}
        out = []
        for w in words:
            s = cache.get(w)
            if s is None:
                s = cache[w] = nltk.stem(w)
            out.append(s)
        return out

    rows = []
    for name, words in [("distinct dictionary words", vocab), ("Zipf token stream", stream)]:
        t_nltk, ref = best_time(lambda w=words: [nltk.stem(x) for x in w], repeat=1)
        t_nltk_c, ref_c = best_time(lambda w=words: nltk_cached(w), repeat=1)
        t_ours, ours = best_time(lambda w=words: porter_stem(w), repeat=3)
        same = ref == ours == ref_c
        rows.append(
            {
                "input": name,
                "words": len(words),
                "nltk words/s": len(words) / t_nltk,
                "nltk+dict cache words/s": len(words) / t_nltk_c,
                "lexmetrics words/s": len(words) / t_ours,
                "speedup vs nltk": t_nltk / t_ours,
                "identical": same,
            }
        )
    print(table(rows, list(rows[0])))


if __name__ == "__main__":
    main()
