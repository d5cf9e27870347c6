"""sacrebleu's ``TokenizerRegexp``: the punctuation rules of 13a, without its HTML unescaping."""

from __future__ import annotations

import re
from functools import lru_cache

from .tokenizer_base import BaseTokenizer


class TokenizerRegexp(BaseTokenizer):
    def signature(self):
        return "re"

    def __init__(self):
        # The same rules, in the same order, as sacrebleu's tokenizer_re.py.
        self._re = [
            (re.compile(r"([\{-\~\[-\` -\&\(-\+\:-\@\/])"), r" \1 "),
            (re.compile(r"([^0-9])([\.,])"), r"\1 \2 "),
            (re.compile(r"([\.,])([^0-9])"), r" \1 \2"),
            (re.compile(r"([0-9])(-)"), r"\1 \2 "),
        ]

    @lru_cache(maxsize=2**16)  # noqa: B019
    def __call__(self, line):
        for _re, repl in self._re:
            line = _re.sub(repl, line)
        return " ".join(line.split())
