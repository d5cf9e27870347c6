"""sacrebleu's ``TokenizerChar``: every character, space-joined (spaces included, as sacrebleu)."""

from __future__ import annotations

from functools import lru_cache

from .tokenizer_base import BaseTokenizer


class TokenizerChar(BaseTokenizer):
    def signature(self):
        return "char"

    def __init__(self):
        pass

    @lru_cache(maxsize=2**16)  # noqa: B019 - sacrebleu caches its tokenizers the same way
    def __call__(self, line):
        return " ".join(char for char in line)
