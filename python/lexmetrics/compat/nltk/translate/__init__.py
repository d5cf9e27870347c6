"""nltk.translate's BLEU (:mod:`.bleu_score`), with the n-gram counting done natively."""

from __future__ import annotations

from . import bleu_score

__all__ = ["bleu_score"]
