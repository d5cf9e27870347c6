"""sacrebleu's ``Tokenizer13a`` (mteval-v13a.pl tokenizer), run by lexmetrics' native tokenizer."""

from .tokenizer_base import _NativeTokenizer


class Tokenizer13a(_NativeTokenizer):
    _NAME = "13a"
