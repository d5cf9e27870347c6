"""Mirror of ``rouge_score.tokenizers``: the tokenizer interface and the default tokenizer."""

from __future__ import annotations

import abc

from ... import _native


class Tokenizer(abc.ABC):
    """Abstract base class of a tokenizer: ``tokenize(text)`` returns a list of tokens."""

    @abc.abstractmethod
    def tokenize(self, text):
        raise NotImplementedError("Tokenizer must override tokenize() method")


class DefaultTokenizer(Tokenizer):
    """rouge-score's default tokenizer (lowercase ASCII ``[a-z0-9]+``, optional Porter stemming)."""

    def __init__(self, use_stemmer=False):
        self.use_stemmer = bool(use_stemmer)

    def tokenize(self, text):
        return _native.rouge_tokenize(text, self.use_stemmer)
