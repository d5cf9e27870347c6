"""Drop-in for Hugging Face ``evaluate``'s text metrics: ``from lexmetrics.compat import evaluate``.

``evaluate.load(name)`` for ``rouge``, ``bleu``, ``sacrebleu``, ``chrf``, ``ter`` and ``google_bleu`` returns
an object whose ``compute(predictions=..., references=..., **kwargs)``, ``add_batch`` and ``add`` take
the arguments of the evaluate metric script of that name and return the same dictionary (keys,
types, scale), with the numbers of the packages those scripts call (rouge-score, sacrebleu, nltk),
computed by lexmetrics' native core. No hub access is needed.

- ``rouge``: rouge-score's ``RougeScorer`` (``score_multi`` with several references) and, with
  ``use_aggregator=True`` (the default), its ``BootstrapAggregator`` median of 1000 bootstrap means,
  drawn from numpy's global random state exactly as the script does; pass ``seed=`` to draw from
  ``np.random.RandomState(seed)`` instead (the number evaluate gives after ``np.random.seed(seed)``).
  ``lexmetrics.rouge(...)[type].mean()`` is the exact, unsampled mean.
- ``bleu``: the TensorFlow-NMT ``compute_bleu`` the script ships (shortest reference length, add-one
  smoothing of every order with ``smooth=True``, 0..1 scale), tokens from evaluate's ``Tokenizer13a``
  or a ``tokenizer=`` callable.
- ``google_bleu``: nltk's ``corpus_gleu`` over the same tokens (``min_len``, ``max_len``).
- ``sacrebleu`` / ``chrf`` / ``ter``: ``sacrebleu.corpus_bleu`` / ``CHRF`` / ``TER`` ``.corpus_score``
  (same number of references per prediction, as the scripts require); options at ``load(...)`` or
  ``compute(...)``.
"""

from __future__ import annotations

from typing import Any

from ..._errors import InputValueError
from . import _metrics

__all__ = ["load", "list_evaluation_modules", "EvaluationModule"]


class EvaluationModule:
    """One metric: accumulates ``add`` / ``add_batch`` inputs; ``compute`` scores them and clears them."""

    def __init__(self, name: str, config: dict[str, Any]) -> None:
        self.name = name
        self.config = dict(config)
        self._predictions: list[Any] = []
        self._references: list[Any] = []

    def add(self, *, prediction: Any = None, reference: Any = None, **kwargs: Any) -> None:
        """Adds one prediction and its reference(s)."""
        self._check_extra(kwargs, "add")
        self._predictions.append(prediction)
        self._references.append(reference)

    def add_batch(self, *, predictions: Any = None, references: Any = None, **kwargs: Any) -> None:
        """Adds a batch of predictions and their references."""
        self._check_extra(kwargs, "add_batch")
        if predictions is None or references is None:
            raise InputValueError(f"{self.name}.add_batch needs both predictions and references")
        predictions, references = list(predictions), list(references)
        if len(predictions) != len(references):
            raise InputValueError(
                f"Mismatch in the number of predictions ({len(predictions)}) and references ({len(references)})"
            )
        self._predictions.extend(predictions)
        self._references.extend(references)

    def compute(
        self, *, predictions: Any = None, references: Any = None, **kwargs: Any
    ) -> dict[str, Any] | None:
        """Scores everything added plus ``predictions`` / ``references``; the added data is then cleared."""
        if predictions is not None or references is not None:
            self.add_batch(predictions=predictions, references=references)
        preds, refs = self._predictions, self._references
        self._predictions, self._references = [], []
        if not preds:
            raise InputValueError(f"{self.name}.compute: no predictions were given or added")
        options = {**self.config, **kwargs}
        return _metrics.COMPUTE[self.name](preds, refs, **options)

    def _check_extra(self, kwargs: dict[str, Any], what: str) -> None:
        if kwargs:
            raise InputValueError(f"{self.name}.{what} got unexpected arguments {sorted(kwargs)}")

    def __repr__(self) -> str:
        return f"EvaluationModule(name={self.name!r}, module_type='metric', lexmetrics=True)"


def list_evaluation_modules() -> list[str]:
    """The metric names :func:`load` accepts."""
    return sorted(_metrics.COMPUTE)


def load(path: str, config_name: str | None = None, **config: Any) -> EvaluationModule:
    """``evaluate.load(path)`` for the metrics lexmetrics computes; ``config`` holds default options."""
    name = path.rsplit("/", 1)[-1]  # "evaluate-metric/rouge" and "rouge" alike
    if name not in _metrics.COMPUTE:
        raise InputValueError(
            f"lexmetrics.compat.evaluate has no metric {path!r}; available: {list_evaluation_modules()}"
        )
    # evaluate's hub-loading arguments do not change the numbers.
    for k in (
        "module_type",
        "process_id",
        "num_process",
        "cache_dir",
        "experiment_id",
        "keep_in_memory",
        "download_config",
        "download_mode",
        "revision",
        "trust_remote_code",
    ):
        config.pop(k, None)
    return EvaluationModule(name, config)
