"""Mirror of ``rouge_score.tokenize``: ``tokenize(text, stemmer)`` and its module-level patterns.

The default tokenization (lowercase, ``[a-z0-9]+`` runs) and nltk's Porter stemmer in its default
``NLTK_EXTENSIONS`` mode run in the lexmetrics Rust core; any other stemmer object is called from
Python exactly as rouge-score calls it (same tokens, same order).
"""

from __future__ import annotations

import re

from ... import _native
from ..._errors import InputTypeError

__all__ = [
    "NON_ALPHANUM_PATTERN",
    "NON_ALPHANUM_RE",
    "SPACES_PATTERN",
    "SPACES_RE",
    "VALID_TOKEN_PATTERN",
    "VALID_TOKEN_RE",
    "tokenize",
]

NON_ALPHANUM_PATTERN = r"[^a-z0-9]+"
NON_ALPHANUM_RE = re.compile(NON_ALPHANUM_PATTERN)
SPACES_PATTERN = r"\s+"
SPACES_RE = re.compile(SPACES_PATTERN)
VALID_TOKEN_PATTERN = r"^[a-z0-9]+$"
VALID_TOKEN_RE = re.compile(VALID_TOKEN_PATTERN)

_NON_ASCII_RE = re.compile(r"[^\x00-\x7f]")


def is_native_porter(stemmer) -> bool:
    """True for an ``nltk.stem.porter.PorterStemmer`` (not a subclass) in ``NLTK_EXTENSIONS`` mode:
    the stemmer the Rust core reproduces word for word."""
    cls = type(stemmer)
    return (
        cls.__name__ == "PorterStemmer"
        and cls.__module__ == "nltk.stem.porter"
        and getattr(stemmer, "mode", None) == "NLTK_EXTENSIONS"
    )


class TextTypeError(InputTypeError, AttributeError):
    """``text`` is not str or bytes (rouge-score fails on ``text.lower()``: an AttributeError)."""


def _native_tokens(text, use_stemmer):
    try:
        return _native.rouge_tokenize(text, use_stemmer)
    except UnicodeEncodeError:
        # Lone surrogates cannot cross into Rust; like '?', they are separators here.
        return _native.rouge_tokenize(text.encode("utf-8", "replace").decode("utf-8"), use_stemmer)


def _as_text(text):
    if isinstance(text, bytes):
        # rouge-score lowercases the bytes (ASCII only), then decodes; every non-ASCII character
        # is a separator afterwards, so blanking it keeps str.lower() from changing it (K -> k).
        return _NON_ASCII_RE.sub(" ", text.lower().decode("utf-8"))
    if isinstance(text, str):
        return text
    raise TextTypeError(
        f"text must be str or bytes, got {type(text).__name__} "
        f"('{type(text).__name__}' object has no attribute 'lower')"
    )


def _ensure_str(token):
    if isinstance(token, str):
        return token
    if isinstance(token, bytes):
        return token.decode("utf-8")
    raise TypeError(f"not expecting type '{type(token)}'")


def tokenize(text, stemmer):
    """Tokenize input text into a list of tokens (rouge-score 0.1.2 semantics).

    Lowercases, replaces every character outside ``[a-z0-9]`` with a space, splits, stems tokens
    longer than 3 characters with ``stemmer`` (if truthy), and keeps tokens matching
    ``VALID_TOKEN_RE``.

    Args:
      text: A text blob to tokenize.
      stemmer: An optional stemmer (an object with a ``stem(word)`` method) or None.

    Returns:
      A list of string tokens extracted from input text.
    """
    text = _as_text(text)
    if not stemmer:
        return _native_tokens(text, False)
    if is_native_porter(stemmer):
        return _native_tokens(text, True)
    tokens = _native_tokens(text, False)
    # Only stem words more than 3 characters long (as rouge-score does).
    tokens = [_ensure_str(stemmer.stem(x)) if len(x) > 3 else x for x in tokens]
    return [x for x in tokens if VALID_TOKEN_RE.match(x)]
