"""sacrebleu's ``TokenizerZh`` (Chinese tokenizer), run by lexmetrics' native tokenizer."""

from __future__ import annotations

from .tokenizer_base import BaseTokenizer, _NativeTokenizer  # noqa: F401
from .tokenizer_re import TokenizerRegexp  # noqa: F401


class TokenizerZh(_NativeTokenizer):
    _NAME = "zh"
