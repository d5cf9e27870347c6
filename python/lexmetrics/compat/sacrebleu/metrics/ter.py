"""sacrebleu ``metrics.ter``: ``TER``, ``TERScore`` and ``TERSignature`` (sacrebleu's tercom port).

Edit counts and reference lengths come from lexmetrics' native TER (python/lexmetrics/_ter.py).
"""

from __future__ import annotations

from collections.abc import Sequence

from .... import _native
from ..tokenizers.tokenizer_ter import TercomTokenizer
from ..utils import sum_of_lists
from .base import Metric, Score, Signature


class TERSignature(Signature):
    """The reproducibility signature for TER."""

    def __init__(self, args: dict):
        super().__init__(args)
        self._abbr.update({"case": "c", "tok": "t", "norm": "nr", "punct": "pn", "asian": "as"})
        self.info.update(
            {
                "case": "mixed" if args["case_sensitive"] else "lc",
                "tok": args["tokenizer_signature"],
                "norm": args["normalized"],
                "punct": not args["no_punct"],
                "asian": args["asian_support"],
            }
        )


class TERScore(Score):
    """A TER score with its edit count and (average) reference length."""

    def __init__(self, score: float, num_edits: float, ref_length: float):
        super().__init__("TER", score)
        self.num_edits = int(num_edits)
        self.ref_length = ref_length


class TER(Metric):
    """sacrebleu ``TER`` with edit counts from the Rust core."""

    _SIGNATURE_TYPE = TERSignature

    def __init__(
        self,
        normalized: bool = False,
        no_punct: bool = False,
        asian_support: bool = False,
        case_sensitive: bool = False,
        references: Sequence[Sequence[str]] | None = None,
    ):
        super().__init__()
        self.tokenizer = TercomTokenizer(
            normalized=normalized,
            no_punct=no_punct,
            asian_support=asian_support,
            case_sensitive=case_sensitive,
        )
        self.no_punct = no_punct
        self.normalized = normalized
        self.asian_support = asian_support
        self.case_sensitive = case_sensitive
        self.tokenizer_signature = self.tokenizer.signature()
        if references is not None:
            self._ref_cache = self._cache_references(references)

    def _preprocess_segment(self, sent: str) -> str:
        return self.tokenizer(sent.rstrip())

    def _native_stats(self, hypotheses, refs) -> tuple:
        return _native.ter_stats(
            hypotheses,
            refs,
            self.normalized,
            self.no_punct,
            self.asian_support,
            self.case_sensitive,
            None,
        )

    def _stats_to_lists(self, stats) -> list:
        # sacrebleu's per-segment statistics: [num_edits (int), average reference length (float)]
        return [[int(e), float(r)] for e, r in stats.tolist()]

    def _compute_score_from_stats(self, stats: list[float]) -> TERScore:
        total_edits, sum_ref_lengths = stats[0], stats[1]
        if sum_ref_lengths > 0:
            score = total_edits / sum_ref_lengths
        elif total_edits > 0:
            score = 1.0  # empty reference(s) and non-empty hypothesis
        else:
            score = 0.0  # both reference(s) and hypothesis are empty
        return TERScore(100 * score, total_edits, sum_ref_lengths)

    def _aggregate_and_compute(self, stats: list[list[float]]) -> TERScore:
        return self._compute_score_from_stats(sum_of_lists(stats))
