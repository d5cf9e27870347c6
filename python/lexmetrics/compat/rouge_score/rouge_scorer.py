"""Mirror of ``rouge_score.rouge_scorer``: ``RougeScorer`` (``score``, ``score_multi`` and a
batched ``score_batch``) computed by the lexmetrics Rust core with identical results, plus the
module's helpers (``lcs_ind`` and the private ``_lcs_table``, ``_score_lcs``, ... that some
scripts call).

Default options are equivalent to running ROUGE-1.5.5.pl -e data -n 2 -a settings.xml, or with
use_stemmer=True, ROUGE-1.5.5.pl -m -e data -n 2 -a settings.xml (as rouge-score documents).
"""

from __future__ import annotations

import collections
import logging
from typing import Any

from ... import _native
from ..._rouge import _check_types, _remap_tokens, _score_arrays
from . import scoring, tokenizers
from .tokenize import is_native_porter

__all__ = ["RougeScorer", "lcs_ind"]

_ZERO = scoring.Score(precision=0, recall=0, fmeasure=0)
_log = logging.getLogger(__name__)


def _native_stemming(tokenizer):
    """``use_stemmer`` if ``tokenizer`` tokenizes as the default tokenizer the core reproduces,
    else None (the tokenizer is then called from Python)."""
    if type(tokenizer).tokenize is tokenizers.DefaultTokenizer.tokenize:
        return tokenizer.use_stemmer
    cls = type(tokenizer)
    if cls.__module__ == "rouge_score.tokenizers" and cls.__name__ == "DefaultTokenizer":
        # rouge-score's own DefaultTokenizer passed to this scorer: same tokens when its stemmer
        # is None or nltk's default Porter stemmer.
        stemmer = getattr(tokenizer, "_stemmer", None)
        if not stemmer:
            return False
        if is_native_porter(stemmer):
            return True
    return None


class RougeScorer(scoring.BaseScorer):
    """Calculate rouges scores between two blobs of text.

    Sample usage:
      scorer = RougeScorer(['rouge1', 'rougeL'], use_stemmer=True)
      scores = scorer.score('The quick brown fox jumps over the lazy dog',
                            'The quick brown dog jumps on the log.')
    """

    def __init__(self, rouge_types, use_stemmer=False, split_summaries=False, tokenizer=None):
        """Initializes a new RougeScorer.

        Valid rouge types that can be computed are: rougen (rouge1 ... rouge9): n-gram based
        scoring; rougeL: longest common subsequence; rougeLsum: summary-level LCS over
        newline-separated sentences.

        Args:
          rouge_types: A list of rouge types to calculate.
          use_stemmer: Whether the default tokenizer Porter-stems tokens longer than 3 chars.
          split_summaries: whether to add newlines between sentences for rougeLsum (nltk).
          tokenizer: Tokenizer object which has a tokenize() method.
        """
        self.rouge_types = rouge_types
        if tokenizer:
            self._tokenizer = tokenizer
        else:
            self._tokenizer = tokenizers.DefaultTokenizer(use_stemmer)
            _log.info("Using default tokenizer.")
        self._split_summaries = split_summaries

    def _run(self, targets, predictions, workers=None):
        types = list(self.rouge_types)
        if not types:
            return [{} for _ in predictions]
        types = _check_types(types)
        stem = _native_stemming(self._tokenizer)
        tok = None if stem is not None else self._tokenizer
        arr, iz, n = _score_arrays(
            predictions, targets, types, bool(stem), bool(self._split_summaries), tok, workers
        )
        Score = scoring.Score
        cols = []
        for k in range(len(types)):
            p, r, f = arr[k].tolist()
            z = iz[k].tolist()
            cols.append([_ZERO if zk else Score(pi, ri, fi) for pi, ri, fi, zk in zip(p, r, f, z)])
        return [dict(zip(types, row)) for row in zip(*cols)]

    def score(self, target, prediction):
        """Calculates rouge scores between the target and prediction.

        Returns:
          A dict mapping each rouge type to a Score object.
        Raises:
          ValueError: If an invalid rouge type is encountered.
        """
        return self._run([target], [prediction])[0]

    def score_multi(self, targets, prediction):
        """Calculates rouge scores between targets and prediction.

        Per rouge type, the target with the maximum f-measure gives the Score (the first on ties).

        Returns:
          A dict mapping each rouge type to a Score object.
        Raises:
          ValueError: If an invalid rouge type is encountered, or ``targets`` is empty.
        """
        if isinstance(targets, str):
            targets = [targets]
        targets = list(targets)
        if not targets:
            raise ValueError("attempt to get argmax of an empty sequence")
        return self._run([targets], [prediction])[0]

    def score_batch(self, targets, predictions, workers=None):
        """``[score(t, p) for t, p in zip(targets, predictions)]`` in one parallel native call
        (an addition to rouge-score's API); a list in ``targets[i]`` scores like ``score_multi``."""
        return self._run(targets, predictions, workers)


def _native_score(rouge_type, target, prediction):
    """One Score from the core for pre-tokenized documents: token lists (rougeL) or lists of
    sentence token lists (rougeLsum). Tokens may be any hashable values."""
    docs: list[tuple[Any, Any]]
    if rouge_type == "rougeLsum":
        docs = [(None, list(map(list, prediction))), (None, list(map(list, target)))]
    else:
        docs = [(list(prediction), None), (list(target), None)]
    docs = _remap_tokens(docs)
    flat, iz = _native.rouge_docs(docs[:1], docs[1:], [0, 1], [rouge_type], False, None)
    if iz[0]:
        return _ZERO
    p, r, f = flat.tolist()
    return scoring.Score(precision=p, recall=r, fmeasure=f)


def _create_ngrams(tokens, n):
    """A Counter mapping each n-gram (a tuple of n tokens) to its number of occurrences."""
    return collections.Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def _score_lcs(target_tokens, prediction_tokens):
    """ROUGE-L Score (longest common subsequence) of two token lists."""
    if not target_tokens or not prediction_tokens:
        return _ZERO
    return _native_score("rougeL", target_tokens, prediction_tokens)


def _lcs_table(ref, can):
    """The (len(ref)+1) x (len(can)+1) dynamic-programming table of LCS lengths."""
    cols = len(can)
    table = [[0] * (cols + 1)]
    for r in ref:
        prev = table[-1]
        row = [0] * (cols + 1)
        for j in range(1, cols + 1):
            row[j] = prev[j - 1] + 1 if r == can[j - 1] else max(prev[j], row[j - 1])
        table.append(row)
    return table


def _backtrack_norec(t, ref, can):
    """Indices into ``ref`` of one LCS read back from table ``t`` (rouge-score's tie order)."""
    i, j = len(ref), len(can)
    lcs = []
    while i > 0 and j > 0:
        if ref[i - 1] == can[j - 1]:
            lcs.append(i - 1)
            i -= 1
            j -= 1
        elif t[i][j - 1] > t[i - 1][j]:
            j -= 1
        else:
            i -= 1
    lcs.reverse()
    return lcs


def lcs_ind(ref, can):
    """Returns one of the longest lcs (indices into ``ref``)."""
    return _backtrack_norec(_lcs_table(ref, can), ref, can)


def _find_union(lcs_list):
    """Sorted union of several lists of LCS indices."""
    return sorted(set().union(*lcs_list))


def _union_lcs(ref, c_list):
    """Tokens of ``ref`` in the union LCS of ``ref`` with each candidate sentence of ``c_list``."""
    return [ref[i] for i in _find_union([lcs_ind(ref, c) for c in c_list])]


def _summary_level_lcs(ref_sent, can_sent):
    """Summary-level LCS Score (ROUGE paper section 3.2, ROUGE-1.5.5's hit counting): lists of
    tokenized reference and candidate sentences."""
    if not ref_sent or not can_sent:
        return _ZERO
    if not sum(map(len, ref_sent)) or not sum(map(len, can_sent)):
        return _ZERO
    return _native_score("rougeLsum", ref_sent, can_sent)


def _score_ngrams(target_ngrams, prediction_ngrams):
    """ROUGE-N Score from two n-gram Counters (clipped overlap)."""
    overlap = 0
    for ngram in target_ngrams.keys():
        overlap += min(target_ngrams[ngram], prediction_ngrams[ngram])
    target_count = sum(target_ngrams.values())
    prediction_count = sum(prediction_ngrams.values())
    precision = overlap / max(prediction_count, 1)
    recall = overlap / max(target_count, 1)
    return scoring.Score(
        precision=precision, recall=recall, fmeasure=scoring.fmeasure(precision, recall)
    )
