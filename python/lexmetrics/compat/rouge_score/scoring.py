"""Mirror of ``rouge_score.scoring``: ``Score``, ``AggregateScore``, ``BaseScorer``,
``BootstrapAggregator`` and ``fmeasure``.

``BootstrapAggregator`` makes exactly the reference's numpy calls, so under the same
``np.random.seed(s)`` it returns the same intervals; ``seed=`` (an addition) draws from a private
``np.random.RandomState(seed)`` instead of the global state.
"""

from __future__ import annotations

import abc
import collections

import numpy as np


class Score(collections.namedtuple("Score", ["precision", "recall", "fmeasure"])):
    """Tuple containing precision, recall, and f-measure values."""


class BaseScorer(metaclass=abc.ABCMeta):
    """Base class for Scorer objects."""

    @abc.abstractmethod
    def score(self, target: str, prediction: str) -> dict[str, Score]:
        """Calculates score between the target and prediction."""


class AggregateScore(collections.namedtuple("AggregateScore", ["low", "mid", "high"])):
    """Tuple containing confidence intervals for scores."""


class BootstrapAggregator:
    """Aggregates scores to provide confidence intervals (bootstrap over the mean).

    Note (as in rouge-score): ``mid`` is the median of the bootstrap means, not the plain mean.
    """

    def __init__(self, confidence_interval=0.95, n_samples=1000, seed=None):
        if confidence_interval < 0 or confidence_interval > 1:
            raise ValueError("confidence_interval must be in range [0, 1]")
        if n_samples <= 0:
            raise ValueError("n_samples must be positive")
        self._n_samples = n_samples
        self._confidence_interval = confidence_interval
        self._scores = collections.defaultdict(list)
        self._rng = None if seed is None else np.random.RandomState(seed)

    def add_scores(self, scores):
        """Adds a sample (a dict score_type -> Score) for future aggregation."""
        for score_type, score in scores.items():
            self._scores[score_type].append(score)

    def aggregate(self):
        """A dict mapping score_type to AggregateScore objects."""
        result = {}
        for score_type, scores in self._scores.items():
            score_matrix = np.vstack(tuple(scores))
            percentiles = self._bootstrap_resample(score_matrix)
            intervals = tuple(scores[0].__class__(*percentiles[j, :]) for j in range(3))
            result[score_type] = AggregateScore(
                low=intervals[0], mid=intervals[1], high=intervals[2]
            )
        return result

    def _bootstrap_resample(self, matrix):
        # The reference's exact sequence of numpy calls (same draws under the same seed).
        rng = np.random if self._rng is None else self._rng
        sample_mean = np.zeros((self._n_samples, matrix.shape[1]))
        for i in range(self._n_samples):
            sample_idx = rng.choice(np.arange(matrix.shape[0]), size=matrix.shape[0])
            sample = matrix[sample_idx, :]
            sample_mean[i, :] = np.mean(sample, axis=0)
        percentile_delta = (1 - self._confidence_interval) / 2
        q = 100 * np.array([percentile_delta, 0.5, 1 - percentile_delta])
        return np.percentile(sample_mean, q, axis=0)


def fmeasure(precision, recall):
    """Computes f-measure given precision and recall values."""
    if precision + recall > 0:
        return 2 * precision * recall / (precision + recall)
    else:
        return 0.0
