"""Lazy imports of optional dependencies with a clear message naming the extra to install."""

from __future__ import annotations

import importlib
from types import ModuleType

from ._errors import MissingDependencyError

_EXTRA_OF = {
    "torch": "train",
    "peft": "train",
    "transformers": "train",
    "safetensors": "train",
    "pyarrow": "arrow",
    "pyspark": "spark",
    "nltk": "test",
}


def require(module: str, purpose: str = "") -> ModuleType:
    """Imports ``module`` or raises :class:`MissingDependencyError` saying how to install it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        top = module.split(".")[0]
        extra = _EXTRA_OF.get(top)
        hint = f"pip install 'lexmetrics[{extra}]'" if extra else f"pip install {top}"
        what = f" for {purpose}" if purpose else ""
        raise MissingDependencyError(f"{top} is required{what}: {hint}") from exc
