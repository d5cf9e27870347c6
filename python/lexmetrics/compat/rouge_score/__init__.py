"""Drop-in for ``rouge_score`` 0.1.2: change ``from rouge_score import rouge_scorer, scoring`` to
``from lexmetrics.compat.rouge_score import rouge_scorer, scoring``. Same classes, same numbers."""

from . import rouge_scorer, scoring, tokenizers

__all__ = ["rouge_scorer", "scoring", "tokenizers"]
