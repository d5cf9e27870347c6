"""Pairwise matrices, MBR selection and self-BLEU.

Minimum-Bayes-risk decoding and diversity metrics score every candidate against every other one
(256 samples are 65,536 pairs over 256 texts). :func:`pairwise` tokenizes each text once and
fills the matrix on all cores; every cell equals scoring that pair alone with the sentence API
(``sacrebleu.sentence_bleu(c, [r]).score``, ``sacrebleu.sentence_chrf(c, [r]).score``,
``RougeScorer([t], use_stemmer).score(r, c)[t].fmeasure``, ``sacrebleu.sentence_ter(c, [r]).score``),
float for float.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from . import _native
from ._bleu import (
    _check_bool,
    _check_int,
    _check_smooth,
    _check_tokenize,
    _check_workers,
)
from ._chrf import _check_beta
from ._errors import InputTypeError, InputValueError
from ._rouge import check_profile

__all__ = ["pairwise", "mbr_select", "MBRSelection", "self_bleu"]

_BLEU_OPTIONS = {
    "tokenize": "13a",
    "lowercase": False,
    "max_ngram_order": 4,
    "smooth_method": "exp",
    "smooth_value": None,
    "use_effective_order": True,
}
_CHRF_OPTIONS = {
    "char_order": 6,
    "word_order": 0,
    "beta": 2,
    "lowercase": False,
    "whitespace": False,
    "eps_smoothing": False,
}
_ROUGE_OPTIONS = {"use_stemmer": False, "measure": "fmeasure", "tokenizer": "default"}
_TER_OPTIONS = {
    "normalized": False,
    "no_punct": False,
    "asian_support": False,
    "case_sensitive": False,
}
_ROUGE_TYPE = re.compile(r"rouge[1-9]|rougeL|rougeLsum")
_MEASURES = ("fmeasure", "precision", "recall")


def _options(metric: str, given: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(given) - set(defaults))
    if unknown:
        raise InputTypeError(
            f"unexpected option(s) {', '.join(map(repr, unknown))} for metric={metric!r}; "
            f"its options are {', '.join(defaults)}"
        )
    return {**defaults, **given}


def _rouge_texts(texts: Any) -> Any:
    """Lone surrogates cannot cross into Rust as UTF-8; rouge-score's tokenizer makes every
    non-ASCII character a separator, so '?' (also a separator) scores the same."""
    if not isinstance(texts, (list, tuple)):
        return texts
    out = None
    for i, t in enumerate(texts):
        if isinstance(t, str) and not t.isascii():
            try:
                t.encode("utf-8")
            except UnicodeEncodeError:
                out = list(texts) if out is None else out
                out[i] = t.encode("utf-8", "replace").decode("utf-8")
    return texts if out is None else out


def _texts(x: Any, what: str) -> Any:
    if isinstance(x, str):
        raise InputTypeError(f"{what} must be a sequence of str, not a single str")
    return x


def _call(
    candidates: Any, references: Any, metric: Any, workers: Any, options: dict[str, Any]
) -> np.ndarray:
    if not isinstance(metric, str):
        raise InputTypeError(f"metric must be a str, got {type(metric).__name__}")
    candidates = _texts(candidates, "candidates")
    if references is not None:
        references = _texts(references, "references")
    w = _check_workers(workers)
    if metric == "bleu":
        o = _options(metric, options, _BLEU_OPTIONS)
        method, value = _check_smooth(o["smooth_method"], o["smooth_value"])
        return _native.pairwise_bleu(
            candidates,
            references,
            _check_tokenize(o["tokenize"]),
            _check_bool(o["lowercase"], "lowercase"),
            _check_int(o["max_ngram_order"], "max_ngram_order", 1),
            method,
            None if value is None else float(value),
            _check_bool(o["use_effective_order"], "use_effective_order"),
            w,
        )
    if metric in ("chrf", "chrf++"):
        defaults = dict(_CHRF_OPTIONS, word_order=2 if metric == "chrf++" else 0)
        o = _options(metric, options, defaults)
        c = _check_int(o["char_order"], "char_order", 0)
        wo = _check_int(o["word_order"], "word_order", 0)
        if c + wo == 0:
            raise InputValueError("char_order + word_order must be >= 1")
        return _native.pairwise_chrf(
            candidates,
            references,
            c,
            wo,
            _check_beta(o["beta"]),
            _check_bool(o["lowercase"], "lowercase"),
            _check_bool(o["whitespace"], "whitespace"),
            _check_bool(o["eps_smoothing"], "eps_smoothing"),
            w,
        )
    if _ROUGE_TYPE.fullmatch(metric):
        o = _options(metric, options, _ROUGE_OPTIONS)
        measure = o["measure"]
        if not isinstance(measure, str):
            raise InputTypeError(f"measure must be a str, got {type(measure).__name__}")
        if measure not in _MEASURES:
            raise InputValueError(
                f"unknown measure={measure!r}; expected one of {', '.join(_MEASURES)}"
            )
        profile = check_profile(o["tokenizer"])
        return _native.pairwise_rouge(
            _rouge_texts(candidates),
            _rouge_texts(references),
            metric,
            _check_bool(o["use_stemmer"], "use_stemmer"),
            measure,
            w,
            profile,
        )
    if metric == "ter":
        o = _options(metric, options, _TER_OPTIONS)
        return _native.pairwise_ter(
            candidates,
            references,
            normalized=_check_bool(o["normalized"], "normalized"),
            no_punct=_check_bool(o["no_punct"], "no_punct"),
            asian_support=_check_bool(o["asian_support"], "asian_support"),
            case_sensitive=_check_bool(o["case_sensitive"], "case_sensitive"),
            workers=w,
        )
    raise InputValueError(
        f"unknown metric={metric!r}; expected 'bleu', 'chrf', 'chrf++', 'ter', 'rouge1'..'rouge9', "
        "'rougeL' or 'rougeLsum'"
    )


def pairwise(
    candidates: Sequence[str],
    references: Sequence[str] | None = None,
    *,
    metric: str = "bleu",
    workers: int | None = None,
    **options: Any,
) -> np.ndarray:
    """The ``len(candidates) x len(references)`` float64 matrix of a sentence metric.

    ``M[i, j]`` scores ``candidates[i]`` (the hypothesis / prediction) against
    ``references[j]`` (its single reference / target); with ``references=None`` the candidates
    are also the references (an N x N matrix whose diagonal is each text against itself).

    Args:
        metric: ``"bleu"`` (sacrebleu ``sentence_bleu``; options ``tokenize``, ``lowercase``,
            ``smooth_method``, ``smooth_value``, ``use_effective_order`` (default True, as
            sacrebleu's sentence BLEU), ``max_ngram_order``), ``"chrf"`` / ``"chrf++"``
            (sacrebleu ``sentence_chrf``; ``char_order``, ``word_order`` (chrf++: 2), ``beta``,
            ``lowercase``, ``whitespace``, ``eps_smoothing``) or a rouge type ``"rouge1"`` ..
            ``"rouge9"``, ``"rougeL"``, ``"rougeLsum"`` (rouge-score; ``use_stemmer``,
            ``measure="fmeasure"|"precision"|"recall"``, ``tokenizer`` a profile name as
            :func:`lexmetrics.rouge`'s, default ``"default"``) or ``"ter"`` (sacrebleu
            ``sentence_ter``, in percent, lower is better; ``normalized``, ``no_punct``,
            ``asian_support``, ``case_sensitive``).
        workers: threads (default: ``LEXMETRICS_NUM_THREADS`` or all cores). Results do not
            depend on it.

    Each text is tokenized once and its n-grams counted once; every cell equals the pair scored
    alone (``==``).
    """
    return _call(candidates, references, metric, workers, options)


class MBRSelection(NamedTuple):
    """Per source: the index of the selected candidate and its expected utility."""

    indices: np.ndarray  # int64, one per source
    scores: np.ndarray  # float64, the mean utility of the selected candidate


def mbr_select(
    candidates: Sequence[Sequence[str]],
    *,
    metric: str = "bleu",
    include_self: bool = True,
    workers: int | None = None,
    **options: Any,
) -> MBRSelection:
    """Minimum-Bayes-risk (consensus) selection among sampled candidates, one list per source.

    The candidates of a source are also its pseudo-references (sampling-based MBR, Eikema & Aziz
    2020): the expected utility of candidate ``i`` is the mean of ``pairwise(c, metric=...)[i]``
    over the references, and the selected candidate is the one with the highest (the lowest
    index on ties, as ``numpy.argmax``); for ``metric="ter"``, an error rate, the one with the
    lowest mean TER (``numpy.argmin``), and ``scores`` holds that mean TER. ``include_self=True`` (the default) keeps the pair of a
    candidate with itself among the references, as ``mbrs`` (``DecoderMBR`` with the samples as
    both hypotheses and references) and ZurichNLP ``mbr`` do; ``include_self=False`` averages over
    the other candidates only (a source with one candidate then gets index 0 and a NaN score).

    Args:
        candidates: a list per source of candidate texts (at least one each).
        metric, workers, options: as :func:`pairwise`.

    Returns:
        ``MBRSelection(indices, scores)``: int64 and float64 arrays, one entry per source.
    """
    if isinstance(candidates, str) or not isinstance(candidates, Sequence):
        raise InputTypeError(
            f"candidates must be a list of candidate lists (one per source), got {type(candidates).__name__}"
        )
    include_self = _check_bool(include_self, "include_self")
    indices = np.zeros(len(candidates), dtype=np.int64)
    scores = np.zeros(len(candidates), dtype=np.float64)
    for s, cands in enumerate(candidates):
        if isinstance(cands, str):
            raise InputTypeError(
                f"candidates[{s}] must be a list of str (the candidates of source {s}), not a str; "
                "for one source pass [candidates]"
            )
        try:
            n = len(cands)
        except TypeError:
            raise InputTypeError(
                f"candidates[{s}] must be a list of str, got {type(cands).__name__}"
            ) from None
        if n == 0:
            raise InputValueError(f"candidates[{s}] has no candidates")
        try:
            m = _call(cands, None, metric, workers, options)
        except (InputTypeError, InputValueError) as exc:
            msg = str(exc).replace("candidates[", f"candidates[{s}][", 1)
            raise type(exc)(msg) from None
        if include_self:
            utility = m.mean(axis=1)
        elif n == 1:
            utility = np.array([np.nan])
        else:
            utility = m[~np.eye(n, dtype=bool)].reshape(n, n - 1).mean(axis=1)
        # TER is an error rate: lower is better.
        pick = np.argmin if metric == "ter" else np.argmax
        best = 0 if n == 1 else int(pick(utility))
        indices[s] = best
        scores[s] = utility[best]
    return MBRSelection(indices, scores)


def self_bleu(
    generations: Sequence[str],
    *,
    tokenize: str = "13a",
    smooth_method: str = "exp",
    smooth_value: float | None = None,
    lowercase: bool = False,
    use_effective_order: bool = True,
    max_ngram_order: int = 4,
    per_generation: bool = False,
    workers: int | None = None,
) -> Any:
    """Self-BLEU of a set of generations (lower means more diverse).

    The definition of Texygen (Zhu et al. 2018) and ``fast-bleu``'s ``SelfBLEU``: each generation
    is scored as the hypothesis against *all the other* generations as its references
    (multi-reference sentence BLEU), and the scores are averaged (``sum(scores) / len(scores)``).
    The BLEU here is sacrebleu's ``sentence_bleu(g[i], g[:i] + g[i+1:])`` with its options
    (Texygen uses nltk's BLEU with ``method1`` smoothing on nltk tokens, so its numbers differ).

    Returns:
        The mean (float), or with ``per_generation=True`` the float64 array of per-generation
        scores. Needs at least two generations.
    """
    method, value = _check_smooth(smooth_method, smooth_value)
    scores = _native.self_bleu(
        _texts(generations, "generations"),
        _check_tokenize(tokenize),
        _check_bool(lowercase, "lowercase"),
        _check_int(max_ngram_order, "max_ngram_order", 1),
        method,
        None if value is None else float(value),
        _check_bool(use_effective_order, "use_effective_order"),
        _check_workers(workers),
    )
    if _check_bool(per_generation, "per_generation"):
        return scores
    return sum(scores.tolist()) / len(scores)
