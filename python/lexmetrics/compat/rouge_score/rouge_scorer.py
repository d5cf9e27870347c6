"""Mirror of ``rouge_score.rouge_scorer``: ``RougeScorer`` with ``score``, ``score_multi`` and a
batched ``score_batch``, computed by the lexmetrics Rust core with identical results."""

from __future__ import annotations

from ..._rouge import _check_types, _score_arrays
from . import scoring, tokenizers

__all__ = ["RougeScorer"]

_ZERO = scoring.Score(precision=0, recall=0, fmeasure=0)


def _native_stemming(tokenizer):
    """``use_stemmer`` if ``tokenizer`` is a default tokenizer the core reproduces, else None."""
    if isinstance(tokenizer, tokenizers.DefaultTokenizer):
        return tokenizer.use_stemmer
    cls = type(tokenizer)
    if cls.__module__ == "rouge_score.tokenizers" and cls.__name__ == "DefaultTokenizer":
        stemmer = getattr(tokenizer, "_stemmer", None)
        if stemmer is None:
            return False
        if type(stemmer).__name__ == "PorterStemmer" and getattr(stemmer, "mode", None) == "NLTK_EXTENSIONS":
            return True
    return None


class RougeScorer(scoring.BaseScorer):
    """Calculate rouge scores between two blobs of text (rouge-score 0.1.2 semantics).

    Sample usage:
      scorer = RougeScorer(['rouge1', 'rougeL'], use_stemmer=True)
      scores = scorer.score('The quick brown fox jumps over the lazy dog',
                            'The quick brown dog jumps on the log.')
    """

    def __init__(self, rouge_types, use_stemmer=False, split_summaries=False, tokenizer=None):
        self.rouge_types = rouge_types
        if tokenizer:
            self._tokenizer = tokenizer
        else:
            self._tokenizer = tokenizers.DefaultTokenizer(use_stemmer)
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
        """Rouge scores of ``prediction`` against ``target``: a dict type -> Score."""
        return self._run([target], [prediction])[0]

    def score_multi(self, targets, prediction):
        """Per rouge type, the Score of the target with the highest F (the first on ties)."""
        if isinstance(targets, str):
            targets = [targets]
        targets = list(targets)
        if not targets:
            raise ValueError("attempt to get argmax of an empty sequence")
        return self._run([targets], [prediction])[0]

    def score_batch(self, targets, predictions, workers=None):
        """``[score(t, p) for t, p in zip(targets, predictions)]`` in one parallel native call;
        a list in ``targets[i]`` scores like ``score_multi``."""
        return self._run(targets, predictions, workers)
