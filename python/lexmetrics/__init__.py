"""lexmetrics: exact, fast ROUGE, BLEU, chrF and TER.

Scores equal rouge-score 0.1.2 (ROUGE) and sacrebleu 2.x (BLEU, chrF, TER) float for float, computed by a
Rust core across all cores. ``import lexmetrics`` needs only numpy; the fine-tuning helpers live in
``lexmetrics.train`` (``pip install 'lexmetrics[train]'``).
"""

from __future__ import annotations

from . import _native, exceptions
from ._bleu import *  # noqa: F403
from ._bleu import __all__ as _bleu_all
from ._chrf import *  # noqa: F403
from ._chrf import __all__ as _chrf_all
from ._pairwise import MBRSelection, mbr_select, pairwise, self_bleu
from ._rouge import *  # noqa: F403
from ._rouge import __all__ as _rouge_all
from ._ter import *  # noqa: F403
from ._ter import __all__ as _ter_all
from .exceptions import (
    InputFileError,
    InputTypeError,
    InputValueError,
    InternalError,
    LexmetricsError,
    MissingDependencyError,
    RougeTokenizerWarning,
)

__version__: str = _native.__version__

__all__ = [
    "__version__",
    "LexmetricsError",
    "InputTypeError",
    "InputValueError",
    "InputFileError",
    "InternalError",
    "exceptions",
    "MissingDependencyError",
    "RougeTokenizerWarning",
    "pairwise",
    "mbr_select",
    "MBRSelection",
    "self_bleu",
    *_rouge_all,
    *_bleu_all,
    *_chrf_all,
    *_ter_all,
]
