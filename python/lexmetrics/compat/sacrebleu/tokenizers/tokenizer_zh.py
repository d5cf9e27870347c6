"""sacrebleu's ``TokenizerZh`` (Chinese tokenizer), run by lexmetrics' native tokenizer."""

from .tokenizer_base import _NativeTokenizer


class TokenizerZh(_NativeTokenizer):
    _NAME = "zh"
