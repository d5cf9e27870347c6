"""sacrebleu's ``TokenizerV14International`` (mteval-v14 international tokenizer), run by lexmetrics' native tokenizer."""

from .tokenizer_base import _NativeTokenizer


class TokenizerV14International(_NativeTokenizer):
    _NAME = "intl"
