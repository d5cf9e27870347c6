"""sacrebleu ``tokenizers``: the tokenizer classes, backed by lexmetrics' native tokenizers."""

from __future__ import annotations

from .tokenizer_base import BaseTokenizer  # noqa: F401
