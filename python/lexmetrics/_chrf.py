"""chrF / chrF++ with sacrebleu 2.6 semantics, float for float.

Inputs use the per-prediction layout (``references[i]``: a ``str`` or a list of ``str``), as in
:mod:`lexmetrics._bleu`. Corpus scores come from summed integer statistics, so batches scored
apart merge exactly: ``chrf_from_stats(np.concatenate([chrf_stats(a...), chrf_stats(b...)]))``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from . import _native
from ._bleu import (
    SIGNATURE_VERSION,
    References,
    _check_bool,
    _check_order,
    _check_workers,
    _nrefs_str,
    _summed,
)
from ._columns import references_arg
from ._errors import InputTypeError, InputValueError

__all__ = [
    "CHRFResult",
    "chrf_stats",
    "chrf_from_stats",
    "corpus_chrf",
    "sentence_chrf",
]


def _check_beta(beta: object) -> float:
    if isinstance(beta, (bool, np.bool_)) or not isinstance(
        beta, (int, float, np.integer, np.floating)
    ):
        raise InputTypeError(f"beta must be a number, got {type(beta).__name__}")
    if not math.isfinite(beta):
        raise InputValueError(f"beta must be a finite number, got {beta}")
    return float(beta)


def chrf_signature(
    *,
    nrefs: object,
    lowercase: bool,
    eps_smoothing: bool,
    char_order: int,
    word_order: int,
    whitespace: bool,
    version: str = SIGNATURE_VERSION,
) -> str:
    """sacrebleu ``CHRFSignature.format()`` (``eff:yes`` means no eps smoothing)."""
    return (
        f"nrefs:{_nrefs_str(nrefs)}|case:{'lc' if lowercase else 'mixed'}|"
        f"eff:{'no' if eps_smoothing else 'yes'}|nc:{char_order}|nw:{word_order}|"
        f"space:{'yes' if whitespace else 'no'}|version:{version}"
    )


@dataclass(frozen=True)
class CHRFResult:
    """A corpus chrF / chrF++ score (sacrebleu ``CHRFScore``; ``score`` is unrounded, 0-100)."""

    score: float
    char_order: int
    word_order: int
    beta: float
    signature: str

    @property
    def name(self) -> str:
        return f"chrF{self.beta}" + "+" * self.word_order

    def format(self, width: int = 2, score_only: bool = False, signature: bool = False) -> str:
        """sacrebleu's ``Score.format``: ``chrF2 = 59.73``."""
        sc = f"{self.score:.{width}f}"
        if score_only:
            return sc
        head = f"{self.name}|{self.signature}" if signature else self.name
        return f"{head} = {sc}"

    def __str__(self) -> str:
        return self.format()


def _chrf_args(
    char_order, word_order, beta, lowercase, whitespace, eps_smoothing
) -> tuple[int, int, float, bool, bool, bool]:
    c = _check_order(char_order, "char_order", 0)
    w = _check_order(word_order, "word_order", 0)
    if c + w == 0:
        raise InputValueError("char_order + word_order must be >= 1")
    return (
        c,
        w,
        _check_beta(beta),
        _check_bool(lowercase, "lowercase"),
        _check_bool(whitespace, "whitespace"),
        _check_bool(eps_smoothing, "eps_smoothing"),
    )


def chrf_stats(
    hypotheses: Sequence[str],
    references: References,
    *,
    char_order: int = 6,
    word_order: int = 0,
    beta: float = 2,
    lowercase: bool = False,
    whitespace: bool = False,
    eps_smoothing: bool = False,
    workers: int | None = None,
) -> np.ndarray:
    """Per-pair chrF statistics, int64 ``(N, 3 * (char_order + word_order))``.

    Per order ``[hyp, ref, match]`` (char orders, then word orders) of the reference sacrebleu
    picks (best F under these options, first wins ties). Sum rows to merge corpora.
    """
    args = _chrf_args(char_order, word_order, beta, lowercase, whitespace, eps_smoothing)
    return _native.chrf_stats(
        hypotheses, references_arg(references), *args, _check_workers(workers)
    )[0]


def chrf_from_stats(
    stats: object,
    *,
    char_order: int = 6,
    word_order: int = 0,
    beta: float = 2,
    eps_smoothing: bool = False,
    lowercase: bool = False,
    whitespace: bool = False,
    nrefs: int | str = 1,
) -> CHRFResult:
    """Corpus chrF from statistics (summed 1-D or per-pair 2-D). ``lowercase``, ``whitespace``
    and ``nrefs`` only feed the signature."""
    c, w, b, lc, ws, eps = _chrf_args(
        char_order, word_order, beta, lowercase, whitespace, eps_smoothing
    )
    summed = _summed(stats, 3 * (c + w), "chrF")
    return _chrf_result(
        _native.chrf_from_stats(summed, c, w, b, eps), c, w, beta, lc, ws, eps, nrefs
    )


def _chrf_result(score, c, w, beta, lc, ws, eps, nrefs) -> CHRFResult:
    sig = chrf_signature(
        nrefs=nrefs, lowercase=lc, eps_smoothing=eps, char_order=c, word_order=w, whitespace=ws
    )
    return CHRFResult(score=score, char_order=c, word_order=w, beta=beta, signature=sig)


def corpus_chrf(
    hypotheses: Sequence[str],
    references: References,
    *,
    char_order: int = 6,
    word_order: int = 0,
    beta: float = 2,
    lowercase: bool = False,
    whitespace: bool = False,
    eps_smoothing: bool = False,
    workers: int | None = None,
) -> CHRFResult:
    """Corpus chrF (``word_order=2``: chrF++), equal to sacrebleu's ``CHRF(...).corpus_score``."""
    args = _chrf_args(char_order, word_order, beta, lowercase, whitespace, eps_smoothing)
    stats, nrefs = _native.chrf_stats(
        hypotheses, references_arg(references), *args, _check_workers(workers)
    )
    summed = [int(x) for x in stats.sum(axis=0)]
    c, w, b, lc, ws, eps = args
    return _chrf_result(
        _native.chrf_from_stats(summed, c, w, b, eps), c, w, beta, lc, ws, eps, nrefs
    )


def sentence_chrf(
    hypotheses: Sequence[str],
    references: References,
    *,
    char_order: int = 6,
    word_order: int = 0,
    beta: float = 2,
    lowercase: bool = False,
    whitespace: bool = False,
    eps_smoothing: bool = False,
    workers: int | None = None,
) -> np.ndarray:
    """Sentence chrF of every pair (float64), equal to sacrebleu's ``sentence_score(...).score``."""
    args = _chrf_args(char_order, word_order, beta, lowercase, whitespace, eps_smoothing)
    return _native.sentence_chrf(
        hypotheses, references_arg(references), *args, _check_workers(workers)
    )
