"""Mirror of ``rouge_score.tokenizers``: the ``Tokenizer`` interface and ``DefaultTokenizer``.

New tokenizers subclass ``Tokenizer`` and override ``tokenize()``; ``RougeScorer`` accepts them
(and any object with a ``tokenize(text)`` method) through ``tokenizer=``.
"""

from __future__ import annotations

import abc

from . import tokenize  # noqa: F401  (rouge-score's tokenizers module exposes it too)

__all__ = ["Tokenizer", "DefaultTokenizer"]


class Tokenizer(abc.ABC):
    """Abstract base class for a tokenizer.

    Subclasses of Tokenizer must implement the tokenize() method.
    """

    @abc.abstractmethod
    def tokenize(self, text):
        raise NotImplementedError("Tokenizer must override tokenize() method")


class DefaultTokenizer(Tokenizer):
    """rouge-score's default tokenizer: lowercase ``[a-z0-9]+`` tokens, optionally Porter-stemmed
    (nltk's ``PorterStemmer``, reproduced by the Rust core; nltk is not needed)."""

    def __init__(self, use_stemmer=False):
        """Constructor for DefaultTokenizer.

        Args:
          use_stemmer: boolean, indicating whether Porter stemmer should be used to
          strip word suffixes to improve matching.
        """
        self.use_stemmer = bool(use_stemmer)

    def tokenize(self, text):
        return tokenize._native_tokens(tokenize._as_text(text), self.use_stemmer)
