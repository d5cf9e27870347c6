"""TER (translation edit rate) with sacrebleu 2.6 semantics, float for float.

sacrebleu's TER is a port of tercom: ``TercomTokenizer`` (options ``normalized``, ``no_punct``,
``asian_support``, ``case_sensitive``; lowercased by default), then per reference a greedy shift
search (beam 25, shifts of at most 10 words over at most 50 positions, at most 1000 shift
candidates) and a beam edit distance. Per segment the fewest edits over the references and the
average reference length are kept; the corpus score is ``100 * Σedits / Σavg_ref_len``.

Inputs use the per-prediction layout of :mod:`lexmetrics._bleu`: ``references[i]`` is a ``str`` or
a list of ``str``. Corpus results come from per-pair statistics summed in pair order, as sacrebleu
sums them, so ``ter_from_stats(np.concatenate([ter_stats(a...), ter_stats(b...)]))`` equals
``corpus_ter`` of the concatenated data exactly.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from . import _native
from ._bleu import SIGNATURE_VERSION, References, _check_bool, _check_workers, _nrefs_str
from ._columns import references_arg
from ._errors import InputTypeError, InputValueError

__all__ = ["TERResult", "ter_stats", "ter_from_stats", "corpus_ter", "sentence_ter"]


def ter_signature(
    *,
    nrefs: object,
    normalized: bool,
    no_punct: bool,
    asian_support: bool,
    case_sensitive: bool,
    version: str = SIGNATURE_VERSION,
) -> str:
    """sacrebleu ``TERSignature.format()`` (``version`` is the last field)."""
    yn = {True: "yes", False: "no"}
    return (
        f"nrefs:{_nrefs_str(nrefs)}|case:{'mixed' if case_sensitive else 'lc'}|tok:tercom|"
        f"norm:{yn[normalized]}|punct:{yn[not no_punct]}|asian:{yn[asian_support]}|version:{version}"
    )


@dataclass(frozen=True)
class TERResult:
    """A corpus TER (sacrebleu ``TERScore``): ``score`` unrounded in percent, ``num_edits`` the
    summed edits (an int, as sacrebleu stores it), ``ref_length`` the summed average reference
    lengths (a float)."""

    score: float
    num_edits: int
    ref_length: float
    signature: str

    name = "TER"

    def format(self, width: int = 2, score_only: bool = False, signature: bool = False) -> str:
        """sacrebleu's ``Score.format``: ``TER = 50.00``."""
        sc = f"{self.score:.{width}f}"
        if score_only:
            return sc
        head = f"{self.name}|{self.signature}" if signature else self.name
        return f"{head} = {sc}"

    def __str__(self) -> str:
        return self.format()


def _opts(
    normalized: object, no_punct: object, asian_support: object, case_sensitive: object
) -> tuple[bool, bool, bool, bool]:
    return (
        _check_bool(normalized, "normalized"),
        _check_bool(no_punct, "no_punct"),
        _check_bool(asian_support, "asian_support"),
        _check_bool(case_sensitive, "case_sensitive"),
    )


def _ter_stats(hypotheses, references, opts: tuple[bool, bool, bool, bool], workers):
    return _native.ter_stats(hypotheses, references_arg(references), *opts, _check_workers(workers))


def ter_stats(
    hypotheses: Sequence[str],
    references: References,
    *,
    normalized: bool = False,
    no_punct: bool = False,
    asian_support: bool = False,
    case_sensitive: bool = False,
    workers: int | None = None,
) -> np.ndarray:
    """Per-pair TER statistics, float64 of shape ``(N, 2)``: ``[num_edits, ref_length]``.

    ``num_edits`` is the fewest edits (shifts + edit distance) over the references of the pair,
    ``ref_length`` the average reference length (sacrebleu's segment statistics). Concatenate
    rows (in order) to merge corpora; :func:`ter_from_stats` sums them as sacrebleu does.
    """
    opts = _opts(normalized, no_punct, asian_support, case_sensitive)
    return _ter_stats(hypotheses, references, opts, workers)[0]


def _sum_stats(stats: object) -> tuple[float, float]:
    """sacrebleu ``sum_of_lists``: a left-to-right float sum of each column."""
    arr = np.asarray(stats)
    if arr.dtype.kind not in "iuf":
        raise InputTypeError(f"TER statistics must be numbers, got dtype {arr.dtype}")
    arr = arr.astype(np.float64)
    if arr.ndim == 1:
        arr = arr[None, :]
    elif arr.ndim != 2:
        raise InputValueError(
            f"TER statistics must be 1-D (summed) or 2-D (per pair), got {arr.ndim}-D"
        )
    if arr.shape[1] != 2:
        raise InputValueError(
            f"TER statistics must have 2 columns (num_edits, ref_length), got {arr.shape[1]}"
        )
    if not np.isfinite(arr).all() or (arr < 0).any():
        raise InputValueError("TER statistics must be finite and non-negative")
    if arr.shape[0] == 0:
        return 0.0, 0.0
    # cumsum adds in order (np.sum would add pairwise and could differ in the last bit)
    total = np.cumsum(arr, axis=0)[-1]
    return float(total[0]), float(total[1])


def _score(num_edits: float, ref_length: float) -> float:
    # sacrebleu TER._compute_score_from_stats
    if ref_length > 0:
        score = num_edits / ref_length
    elif num_edits > 0:
        score = 1.0
    else:
        score = 0.0
    return 100 * score


def _result(num_edits: float, ref_length: float, opts: tuple, nrefs: object) -> TERResult:
    normalized, no_punct, asian_support, case_sensitive = opts
    sig = ter_signature(
        nrefs=nrefs,
        normalized=normalized,
        no_punct=no_punct,
        asian_support=asian_support,
        case_sensitive=case_sensitive,
    )
    return TERResult(
        score=_score(num_edits, ref_length),
        num_edits=int(num_edits),
        ref_length=ref_length,
        signature=sig,
    )


def ter_from_stats(
    stats: object,
    *,
    normalized: bool = False,
    no_punct: bool = False,
    asian_support: bool = False,
    case_sensitive: bool = False,
    nrefs: int | str = 1,
) -> TERResult:
    """Corpus TER from statistics: a 2-D per-pair array (summed here in row order) or a summed
    ``[num_edits, ref_length]`` vector. The options and ``nrefs`` only feed the signature."""
    opts = _opts(normalized, no_punct, asian_support, case_sensitive)
    return _result(*_sum_stats(stats), opts, nrefs)


def corpus_ter(
    hypotheses: Sequence[str],
    references: References,
    *,
    normalized: bool = False,
    no_punct: bool = False,
    asian_support: bool = False,
    case_sensitive: bool = False,
    workers: int | None = None,
) -> TERResult:
    """Corpus TER, equal to sacrebleu's ``TER(...).corpus_score`` (defaults: lowercased, tercom
    tokenizer without normalization)."""
    opts = _opts(normalized, no_punct, asian_support, case_sensitive)
    stats, nrefs = _ter_stats(hypotheses, references, opts, workers)
    return _result(*_sum_stats(stats), opts, nrefs)


def sentence_ter(
    hypotheses: Sequence[str],
    references: References,
    *,
    normalized: bool = False,
    no_punct: bool = False,
    asian_support: bool = False,
    case_sensitive: bool = False,
    workers: int | None = None,
) -> np.ndarray:
    """Sentence TER of every pair (float64), equal to sacrebleu's ``TER(...).sentence_score(h, refs).score``."""
    opts = _opts(normalized, no_punct, asian_support, case_sensitive)
    return _native.sentence_ter(
        hypotheses, references_arg(references), *opts, _check_workers(workers)
    )
