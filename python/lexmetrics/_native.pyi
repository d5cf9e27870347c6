# Typed stubs for the private native module. Public API: lexmetrics/__init__.py.

__version__: str
BUILD_PROFILE: str  # "release" or "debug"

def default_workers() -> int: ...

# ======================================================================
# ROUGE (rust/python/src/rouge.rs)
# ======================================================================

from collections.abc import Sequence  # noqa: E402
from typing import Optional, Union  # noqa: E402

import numpy as np  # noqa: E402
import numpy.typing as npt  # noqa: E402

# A pre-split document: (whole, sentences). `whole` feeds rougeN/rougeL, `sentences` rougeLsum;
# a str is tokenized natively (default tokenizer, stemmed if asked), a list of str is used verbatim.
_Piece = Union[str, Sequence[str]]
_Doc = tuple[Optional[_Piece], Optional[Sequence[_Piece]]]

def rouge_texts(
    predictions: Sequence[str],
    references: Sequence[Union[str, Sequence[str]]],
    rouge_types: Sequence[str],
    use_stemmer: bool = False,
    workers: Optional[int] = None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Flat scores (types x {P,R,F} x n) and int_zero flags (types x n)."""

def rouge_docs(
    predictions: Sequence[_Doc],
    references: Sequence[_Doc],
    ref_offsets: Sequence[int],
    rouge_types: Sequence[str],
    use_stemmer: bool = False,
    workers: Optional[int] = None,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Like rouge_texts on pre-split documents; references[ref_offsets[i]:ref_offsets[i+1]] are pair i's."""

def rouge_tokenize(text: str, use_stemmer: bool = False) -> list[str]: ...

# (end ROUGE)

# ======================================================================
# porter (rust/python/src/porter.rs)
# ======================================================================

# (end porter)

# ======================================================================
# BLEU / chrF (rust/python/src/bleu.rs)
# ======================================================================

# (end BLEU / chrF)
