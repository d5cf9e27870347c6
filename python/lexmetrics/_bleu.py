"""BLEU with sacrebleu 2.6 semantics, float for float, and the option checks and signature
helpers chrF (:mod:`lexmetrics._chrf`) and TER share.

Inputs use the per-prediction layout: ``references[i]`` is a ``str`` or a list of ``str`` (the
references of ``hypotheses[i]``; the count may vary). sacrebleu's stream layout (``refs[k][i]``)
lives in :mod:`lexmetrics.compat.sacrebleu`.

Corpus scores come from summed integer statistics, so batches scored in different processes or
machines merge exactly: ``bleu_from_stats(np.concatenate([bleu_stats(a...), bleu_stats(b...)]))``.

Signatures print like sacrebleu's, with ``version:lexmetrics-<version>`` as the last field (the
numbers are sacrebleu 2.6.0's; :mod:`lexmetrics.compat.sacrebleu` prints ``version:2.6.0``).
Unlike sacrebleu, mismatched ``hypotheses``/``references`` lengths raise instead of truncating.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

import numpy as np

from . import _native
from ._columns import references_arg
from ._errors import InputTypeError, InputValueError

__all__ = [
    "BLEUResult",
    "bleu_stats",
    "bleu_from_stats",
    "corpus_bleu",
    "sentence_bleu",
]

#: The sacrebleu release whose numbers lexmetrics reproduces.
SACREBLEU_VERSION = "2.6.0"
#: The ``version:`` field of lexmetrics' own signatures.
SIGNATURE_VERSION = f"lexmetrics-{_native.__version__}"

#: sacrebleu ``BLEU.SMOOTH_DEFAULTS``.
SMOOTH_DEFAULTS: dict[str, float | None] = {"none": None, "floor": 0.1, "add-k": 1, "exp": None}

References = Sequence[str | Sequence[str]]

#: Largest n-gram order accepted (BLEU ``max_ngram_order``, chrF ``char_order``/``word_order``).
#: An order longer than every input is valid and scores as sacrebleu does; the bound only keeps the
#: per-pair statistics (``2 + 2n`` / ``3n`` integers) from being sized by an unchecked argument.
MAX_ORDER = 256


# ---------------------------------------------------------------------------------------------
# option checks (the native layer re-checks; these give Python-level types and messages)
# ---------------------------------------------------------------------------------------------


def _check_bool(value: object, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise InputTypeError(f"{name} must be a bool, got {type(value).__name__}")
    return bool(value)


def _check_int(value: object, name: str, minimum: int, maximum: int | None = None) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise InputTypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < minimum:
        raise InputValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise InputValueError(f"{name} must be <= {maximum}, got {value}")
    return int(value)


def _check_order(value: object, name: str, minimum: int) -> int:
    return _check_int(value, name, minimum, MAX_ORDER)


def _check_workers(workers: object) -> int | None:
    """``workers``: None (all cores) or an int >= 1; above ``4 * cpus`` (at most 256) it is
    clamped natively. The same check and exception types for every metric."""
    if workers is None:
        return None
    if isinstance(workers, (bool, np.bool_)) or not isinstance(workers, (int, np.integer)):
        raise InputTypeError(f"workers must be an int >= 1 or None, got {type(workers).__name__}")
    if workers < 1:
        raise InputValueError(f"workers must be >= 1, got {workers}")
    return int(workers)


def _check_smooth(method: object, value: object) -> tuple[str, float | None]:
    if not isinstance(method, str):
        raise InputTypeError(f"smooth_method must be a str, got {type(method).__name__}")
    if method not in SMOOTH_DEFAULTS:
        raise InputValueError(
            f"unknown smooth_method={method!r}; expected one of 'exp', 'floor', 'add-k', 'none'"
        )
    if value is not None and (
        isinstance(value, (bool, np.bool_))
        or not isinstance(value, (int, float, np.integer, np.floating))
    ):
        raise InputTypeError(f"smooth_value must be a number or None, got {type(value).__name__}")
    # sacrebleu fails on a negative floor (math domain error) and returns NaN for NaN.
    if value is not None and not (math.isfinite(value) and value >= 0):
        raise InputValueError(f"smooth_value must be a finite number >= 0, got {value}")
    # a numpy scalar passes through unchanged: its type decides sacrebleu's int or float counts
    return method, cast(float | None, value)


def _check_tokenize(tokenize: object) -> str:
    if not isinstance(tokenize, str):
        raise InputTypeError(f"tokenize must be a str, got {type(tokenize).__name__}")
    return tokenize


def _summed(stats: object, width: int, what: str) -> list[int]:
    arr = np.asarray(stats)
    if arr.dtype.kind not in "iu" and not (
        arr.dtype.kind == "O" and all(isinstance(x, int) for x in arr.ravel())
    ):
        raise InputTypeError(f"{what} statistics must be integers, got dtype {arr.dtype}")
    if arr.ndim == 2:
        arr = arr.astype(np.int64).sum(axis=0)
    elif arr.ndim != 1:
        raise InputValueError(
            f"{what} statistics must be 1-D (summed) or 2-D (per pair), got {arr.ndim}-D"
        )
    if arr.shape[0] != width:
        raise InputValueError(f"{what} statistics must have {width} columns, got {arr.shape[0]}")
    return [int(x) for x in arr]


def _nrefs_str(nrefs: object) -> str:
    return "var" if nrefs == -1 else str(nrefs)


def bleu_signature(
    *,
    nrefs: object,
    lowercase: bool,
    use_effective_order: bool,
    tokenize: str,
    smooth_method: str,
    smooth_value: float | None,
    version: str = SIGNATURE_VERSION,
) -> str:
    """sacrebleu ``BLEUSignature.format()`` (``version`` is the last field)."""
    smooth = smooth_method
    default = SMOOTH_DEFAULTS[smooth_method]
    if default is not None:
        smooth += f"[{(default if smooth_value is None else smooth_value):.2f}]"
    return (
        f"nrefs:{_nrefs_str(nrefs)}|case:{'lc' if lowercase else 'mixed'}|"
        f"eff:{'yes' if use_effective_order else 'no'}|tok:{tokenize}|smooth:{smooth}|version:{version}"
    )


# ---------------------------------------------------------------------------------------------
# result types
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BLEUResult:
    """A corpus BLEU score (sacrebleu ``BLEUScore``; ``score`` is unrounded, 0-100)."""

    score: float
    counts: tuple
    totals: tuple
    precisions: tuple
    bp: float
    sys_len: int
    ref_len: int
    signature: str

    name = "BLEU"

    @property
    def ratio(self) -> float:
        return self.sys_len / self.ref_len if self.ref_len else 0

    def format(self, width: int = 2, score_only: bool = False, signature: bool = False) -> str:
        """sacrebleu's ``Score.format``: ``BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ...)``."""
        sc = f"{self.score:.{width}f}"
        if score_only:
            return sc
        prec = "/".join(f"{p:.1f}" for p in self.precisions)
        verbose = (
            f"{prec} (BP = {self.bp:.3f} ratio = {self.ratio:.3f} hyp_len = {self.sys_len:d} "
            f"ref_len = {self.ref_len:d})"
        )
        head = f"{self.name}|{self.signature}" if signature else self.name
        return f"{head} = {sc} {verbose}"

    def __str__(self) -> str:
        return self.format()


# ---------------------------------------------------------------------------------------------
# BLEU
# ---------------------------------------------------------------------------------------------


def _bleu_stats(hypotheses, references, tokenize, lowercase, max_ngram_order, workers):
    return _native.bleu_stats(
        hypotheses,
        references_arg(references),
        _check_tokenize(tokenize),
        _check_bool(lowercase, "lowercase"),
        _check_order(max_ngram_order, "max_ngram_order", 1),
        _check_workers(workers),
    )


def bleu_stats(
    hypotheses: Sequence[str],
    references: References,
    *,
    tokenize: str = "13a",
    lowercase: bool = False,
    max_ngram_order: int = 4,
    workers: int | None = None,
) -> np.ndarray:
    """Per-pair BLEU sufficient statistics, int64 of shape ``(N, 2 + 2 * max_ngram_order)``.

    Columns ``[sys_len, ref_len, correct_1..n, total_1..n]`` (sacrebleu's order); ``ref_len`` is
    the reference length closest to the hypothesis (ties: the shorter). Sum rows to merge corpora.
    """
    return _bleu_stats(hypotheses, references, tokenize, lowercase, max_ngram_order, workers)[0]


def bleu_from_stats(
    stats: object,
    *,
    smooth_method: str = "exp",
    smooth_value: float | None = None,
    use_effective_order: bool = False,
    max_ngram_order: int = 4,
    tokenize: str = "13a",
    lowercase: bool = False,
    nrefs: int | str = 1,
) -> BLEUResult:
    """Corpus BLEU from statistics: a summed 1-D vector or a 2-D per-pair array (summed here).

    ``tokenize``, ``lowercase`` and ``nrefs`` only feed the signature.
    """
    n = _check_order(max_ngram_order, "max_ngram_order", 1)
    smooth_method, smooth_value = _check_smooth(smooth_method, smooth_value)
    summed = _summed(stats, 2 + 2 * n, "BLEU")
    return _bleu_result(
        summed,
        smooth_method,
        smooth_value,
        _check_bool(use_effective_order, "use_effective_order"),
        n,
        _check_tokenize(tokenize),
        _check_bool(lowercase, "lowercase"),
        nrefs,
    )


def _bleu_result(
    summed, smooth_method, smooth_value, eff, n, tokenize, lowercase, nrefs
) -> BLEUResult:
    score, counts, totals, precisions, bp = _native.bleu_from_stats(
        summed, smooth_method, None if smooth_value is None else float(smooth_value), eff, n
    )
    # sacrebleu adds the smoothing value to its int counts in place: ints unless k is a float.
    k = SMOOTH_DEFAULTS[smooth_method] if smooth_value is None else smooth_value
    if not (smooth_method == "add-k" and isinstance(k, (float, np.floating))):
        counts = [int(c) for c in counts]
        totals = [int(t) for t in totals]
    sig = bleu_signature(
        nrefs=nrefs,
        lowercase=lowercase,
        use_effective_order=eff,
        tokenize=tokenize,
        smooth_method=smooth_method,
        smooth_value=smooth_value,
    )
    return BLEUResult(
        score=score,
        counts=tuple(counts),
        totals=tuple(totals),
        precisions=tuple(precisions),
        bp=bp,
        sys_len=summed[0],
        ref_len=summed[1],
        signature=sig,
    )


def corpus_bleu(
    hypotheses: Sequence[str],
    references: References,
    *,
    tokenize: str = "13a",
    smooth_method: str = "exp",
    smooth_value: float | None = None,
    lowercase: bool = False,
    use_effective_order: bool = False,
    max_ngram_order: int = 4,
    workers: int | None = None,
) -> BLEUResult:
    """Corpus BLEU, equal to ``sacrebleu.corpus_bleu`` (defaults: 13a, exp, no effective order)."""
    smooth_method, smooth_value = _check_smooth(smooth_method, smooth_value)
    eff = _check_bool(use_effective_order, "use_effective_order")
    stats, nrefs = _bleu_stats(
        hypotheses, references, tokenize, lowercase, max_ngram_order, workers
    )
    summed = [int(x) for x in stats.sum(axis=0)]
    return _bleu_result(
        summed, smooth_method, smooth_value, eff, int(max_ngram_order), tokenize, lowercase, nrefs
    )


def sentence_bleu(
    hypotheses: Sequence[str],
    references: References,
    *,
    tokenize: str = "13a",
    smooth_method: str = "exp",
    smooth_value: float | None = None,
    lowercase: bool = False,
    use_effective_order: bool = True,
    max_ngram_order: int = 4,
    workers: int | None = None,
) -> np.ndarray:
    """Sentence BLEU of every pair (float64), equal to ``sacrebleu.sentence_bleu(h, refs).score``."""
    smooth_method, smooth_value = _check_smooth(smooth_method, smooth_value)
    return _native.sentence_bleu(
        hypotheses,
        references_arg(references),
        _check_tokenize(tokenize),
        _check_bool(lowercase, "lowercase"),
        _check_order(max_ngram_order, "max_ngram_order", 1),
        smooth_method,
        None if smooth_value is None else float(smooth_value),
        _check_bool(use_effective_order, "use_effective_order"),
        _check_workers(workers),
    )
