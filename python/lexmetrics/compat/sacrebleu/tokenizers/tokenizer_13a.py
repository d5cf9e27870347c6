"""sacrebleu's ``Tokenizer13a`` (mteval-v13a.pl tokenizer), run by lexmetrics' native tokenizer."""

from __future__ import annotations

from .tokenizer_base import BaseTokenizer, _NativeTokenizer  # noqa: F401
from .tokenizer_re import TokenizerRegexp  # noqa: F401


class Tokenizer13a(_NativeTokenizer):
    _NAME = "13a"
