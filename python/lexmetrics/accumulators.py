"""Mergeable metric accumulators for training and evaluation loops.

An accumulator folds batches of ``(prediction, references)`` pairs into a fixed-size state and computes
the corpus score at the end::

    acc = lexmetrics.accumulators.Accumulators(("rouge1", "rougeL", "bleu", "chrf"))
    for batch in loader:
        acc.update(batch_predictions, batch_references)
    acc.sync()              # optional: exact all_reduce across torch.distributed ranks
    scores = acc.compute()  # {"rouge1": ..., "rougeL": ..., "bleu": ..., "chrf": ...}
    acc.reset()

The state never grows with the number of pairs and merges by integer addition, so it can be summed
across processes (``merge``, ``torch.distributed.all_reduce``) with no loss:

- BLEU and chrF keep sacrebleu's corpus statistics (integer n-gram counts and lengths), so ``compute()``
  equals ``corpus_bleu`` / ``corpus_chrf`` of all the data, whatever the batching or number of ranks.
- ROUGE keeps exact sums of the per-pair precision, recall and F (``_exactsum``) and the pair count, so
  ``compute()`` is the correctly rounded mean of the per-pair rouge-score values, bit for bit equal
  however the data was split.

Scales follow the reference packages: ROUGE in [0, 1] (rouge-score), BLEU and chrF in [0, 100]
(sacrebleu). This module needs only numpy; ``sync()`` imports torch lazily.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from ._aggregate import StateFold, Tally
from ._columns import ref_counts
from ._errors import InputTypeError, InputValueError
from ._metric_specs import BleuSpec, ChrfSpec, MetricSpec, RougeSpec, build_specs, check_options

__all__ = [
    "MetricAccumulator",
    "RougeAccumulator",
    "BleuAccumulator",
    "ChrfAccumulator",
    "Accumulators",
]

_STATE_FORMAT = 1
# _exactsum keeps per-exponent sums of 27-bit mantissa halves in int64: exact up to 2**36 values.
MAX_PAIRS = 1 << 36


def _spec_config(spec: MetricSpec) -> dict[str, Any]:
    cfg: dict[str, Any] = {"kind": type(spec).__name__}
    for k, v in dataclasses.asdict(spec).items():  # type: ignore[call-overload]
        if k == "nrefs":  # a property of the data (the signature's nrefs), not an option
            continue
        cfg[k] = list(v) if isinstance(v, tuple) else v
    return cfg


def _without_nrefs(cfg: Any) -> Any:
    # state_dicts written before nrefs left the config carried nrefs: 1 in each BLEU/chrF entry
    if isinstance(cfg, list):
        return [
            {k: v for k, v in c.items() if k != "nrefs"} if isinstance(c, dict) else c for c in cfg
        ]
    return cfg


def _as_batch(predictions: Any, references: Any) -> tuple[list, list]:
    if isinstance(predictions, (str, bytes)):
        raise InputTypeError("predictions must be a sequence of str, not a single str")
    if isinstance(references, (str, bytes)):
        raise InputTypeError(
            "references must be a sequence (of str or of lists of str), not a single str"
        )
    preds = list(predictions)
    refs = [list(r) if isinstance(r, tuple) else r for r in references]
    if len(preds) != len(refs):
        raise InputValueError(
            f"predictions and references differ in length: {len(preds)} != {len(refs)}"
        )
    return preds, refs


class MetricAccumulator:
    """Accumulates one or more metrics over batches; the state is a fixed-size set of int64 arrays.

    Subclasses choose the metrics. Every method that changes the state returns ``self``.
    """

    def __init__(self, specs: Sequence[MetricSpec], *, workers: int | None = None) -> None:
        self._fold = StateFold(specs)
        self._workers = workers
        self._synced = False

    @property
    def _specs(self) -> list[MetricSpec]:
        return self._fold.specs

    @property
    def _tally(self) -> Tally:
        return self._fold.tally()

    @property
    def _n(self) -> int:
        return self._tally.n

    @property
    def _nrefs(self) -> tuple[int, int]:
        # Fewest and most references of any pair so far (0, 0 when empty): the signature's nrefs
        # is the number when they agree, "var" otherwise, as sacrebleu's.
        return self._tally.ref_range()

    @_nrefs.setter
    def _nrefs(self, value: tuple[int, int]) -> None:  # the range summed over ranks (torch_dist)
        lo, hi = value
        self._tally.nrefs = {} if hi == 0 else {lo: 1, hi: 1}

    # -- accumulation -------------------------------------------------------------------------
    def update(self, predictions: Sequence[str], references: Sequence[Any]) -> MetricAccumulator:
        """Adds a batch. ``references[i]`` is a str or a list of str (multiple references)."""
        if self._synced:
            raise InputValueError(
                "this accumulator already holds the sum over all ranks (sync() was called); "
                "call reset() before adding new data"
            )
        preds, refs = _as_batch(predictions, references)
        if not preds:
            return self
        if self._n + len(preds) > MAX_PAIRS:
            raise InputValueError(f"an accumulator holds at most {MAX_PAIRS} pairs")
        # All statistics first, then the state: a bad batch leaves the state untouched.
        stats = [s.stats(preds, refs, self._workers) for s in self._specs]
        self._fold.add(stats, ref_counts=ref_counts(refs))
        return self

    def merge(self, other: MetricAccumulator) -> MetricAccumulator:
        """Adds the state of ``other`` (same metrics and options) to this one."""
        if not isinstance(other, MetricAccumulator):
            raise InputTypeError(f"can only merge another accumulator, not {type(other).__name__}")
        if other.config() != self.config():
            raise InputValueError(
                f"cannot merge accumulators with different options: {other.config()} != {self.config()}"
            )
        if self._n + other._n > MAX_PAIRS:
            raise InputValueError(f"an accumulator holds at most {MAX_PAIRS} pairs")
        self._fold.merge(other._fold)
        return self

    def reset(self) -> MetricAccumulator:
        """Forgets all data (back to the freshly constructed state)."""
        self._fold = StateFold(self._specs)
        self._synced = False
        return self

    def sync(self, process_group: Any = None) -> MetricAccumulator:
        """Replaces the state by its exact sum over the ranks of ``process_group`` (torch.distributed).

        A collective: every rank must call it. A no-op when torch.distributed is not initialized or the
        world has one rank. See :func:`lexmetrics.integrations.torch_dist.sync`.
        """
        from .integrations.torch_dist import sync

        return sync(self, process_group=process_group)

    # -- results ------------------------------------------------------------------------------
    @property
    def count(self) -> int:
        """Number of pairs added."""
        return self._n

    def __len__(self) -> int:
        return self._n

    @property
    def nrefs(self) -> int | str:
        """References per pair as sacrebleu's signatures say it: a number, or ``"var"``."""
        lo, hi = self._nrefs
        return "var" if lo != hi else max(hi, 1)

    def compute(self) -> dict[str, float]:
        """The headline scores as plain floats (ROUGE F-measure in [0, 1], BLEU and chrF in [0, 100])."""
        out: dict[str, float] = {}
        for spec, state in zip(self._specs, self._tally.states, strict=True):
            out.update(
                {k: float(v) for k, v in spec.headline(spec.compute(state, self._n)).items()}
            )
        return out

    def result(self) -> dict[str, Any]:
        """The full results: ROUGE precision/recall/F, BLEU counts and brevity penalty, signatures."""
        t = self._tally
        specs = self._fold.signature_specs(t)
        return {
            spec.name: spec.compute(state, t.n) for spec, state in zip(specs, t.states, strict=True)
        }

    # -- state --------------------------------------------------------------------------------
    def config(self) -> list[dict[str, Any]]:
        """The metrics and options (what must agree for two states to merge)."""
        return [_spec_config(s) for s in self._specs]

    def state_dict(self) -> dict[str, Any]:
        """A checkpointable copy of the state: ``count``, one int64 array per metric family, config."""
        return {
            "format": _STATE_FORMAT,
            "config": self.config(),
            "count": self._n,
            "states": [s.copy() for s in self._tally.states],
            "nrefs": list(self._nrefs),
        }

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> MetricAccumulator:
        """Restores a :meth:`state_dict` (arrays may be numpy arrays, lists or torch tensors)."""
        try:
            fmt, cfg, n, states = (
                state_dict["format"],
                state_dict["config"],
                state_dict["count"],
                state_dict["states"],
            )
        except (KeyError, TypeError) as exc:
            raise InputValueError(f"not an accumulator state_dict: missing {exc}") from exc
        if not isinstance(states, (list, tuple)):
            raise InputValueError("state_dict['states'] must be a list of arrays")
        if fmt != _STATE_FORMAT:
            raise InputValueError(
                f"unsupported state_dict format {fmt!r} (expected {_STATE_FORMAT})"
            )
        cfg = _without_nrefs(cfg)
        if cfg != self.config():
            raise InputValueError(
                f"state_dict options {cfg} differ from this accumulator's {self.config()}"
            )
        mine = self._tally.states
        if len(states) != len(mine):
            raise InputValueError(f"expected {len(mine)} states, got {len(states)}")
        new_states = []
        for i, (s, ref) in enumerate(zip(states, mine, strict=True)):
            if hasattr(s, "detach"):  # a torch tensor
                s = s.detach().cpu().numpy()
            arr = np.array(s, dtype=np.int64)
            if arr.shape != ref.shape:
                raise InputValueError(f"state {i} has shape {arr.shape}, expected {ref.shape}")
            new_states.append(arr)
        n = int(n)
        if not 0 <= n <= MAX_PAIRS:
            raise InputValueError(f"invalid count {n}")
        # A state_dict from before nrefs was kept: one reference per pair, as its signatures said.
        nrefs = state_dict.get("nrefs", (1, 1) if n else (0, 0))
        try:
            lo, hi = (int(x) for x in nrefs)
        except (TypeError, ValueError):
            raise InputValueError(
                f"state_dict['nrefs'] must be [fewest, most], got {nrefs!r}"
            ) from None
        if not (0 <= lo <= hi) or (n > 0) != (hi > 0):
            raise InputValueError(f"invalid state_dict['nrefs'] {nrefs!r} for {n} pairs")
        self._fold = StateFold(self._specs)
        t = self._tally
        t.states, t.n, self._synced = new_states, n, False
        self._nrefs = (lo, hi)
        return self

    # The flat int64 vector that a distributed sum reduces (count last).
    def _flat_state(self) -> np.ndarray:
        t = self._tally
        return np.concatenate([s.ravel() for s in t.states] + [np.array([t.n], dtype=np.int64)])

    def _set_flat_state(self, flat: np.ndarray) -> None:
        flat = np.asarray(flat, dtype=np.int64)
        t = self._tally
        pos = 0
        states = []
        for s in t.states:
            states.append(flat[pos : pos + s.size].reshape(s.shape).copy())
            pos += s.size
        n = int(flat[pos])
        if not 0 <= n <= MAX_PAIRS:
            raise InputValueError(
                f"the summed state holds {n} pairs, more than the exact limit {MAX_PAIRS}"
            )
        t.states, t.n = states, n

    def __repr__(self) -> str:
        names = ", ".join(s.name for s in self._specs)
        return f"{type(self).__name__}({names}; {self._n} pairs)"


class RougeAccumulator(MetricAccumulator):
    """Mean ROUGE precision, recall and F over pairs (rouge-score 0.1.2 per pair, exact mean).

    ``compute()`` returns ``{rouge_type: mean F}``; ``result()`` adds precision and recall.
    ``tokenizer`` is a native profile name (``"default"``, ``"unicode"``, ``"cjk"``,
    ``"whitespace"``; docs/rouge-tokenizers.md).
    """

    def __init__(
        self,
        rouge_types: Iterable[str] = ("rouge1", "rouge2", "rougeL"),
        *,
        use_stemmer: bool = False,
        split_summaries: bool = False,
        tokenizer: str = "default",
        workers: int | None = None,
    ) -> None:
        if isinstance(rouge_types, str):
            rouge_types = (rouge_types,)
        types = tuple(rouge_types)
        specs = build_specs(
            types,
            use_stemmer=use_stemmer,
            split_summaries=split_summaries,
            rouge_tokenizer=tokenizer,
        )
        if len(specs) != 1 or not isinstance(specs[0], RougeSpec):
            raise InputValueError(f"rouge_types must name ROUGE types only, got {types}")
        super().__init__(specs, workers=workers)


class BleuAccumulator(MetricAccumulator):
    """Corpus BLEU from summed sacrebleu statistics; ``compute()["bleu"] == corpus_bleu(...).score``."""

    def __init__(
        self,
        *,
        tokenize: str = "13a",
        smooth_method: str = "exp",
        smooth_value: float | None = None,
        lowercase: bool = False,
        use_effective_order: bool = False,
        max_ngram_order: int = 4,
        workers: int | None = None,
    ) -> None:
        spec = BleuSpec(
            tokenize=tokenize,
            smooth_method=smooth_method,
            smooth_value=smooth_value,
            lowercase=lowercase,
            use_effective_order=use_effective_order,
            max_ngram_order=max_ngram_order,
        )
        super().__init__([spec], workers=workers)


class ChrfAccumulator(MetricAccumulator):
    """Corpus chrF / chrF++ from summed statistics; ``compute()`` equals ``corpus_chrf(...).score``.

    The key is ``"chrf"``, or ``"chrf++"`` when ``word_order > 0``.
    """

    def __init__(
        self,
        *,
        char_order: int = 6,
        word_order: int = 0,
        beta: int = 2,
        lowercase: bool = False,
        whitespace: bool = False,
        eps_smoothing: bool = False,
        workers: int | None = None,
    ) -> None:
        spec = ChrfSpec(
            char_order=char_order,
            word_order=word_order,
            beta=beta,
            lowercase=lowercase,
            whitespace=whitespace,
            eps_smoothing=eps_smoothing,
        )
        super().__init__([spec], workers=workers)


class Accumulators(MetricAccumulator):
    """Several metrics over the same pairs, by name: ``rouge1``..``rouge9``, ``rougeL``, ``rougeLsum``,
    ``bleu``, ``chrf``, ``chrf++``. Options are those of :func:`lexmetrics._metric_specs.build_specs`
    (``use_stemmer``, ``rouge_tokenizer``, ``tokenize``, ``smooth_method``, ``chrf_word_order``, ...).

    ``compute()`` returns one float per metric name.
    """

    def __init__(
        self,
        metrics: Iterable[str] = ("rouge1", "rouge2", "rougeL", "bleu", "chrf"),
        *,
        workers: int | None = None,
        **options: Any,
    ) -> None:
        if isinstance(metrics, str):
            metrics = (metrics,)
        check_options(options)
        specs = build_specs(tuple(metrics), **options)
        super().__init__(specs, workers=workers)
