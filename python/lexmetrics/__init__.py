"""lexmetrics: exact, fast ROUGE, BLEU and chrF.

Scores equal rouge-score 0.1.2 (ROUGE) and sacrebleu 2.x (BLEU, chrF) float for float, computed by a
Rust core across all cores. ``import lexmetrics`` needs only numpy; the fine-tuning helpers live in
``lexmetrics.train`` (``pip install 'lexmetrics[train]'``).
"""

from __future__ import annotations

from . import _native
from ._errors import InputTypeError, InputValueError, LexmetricsError, MissingDependencyError

__version__: str = _native.__version__

__all__ = [
    "__version__",
    "LexmetricsError",
    "InputTypeError",
    "InputValueError",
    "MissingDependencyError",
]
