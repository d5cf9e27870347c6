"""Drop-in for nltk's BLEU: ``from lexmetrics.compat.nltk.translate.bleu_score import corpus_bleu``.

Mirrors nltk's module path; see :mod:`lexmetrics.compat.nltk.translate.bleu_score`.
"""
