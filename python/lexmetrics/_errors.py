"""Exception types. Input errors also subclass ``TypeError``/``ValueError`` so ``except ValueError`` works."""

from __future__ import annotations


class LexmetricsError(Exception):
    """Base class of every error lexmetrics raises on purpose."""


class InputTypeError(LexmetricsError, TypeError):
    """An input has the wrong type (a non-string item, None, ...). The message names the index."""


class InputValueError(LexmetricsError, ValueError):
    """An input or option has a bad value (mismatched lengths, unknown metric, ...)."""


class InternalError(LexmetricsError, RuntimeError):
    """A bug in lexmetrics (a Rust panic caught at the native boundary), never the input's fault."""


class MissingDependencyError(LexmetricsError, ImportError):
    """An optional dependency is not installed; the message names the extra to install."""


__all__ = [
    "LexmetricsError",
    "InputTypeError",
    "InputValueError",
    "InternalError",
    "MissingDependencyError",
]
