"""sacrebleu's SentencePiece tokenizers: not supported (they download a model from the network)."""

from __future__ import annotations

from ..utils import SACREBLEU_DIR  # noqa: F401
from .tokenizer_base import BaseTokenizer, _not_supported

SPM_MODELS = {
    "spm": {"signature": "flores101"},
    "flores101": {"signature": "flores101"},
    "flores200": {"signature": "flores200"},
    "spBLEU-1K": {"signature": "spBLEU-1K"},
}


class TokenizerSPM(BaseTokenizer):
    def __init__(self, key="spm"):
        self.name = SPM_MODELS[key]["signature"]
        _not_supported(key, "it needs sentencepiece and a model downloaded from the network")

    def signature(self):
        return self.name


class Flores200Tokenizer(TokenizerSPM):
    def __init__(self):
        super().__init__("flores200")


class Flores101Tokenizer(TokenizerSPM):
    def __init__(self):
        super().__init__("flores101")


class spBLEU1KTokenizer(TokenizerSPM):  # noqa: N801 - sacrebleu's name
    def __init__(self):
        super().__init__("spBLEU-1K")
