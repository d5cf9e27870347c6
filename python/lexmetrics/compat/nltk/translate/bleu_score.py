"""Drop-in for ``nltk.translate.bleu_score`` (nltk 3.8-3.10): same names, arguments and numbers (``==``).

Migrating is an import change::

    from lexmetrics.compat.nltk.translate.bleu_score import corpus_bleu, sentence_bleu, SmoothingFunction

Inputs are nltk's: pre-tokenized hypotheses (sequences of tokens) and, per hypothesis, a list of
tokenized references. The n-gram matches of every pair are counted by the native BLEU core (all
cores); the smoothing and the final arithmetic are nltk's own steps in nltk's order (``Fraction``
precisions, ``math.fsum`` of ``w * log(p)``, ``bp * exp``), so results are equal to nltk's float for
float, including the ``int`` 0 returned without unigram matches and the ``UserWarning`` that
``method0`` emits for every n-gram order without matches.

Tokens are compared with Python equality, as nltk does: token lists of whitespace-free non-empty
``str`` are handed to the native core joined by spaces (checked to split back to the same tokens);
any other pair (tokens with spaces, empty tokens, non-``str`` tokens) is interned to integer ids first.

Deliberate differences: mismatched lengths raise :class:`~lexmetrics.InputValueError` (nltk: a bare
``AssertionError``); an empty corpus raises an error that is both ``InputValueError`` and
``ZeroDivisionError`` (nltk: ``ZeroDivisionError``); a hypothesis without references raises
``InputValueError`` (nltk: ``ValueError`` from ``min``).
"""

from __future__ import annotations

import math
import sys
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from fractions import Fraction as _Fraction
from typing import Any

import numpy as np

from .... import _native
from ...._errors import InputTypeError, InputValueError

__all__ = [
    "Fraction",
    "SmoothingFunction",
    "brevity_penalty",
    "closest_ref_length",
    "corpus_bleu",
    "modified_precision",
    "sentence_bleu",
]


class EmptyCorpusError(InputValueError, ZeroDivisionError):
    """``corpus_bleu`` of no hypotheses: nltk raises ``ZeroDivisionError`` (``Fraction(0, 0)``)."""


class Fraction(_Fraction):
    """nltk's ``Fraction``: keeps the unnormalized numerator and denominator (``_normalize=False``)."""

    def __new__(
        cls, numerator: Any = 0, denominator: Any = None, _normalize: bool = False
    ) -> Fraction:
        if sys.version_info >= (3, 12):
            self = super().__new__(cls, numerator, denominator)
        else:
            self = super().__new__(cls, numerator, denominator, _normalize=_normalize)  # type: ignore[call-overload]
        self._normalize = _normalize
        self._original_numerator = numerator
        self._original_denominator = denominator
        return self

    @property
    def numerator(self) -> Any:
        if not self._normalize:  # type: ignore[attr-defined]
            return self._original_numerator  # type: ignore[attr-defined]
        return super().numerator

    @property
    def denominator(self) -> Any:
        if not self._normalize:  # type: ignore[attr-defined]
            return self._original_denominator  # type: ignore[attr-defined]
        return super().denominator


def _ngrams(sequence: Sequence[Any], n: int) -> list[tuple[Any, ...]]:
    # nltk.util.ngrams without padding: nothing when the sequence is shorter than n.
    seq = list(sequence)
    return [tuple(seq[i : i + n]) for i in range(len(seq) - n + 1)]


def modified_precision(
    references: Sequence[Sequence[Any]], hypothesis: Sequence[Any], n: int
) -> Fraction:
    """nltk's clipped n-gram precision of one pair as an unnormalized :class:`Fraction` (pure Python)."""
    counts = Counter(_ngrams(hypothesis, n)) if len(hypothesis) >= n else Counter()
    max_counts: dict[tuple[Any, ...], int] = {}
    for reference in references:
        reference_counts = Counter(_ngrams(reference, n)) if len(reference) >= n else Counter()
        for ngram in counts:
            max_counts[ngram] = max(max_counts.get(ngram, 0), reference_counts[ngram])
    clipped_counts = {ngram: min(count, max_counts[ngram]) for ngram, count in counts.items()}
    numerator = sum(clipped_counts.values())
    # nltk: the denominator is at least 1 (orders longer than the hypothesis).
    denominator = max(1, sum(counts.values()))
    return Fraction(numerator, denominator, _normalize=False)


def closest_ref_length(references: Any, hyp_len: int) -> int:
    """The reference length closest to ``hyp_len`` (ties: the shorter), as nltk."""
    ref_lens = (len(reference) for reference in references)
    return min(ref_lens, key=lambda ref_len: (abs(ref_len - hyp_len), ref_len))


def brevity_penalty(closest_ref_len: int, hyp_len: int) -> float:
    """nltk's brevity penalty: ``1`` (int) if longer than the reference, ``0`` (int) if empty."""
    if hyp_len > closest_ref_len:
        return 1
    elif hyp_len == 0:
        return 0
    else:
        return math.exp(1 - closest_ref_len / hyp_len)


# ---------------------------------------------------------------------------------------------
# native statistics
# ---------------------------------------------------------------------------------------------


_PARALLEL_MIN_PAIRS = 256


def _joined(tokens: Any) -> str | None:
    """``tokens`` joined by spaces if that splits back to exactly the same tokens, else None."""
    try:
        text = " ".join(tokens)
    except TypeError:  # non-str tokens
        return None
    # str.split is what the native "none" tokenizer does; equality proves the round trip.
    split = text.split()
    if len(split) != len(tokens) or split != (tokens if type(tokens) is list else list(tokens)):
        return None
    return text


def _interned(hypothesis: Any, references: Sequence[Any]) -> tuple[str, list[str]]:
    """The pair with every token replaced by an id (Python equality, as nltk's Counter keys)."""
    ids: dict[Any, str] = {}

    def encode(tokens: Any) -> str:
        out = []
        for tok in tokens:
            code = ids.get(tok)
            if code is None:
                code = ids[tok] = str(len(ids))
            out.append(code)
        return " ".join(out)

    try:
        return encode(hypothesis), [encode(ref) for ref in references]
    except TypeError as exc:  # unhashable tokens (nltk fails the same way)
        raise InputTypeError(f"tokens must be hashable: {exc}") from exc


def _pair_texts(index: int, hypothesis: Any, references: Any) -> tuple[str, list[str]]:
    if isinstance(references, (str, bytes)) or not hasattr(references, "__iter__"):
        raise InputTypeError(
            f"list_of_references[{index}] must be a list of tokenized references, "
            f"got {type(references).__name__}"
        )
    refs = list(references)
    if not refs:
        raise InputValueError(f"list_of_references[{index}] has no references")
    if not hasattr(hypothesis, "__len__"):
        raise InputTypeError(
            f"hypotheses[{index}] must be a sequence of tokens, got {type(hypothesis).__name__}"
        )
    hyp = _joined(hypothesis)
    joined = [_joined(r) for r in refs] if hyp is not None else []
    if hyp is None or any(r is None for r in joined):
        return _interned(hypothesis, refs)
    return hyp, joined  # type: ignore[return-value]


def _corpus_counts(
    list_of_references: Any, hypotheses: Any, max_order: int
) -> tuple[list[int], list[int], int, int]:
    """nltk's corpus sums: clipped matches and per-pair ``max(1, total)`` per order, hyp and ref lengths."""
    hyp_texts: list[str] = []
    ref_texts: list[list[str]] = []
    for i, (references, hypothesis) in enumerate(zip(list_of_references, hypotheses)):
        h, r = _pair_texts(i, hypothesis, references)
        hyp_texts.append(h)
        ref_texts.append(r)
    # A thread-pool dispatch costs ~100 us: sentence_bleu (one pair) runs on the calling thread.
    workers = 1 if len(hyp_texts) < _PARALLEL_MIN_PAIRS else None
    if max_order < 1:  # no n-gram orders: only the lengths matter
        stats, _ = _native.bleu_stats(hyp_texts, ref_texts, "none", False, 1, workers)
        return [], [], int(stats[:, 0].sum()), int(stats[:, 1].sum())
    stats, _ = _native.bleu_stats(hyp_texts, ref_texts, "none", False, max_order, workers)
    stats = np.asarray(stats, dtype=np.int64)
    correct = stats[:, 2 : 2 + max_order].sum(axis=0)
    # nltk's per-pair denominator is at least 1 (an order longer than the hypothesis).
    totals = np.maximum(stats[:, 2 + max_order :], 1).sum(axis=0)
    return (
        [int(c) for c in correct],
        [int(t) for t in totals],
        int(stats[:, 0].sum()),
        int(stats[:, 1].sum()),
    )


# ---------------------------------------------------------------------------------------------
# BLEU
# ---------------------------------------------------------------------------------------------


def sentence_bleu(
    references: Sequence[Sequence[Any]],
    hypothesis: Sequence[Any],
    weights: Any = (0.25, 0.25, 0.25, 0.25),
    smoothing_function: Callable[..., Any] | None = None,
    auto_reweigh: bool = False,
) -> Any:
    """nltk's ``sentence_bleu``: ``corpus_bleu([references], [hypothesis], ...)``."""
    return corpus_bleu([references], [hypothesis], weights, smoothing_function, auto_reweigh)


def corpus_bleu(
    list_of_references: Sequence[Sequence[Sequence[Any]]],
    hypotheses: Sequence[Sequence[Any]],
    weights: Any = (0.25, 0.25, 0.25, 0.25),
    smoothing_function: Callable[..., Any] | None = None,
    auto_reweigh: bool = False,
) -> Any:
    """nltk's ``corpus_bleu``: a float, or a list of floats when ``weights`` is a list of weight tuples."""
    if len(list_of_references) != len(hypotheses):
        raise InputValueError(
            f"The number of hypotheses and their reference(s) should be the same: "
            f"{len(hypotheses)} hypotheses, {len(list_of_references)} lists of references"
        )
    if len(hypotheses) == 0:
        raise EmptyCorpusError("corpus_bleu needs at least one hypothesis (nltk: Fraction(0, 0))")

    try:  # nltk: one weight tuple, or a list of them
        weights[0][0]
    except (TypeError, IndexError):
        weights = [weights]
    max_weight_length = max(len(weight) for weight in weights)

    p_numerators, p_denominators, hyp_lengths, ref_lengths = _corpus_counts(
        list_of_references, hypotheses, max_weight_length
    )
    # nltk hands the smoothing functions the loop's last pair.
    references, hypothesis = list_of_references[-1], hypotheses[-1]

    bp = brevity_penalty(ref_lengths, hyp_lengths)
    p_n = [
        Fraction(p_numerators[i], p_denominators[i], _normalize=False)
        for i in range(max_weight_length)
    ]

    # nltk: no unigram matches -> int 0 (checked after the precisions are built, as nltk does).
    if (p_numerators[0] if p_numerators else 0) == 0:
        return 0 if len(weights) == 1 else [0] * len(weights)

    if not smoothing_function:
        smoothing_function = SmoothingFunction().method0
    p_n = smoothing_function(p_n, references=references, hypothesis=hypothesis, hyp_len=hyp_lengths)

    bleu_scores = []
    for weight in weights:
        if auto_reweigh:
            if hyp_lengths < 4 and weight == (0.25, 0.25, 0.25, 0.25):
                weight = (1 / hyp_lengths,) * hyp_lengths
        terms = (w_i * math.log(p_i) for w_i, p_i in zip(weight, p_n) if p_i > 0)
        bleu_scores.append(bp * math.exp(math.fsum(terms)))
    return bleu_scores[0] if len(weights) == 1 else bleu_scores


class SmoothingFunction:
    """Chen and Cherry (2014) smoothing methods 0-7, nltk's implementation step for step."""

    def __init__(self, epsilon: float = 0.1, alpha: float = 5, k: float = 5) -> None:
        self.epsilon = epsilon
        self.alpha = alpha
        self.k = k

    def method0(self, p_n: list[Any], *args: Any, **kwargs: Any) -> list[Any]:
        """No smoothing: a zero precision becomes ``sys.float_info.min`` with a ``UserWarning``."""
        p_n_new = []
        for i, p_i in enumerate(p_n):
            if p_i.numerator != 0:
                p_n_new.append(p_i)
            else:
                _msg = (
                    f"\nThe hypothesis contains 0 counts of {i + 1}-gram overlaps.\n"
                    "Therefore the BLEU score evaluates to 0, independently of\n"
                    "how many N-gram overlaps of lower order it contains.\n"
                    "Consider using lower n-gram order or use "
                    "SmoothingFunction()"
                )
                # nltk warns at its own line (stacklevel 1), so the default filter shows each once.
                warnings.warn(_msg, stacklevel=1)
                p_n_new.append(sys.float_info.min)
        return p_n_new

    def method1(self, p_n: list[Any], *args: Any, **kwargs: Any) -> list[Any]:
        """Add ``epsilon`` to zero match counts."""
        return [
            (p_i.numerator + self.epsilon) / p_i.denominator if p_i.numerator == 0 else p_i
            for p_i in p_n
        ]

    def method2(self, p_n: list[Any], *args: Any, **kwargs: Any) -> list[Any]:
        """Add 1 to numerator and denominator of orders >= 2 (Lin and Och 2004)."""
        return [
            Fraction(p_n[i].numerator + 1, p_n[i].denominator + 1, _normalize=False)
            if i != 0
            else p_n[0]
            for i in range(len(p_n))
        ]

    def method3(self, p_n: list[Any], *args: Any, **kwargs: Any) -> list[Any]:
        """NIST geometric smoothing: the k-th zero precision becomes ``1 / (2**k * denominator)``."""
        incvnt = 1
        for i, p_i in enumerate(p_n):
            if p_i.numerator == 0:
                p_n[i] = 1 / (2**incvnt * p_i.denominator)
                incvnt += 1
        return p_n

    def method4(
        self,
        p_n: list[Any],
        references: Any,
        hypothesis: Any,
        hyp_len: int | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> list[Any]:
        """Zero precisions smoothed in proportion to ``1 / ln(hyp_len)``."""
        incvnt = 1
        hyp_len = hyp_len if hyp_len else len(hypothesis)
        for i, p_i in enumerate(p_n):
            if p_i.numerator == 0 and hyp_len > 1:
                numerator = 1 / (2**incvnt * self.k / math.log(hyp_len))
                p_n[i] = numerator / p_i.denominator
                incvnt += 1
        return p_n

    def method5(
        self,
        p_n: list[Any],
        references: Any,
        hypothesis: Any,
        hyp_len: int | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> list[Any]:
        """Each precision averaged with its neighbours (n-1, n, n+1)."""
        hyp_len = hyp_len if hyp_len else len(hypothesis)
        m = {}
        # nltk: the extra order is always 5, taken from the (last) pair it is given.
        p_n_plus1 = p_n + [modified_precision(references, hypothesis, 5)]
        m[-1] = p_n[0] + 1
        for i, p_i in enumerate(p_n):
            p_n[i] = (m[i - 1] + p_i + p_n_plus1[i + 1]) / 3
            m[i] = p_n[i]
        return p_n

    def method6(
        self,
        p_n: list[Any],
        references: Any,
        hypothesis: Any,
        hyp_len: int | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> list[Any]:
        """Interpolation with a prior from the ratio of the previous two precisions (Gao and He 2013)."""
        hyp_len = hyp_len if hyp_len else len(hypothesis)
        if not p_n[2]:
            raise _SmoothingAssertion(
                "This smoothing method requires non-zero precision for bigrams."
            )
        for i, p_i in enumerate(p_n):
            if i in [0, 1]:
                continue
            else:
                pi0 = 0 if p_n[i - 2] == 0 else p_n[i - 1] ** 2 / p_n[i - 2]
                m = p_i.numerator
                length = max(0, len(hypothesis) - i)  # n-grams of order i+1 in the hypothesis
                p_n[i] = (m + self.alpha * pi0) / (length + self.alpha)
        return p_n

    def method7(
        self,
        p_n: list[Any],
        references: Any,
        hypothesis: Any,
        hyp_len: int | None = None,
        *args: Any,
        **kwargs: Any,
    ) -> list[Any]:
        """Method 4, then method 5."""
        hyp_len = hyp_len if hyp_len else len(hypothesis)
        p_n = self.method4(p_n, references, hypothesis, hyp_len)
        p_n = self.method5(p_n, references, hypothesis, hyp_len)
        return p_n


class _SmoothingAssertion(InputValueError, AssertionError):
    """method6 on a zero trigram precision: nltk's ``assert``, kept catchable as ``AssertionError``."""
