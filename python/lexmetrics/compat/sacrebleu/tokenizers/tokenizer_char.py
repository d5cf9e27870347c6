"""sacrebleu's ``TokenizerChar`` (character tokenizer), run by lexmetrics' native tokenizer."""

from .tokenizer_base import _NativeTokenizer


class TokenizerChar(_NativeTokenizer):
    _NAME = "char"
