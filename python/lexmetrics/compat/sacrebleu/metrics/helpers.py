"""sacrebleu ``metrics.helpers``: the n-gram extraction helpers, with sacrebleu's return types.

lexmetrics counts n-grams natively inside its metrics; these helpers are the public Python ones
users call directly, returning the same ``Counter`` objects as sacrebleu's.
"""

from __future__ import annotations

from collections import Counter


def extract_all_word_ngrams(line: str, min_order: int, max_order: int) -> tuple[Counter, int]:
    """All word n-grams of orders ``min_order..max_order`` (tuples) and the token count."""
    ngrams = []
    tokens = line.split()
    for n in range(min_order, max_order + 1):
        for i in range(0, len(tokens) - n + 1):
            ngrams.append(tuple(tokens[i : i + n]))
    return Counter(ngrams), len(tokens)


def extract_word_ngrams(tokens: list[str], n: int) -> Counter:
    """Word n-grams of order ``n`` (space-joined strings)."""
    return Counter([" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1)])


def extract_char_ngrams(line: str, n: int, include_whitespace: bool = False) -> Counter:
    """Character n-grams of order ``n``; whitespace is removed first unless ``include_whitespace``."""
    if not include_whitespace:
        line = "".join(line.split())
    return Counter([line[i : i + n] for i in range(len(line) - n + 1)])


def extract_all_char_ngrams(
    line: str, max_order: int, include_whitespace: bool = False
) -> list[Counter]:
    """Character n-grams of every order ``1..max_order``, one ``Counter`` per order."""
    counters = []
    if not include_whitespace:
        line = "".join(line.split())
    for n in range(1, max_order + 1):
        counters.append(Counter([line[i : i + n] for i in range(len(line) - n + 1)]))
    return counters
