"""Every exception lexmetrics raises on purpose, in one public place.

Input errors also subclass ``TypeError``/``ValueError``, so ``except ValueError`` works; a bug
(a Rust panic caught at the native boundary) is an :class:`InternalError`, never a
``PanicException``. The classes are defined in ``lexmetrics._errors`` (the native layer raises
them from there); this module is their documented home.
"""

from __future__ import annotations

from ._cli_files import InputFileError
from ._errors import (
    InputTypeError,
    InputValueError,
    InternalError,
    LexmetricsError,
    MissingDependencyError,
)


class RougeTokenizerWarning(UserWarning):
    """rouge-score's default tokenizer dropped most of the letters and digits of a text (it keeps
    ASCII ``[a-z0-9]`` only), so ROUGE of Chinese, Arabic, Hindi, Russian... text is near 0.
    Choose ``tokenizer="unicode"`` or ``"cjk"`` (docs/rouge-tokenizers.md). Warned once per process.
    """


__all__ = [
    "LexmetricsError",
    "InputTypeError",
    "InputValueError",
    "InputFileError",
    "InternalError",
    "MissingDependencyError",
    "RougeTokenizerWarning",
]
