"""sacrebleu ``tokenizers``: the tokenizer classes, backed by lexmetrics' native tokenizers."""

from .tokenizer_base import BaseTokenizer  # noqa: F401
