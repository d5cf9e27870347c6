"""sacrebleu's ``TokenizerJaMecab``: not supported (it needs MeCab and its dictionary)."""

from __future__ import annotations

from .tokenizer_base import BaseTokenizer, _not_supported


class TokenizerJaMecab(BaseTokenizer):
    def __init__(self):
        _not_supported("ja-mecab", "it needs MeCab and a MeCab dictionary")

    def signature(self):
        return "ja-mecab"
