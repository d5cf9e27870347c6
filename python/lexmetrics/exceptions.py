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

__all__ = [
    "LexmetricsError",
    "InputTypeError",
    "InputValueError",
    "InputFileError",
    "InternalError",
    "MissingDependencyError",
]
