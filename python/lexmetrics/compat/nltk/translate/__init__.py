"""nltk.translate's BLEU (:mod:`.bleu_score`), with the n-gram counting done natively."""

from . import bleu_score

__all__ = ["bleu_score"]
