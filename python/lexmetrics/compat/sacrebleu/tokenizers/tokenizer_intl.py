"""sacrebleu's ``TokenizerV14International`` (mteval-v14 international tokenizer), run by lexmetrics' native tokenizer."""

from __future__ import annotations

from .tokenizer_base import BaseTokenizer, _NativeTokenizer  # noqa: F401


class TokenizerV14International(_NativeTokenizer):
    _NAME = "intl"
