"""sacrebleu's ``TercomTokenizer``, run by lexmetrics' native TER tokenizer."""

from __future__ import annotations

from functools import lru_cache

from .... import _native
from ...._bleu import _check_bool
from ...._errors import InputTypeError
from .tokenizer_base import BaseTokenizer


class TercomTokenizer(BaseTokenizer):
    """Re-implementation of Tercom Tokenizer in Python 3 (sacrebleu's options and outputs)."""

    ASIAN_PUNCT = r"([\u3001\u3002\u3008-\u3011\u3014-\u301f\uff61-\uff65\u30fb])"
    FULL_WIDTH_PUNCT = r"([\uff0e\uff0c\uff1f\uff1a\uff1b\uff01\uff02\uff08\uff09])"

    def __init__(
        self,
        normalized: bool = False,
        no_punct: bool = False,
        asian_support: bool = False,
        case_sensitive: bool = False,
    ):
        self._normalized = _check_bool(normalized, "normalized")
        self._no_punct = _check_bool(no_punct, "no_punct")
        self._asian_support = _check_bool(asian_support, "asian_support")
        self._case_sensitive = _check_bool(case_sensitive, "case_sensitive")

    @lru_cache(maxsize=2**16)  # noqa: B019 - sacrebleu caches its tokenizers the same way
    def __call__(self, sent: str) -> str:
        if not isinstance(sent, str):
            raise InputTypeError(f"TercomTokenizer: sent must be a str, got {type(sent).__name__}")
        if not sent:
            return ""
        return _native.ter_tokenize(
            [sent], self._normalized, self._no_punct, self._asian_support, self._case_sensitive
        )[0]

    def signature(self):
        return "tercom"
