"""sacrebleu ``metrics.chrf``: ``CHRF``, ``CHRFScore`` and ``CHRFSignature`` (chrF and chrF++).

Segment statistics come from lexmetrics' native chrF; ``_compute_f_score`` is sacrebleu's
formula step for step (it also runs on the numpy float32 sums the bootstrap passes it).
"""

from __future__ import annotations

from collections.abc import Sequence

from .... import _native
from ...._bleu import _check_bool, _check_int
from ...._errors import InputValueError
from ..utils import sum_of_lists
from .base import Metric, Score, Signature
from .helpers import extract_all_char_ngrams, extract_word_ngrams  # noqa: F401


class CHRFSignature(Signature):
    """The reproducibility signature for chrF."""

    def __init__(self, args: dict):
        super().__init__(args)
        self._abbr.update({"case": "c", "eff": "e", "nc": "nc", "nw": "nw", "space": "s"})
        self.info.update(
            {
                "case": "lc" if args["lowercase"] else "mixed",
                "eff": "yes" if not args["eps_smoothing"] else "no",
                "nc": args["char_order"],
                "nw": args["word_order"],
                "space": "yes" if args["whitespace"] else "no",
            }
        )


class CHRFScore(Score):
    """A chrF (chrF++) score."""

    def __init__(self, score: float, char_order: int, word_order: int, beta: int):
        self.beta = beta
        self.char_order = char_order
        self.word_order = word_order
        super().__init__(f"chrF{self.beta}" + "+" * self.word_order, score)


class CHRF(Metric):
    """sacrebleu ``CHRF`` with segment statistics from the Rust core."""

    CHAR_ORDER = 6
    WORD_ORDER = 0
    BETA = 2
    _PUNCTS = set("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
    _SIGNATURE_TYPE = CHRFSignature

    def __init__(
        self,
        char_order: int = CHAR_ORDER,
        word_order: int = WORD_ORDER,
        beta: int = BETA,
        lowercase: bool = False,
        whitespace: bool = False,
        eps_smoothing: bool = False,
        references: Sequence[Sequence[str]] | None = None,
    ):
        super().__init__()
        self.beta = beta
        self.char_order = _check_int(char_order, "char_order", 0)
        self.word_order = _check_int(word_order, "word_order", 0)
        if self.char_order + self.word_order == 0:
            raise InputValueError("char_order + word_order must be >= 1")
        self.order = self.char_order + self.word_order
        self.lowercase = _check_bool(lowercase, "lowercase")
        self.whitespace = _check_bool(whitespace, "whitespace")
        self.eps_smoothing = _check_bool(eps_smoothing, "eps_smoothing")
        if references is not None:
            self._ref_cache = self._cache_references(references)

    def _preprocess_segment(self, sent: str) -> str:
        return sent.lower() if self.lowercase else sent

    def _native_stats(self, hypotheses, refs) -> tuple:
        return _native.chrf_stats(
            hypotheses,
            refs,
            self.char_order,
            self.word_order,
            float(self.beta),
            self.lowercase,
            self.whitespace,
            self.eps_smoothing,
            None,
        )

    def _compute_f_score(self, statistics: list[int]) -> float:
        """chrF from flattened [hyp, ref, match] counts per order (sacrebleu's formula)."""
        eps = 1e-16
        score = 0.0
        effective_order = 0
        factor = self.beta**2
        avg_prec, avg_rec = 0.0, 0.0
        for i in range(self.order):
            n_hyp, n_ref, n_match = statistics[3 * i : 3 * i + 3]
            prec = n_match / n_hyp if n_hyp > 0 else eps
            rec = n_match / n_ref if n_ref > 0 else eps
            denom = factor * prec + rec
            score += ((1 + factor) * prec * rec / denom) if denom > 0 else eps
            if n_hyp > 0 and n_ref > 0:
                avg_prec += prec
                avg_rec += rec
                effective_order += 1
        if self.eps_smoothing:
            return 100 * score / self.order
        if effective_order == 0:
            avg_prec = avg_rec = 0.0
        else:
            avg_prec /= effective_order
            avg_rec /= effective_order
        if avg_prec + avg_rec:
            score = (1 + factor) * avg_prec * avg_rec
            score /= (factor * avg_prec) + avg_rec
            return 100 * score
        return 0.0

    def _compute_score_from_stats(self, stats: list[int]) -> CHRFScore:
        return CHRFScore(self._compute_f_score(stats), self.char_order, self.word_order, self.beta)

    def _aggregate_and_compute(self, stats: list[list[int]]) -> CHRFScore:
        return self._compute_score_from_stats(sum_of_lists(stats))
