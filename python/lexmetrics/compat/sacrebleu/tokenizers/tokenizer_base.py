"""sacrebleu ``BaseTokenizer``, and the native-backed base the built-in tokenizers share."""

from __future__ import annotations

from functools import lru_cache

from .... import _native
from ...._errors import InputTypeError


class BaseTokenizer:
    """A base dummy tokenizer to derive from (sacrebleu's)."""

    def signature(self):
        raise NotImplementedError()

    def __call__(self, line):
        raise NotImplementedError()


class _NativeTokenizer(BaseTokenizer):
    """A sacrebleu BLEU tokenizer run by ``lexmetrics._native.sacre_tokenize``."""

    _NAME = ""

    def signature(self):
        return self._NAME

    @lru_cache(maxsize=2**16)  # noqa: B019 - sacrebleu caches its tokenizers the same way
    def __call__(self, line):
        if not isinstance(line, str):
            raise InputTypeError(
                f"{type(self).__name__}: line must be a str, got {type(line).__name__}"
            )
        return _native.sacre_tokenize([line], self._NAME)[0]


def _not_supported(name: str, why: str):
    from ...._errors import InputValueError

    raise InputValueError(f"the {name!r} tokenizer is not supported by lexmetrics ({why})")
