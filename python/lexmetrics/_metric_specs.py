"""MetricSpec: each metric (with its options) as mergeable sufficient statistics.

Each metric maps a batch of (prediction, references) pairs to a per-pair statistics matrix, folds
those rows into a fixed-size state, and computes the corpus score from the state. States merge by
addition, exactly: BLEU and chrF states are integer count sums (corpus BLEU/chrF of the whole data),
ROUGE states are exact float sums (``_exactsum``) of per-pair precision, recall and F, so the corpus
mean is the correctly rounded mean whatever the chunking, worker count or number of machines.

The batch CLI, the training accumulators and the Spark integration all build on these specs.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import _exactsum, _native
from ._errors import InputTypeError, InputValueError

ROUGE_TYPES = tuple(f"rouge{i}" for i in range(1, 10)) + ("rougeL", "rougeLsum")
METRIC_NAMES = ROUGE_TYPES + ("bleu", "chrf", "chrf++", "ter")


class MetricSpec(ABC):
    """One metric (or one family computed together) with its options: stats -> state -> result."""

    name: str

    @abstractmethod
    def columns(self) -> list[str]:
        """Names of the per-pair statistics columns."""

    @abstractmethod
    def stats(self, predictions: Any, references: Any, workers: int | None) -> np.ndarray:
        """Per-pair statistics, shape (N, len(columns()))."""

    @abstractmethod
    def empty_state(self) -> np.ndarray:
        """The state of no pairs (fixed size, int64)."""

    @abstractmethod
    def add(self, state: np.ndarray, stats: np.ndarray) -> np.ndarray:
        """Folds per-pair ``stats`` rows into ``state`` (in place) and returns it."""

    @abstractmethod
    def compute(self, state: np.ndarray, n: int) -> dict[str, Any]:
        """The corpus result of a state holding ``n`` pairs, as a JSON-able dict."""

    @abstractmethod
    def weighted_scores(self, stats: np.ndarray, weights: np.ndarray) -> np.ndarray:
        """Headline score of each bootstrap resample: ``weights`` (B, N) counts of each pair."""

    @abstractmethod
    def per_pair(self, stats: np.ndarray) -> dict[str, np.ndarray]:
        """Per-pair output columns."""

    @abstractmethod
    def headline(self, result: dict[str, Any]) -> dict[str, float]:
        """Named headline numbers of a computed result (what intervals and tests report)."""


def _check_int(value: object, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise InputTypeError(f"{name} must be an int, got {type(value).__name__}")
    if value < minimum:
        raise InputValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def _check_bool(value: object, name: str) -> None:
    if not isinstance(value, (bool, np.bool_)):
        raise InputTypeError(f"{name} must be a bool, got {type(value).__name__}")


def _check_number(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
        raise InputTypeError(f"{name} must be a number, got {type(value).__name__}")
    if not math.isfinite(value):
        raise InputValueError(f"{name} must be finite, got {value!r}")
    return float(value)


# Signature names of the ROUGE tokenizer profiles (docs/rouge-tokenizers.md).
_ROUGE_TOK_SIG = {
    "default": "rouge-score-default",
    "unicode": "unicode-uax29-lower",
    "cjk": "cjk-char+uax29-lower",
    "whitespace": "whitespace-lower",
}


@dataclass
class RougeSpec(MetricSpec):
    rouge_types: tuple[str, ...]
    use_stemmer: bool = False
    split_summaries: bool = False
    tokenizer: str = "default"
    name: str = field(default="rouge", init=False)

    def columns(self) -> list[str]:
        return [f"{t}_{k}" for t in self.rouge_types for k in ("precision", "recall", "fmeasure")]

    def stats(self, predictions: Any, references: Any, workers: int | None) -> np.ndarray:
        from ._rouge import rouge

        res = rouge(
            predictions,
            references,
            rouge_types=self.rouge_types,
            use_stemmer=self.use_stemmer,
            split_summaries=self.split_summaries,
            tokenizer=self.tokenizer,
            workers=workers,
        )
        cols = []
        for t in self.rouge_types:
            s = res[t]
            cols += [s.precision, s.recall, s.fmeasure]
        return np.column_stack(cols) if cols else np.zeros((len(predictions), 0))

    def empty_state(self) -> np.ndarray:
        return np.zeros((3 * len(self.rouge_types), _exactsum.STATE_SIZE), dtype=np.int64)

    def add(self, state: np.ndarray, stats: np.ndarray) -> np.ndarray:
        for j in range(stats.shape[1]):
            _exactsum.add_values(state[j], stats[:, j])
        return state

    def compute(self, state: np.ndarray, n: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for i, t in enumerate(self.rouge_types):
            p, r, f = (_exactsum.state_mean(state[3 * i + k], n) for k in range(3))
            out[t] = {"precision": p, "recall": r, "fmeasure": f, "n": n}
        out["signature"] = self.signature()
        return out

    def signature(self) -> str:
        from . import __version__

        return (
            f"types:{','.join(self.rouge_types)}|stem:{'yes' if self.use_stemmer else 'no'}|"
            f"split:{'nltk' if self.split_summaries else 'newline'}|tok:{_ROUGE_TOK_SIG[self.tokenizer]}|"
            f"agg:mean|version:lexmetrics-{__version__}"
        )

    def weighted_scores(self, stats: np.ndarray, weights: np.ndarray) -> np.ndarray:
        # Mean F of each resample: every row of weights sums to its pseudo-corpus size.
        return (weights @ stats[:, 2::3]) / weights.sum(axis=1, keepdims=True)

    def per_pair(self, stats: np.ndarray) -> dict[str, np.ndarray]:
        return {c: stats[:, j] for j, c in enumerate(self.columns())}

    def headline(self, result: dict[str, Any]) -> dict[str, float]:
        return {t: result[t]["fmeasure"] for t in self.rouge_types}


class _CountSpec(MetricSpec):
    """A metric whose state is the integer sum of its per-pair statistics rows (BLEU, chrF)."""

    def empty_state(self) -> np.ndarray:
        return np.zeros(len(self.columns()), dtype=np.int64)

    def add(self, state: np.ndarray, stats: np.ndarray) -> np.ndarray:
        state += stats.sum(axis=0, dtype=np.int64)
        return state


@dataclass
class BleuSpec(_CountSpec):
    tokenize: str = "13a"
    smooth_method: str = "exp"
    smooth_value: float | None = None
    lowercase: bool = False
    use_effective_order: bool = False
    max_ngram_order: int = 4
    nrefs: int | str = 1
    name: str = field(default="bleu", init=False)

    def __post_init__(self) -> None:
        # Checked where the spec is built (the Spark driver, the accumulator's constructor), not at
        # the first batch.
        from . import _native
        from ._bleu import SMOOTH_DEFAULTS

        if not isinstance(self.tokenize, str):
            raise InputTypeError(f"tokenize must be a str, got {type(self.tokenize).__name__}")
        _native.sacre_tokenize([""], self.tokenize)  # an unknown tokenizer raises, named
        if not isinstance(self.smooth_method, str) or self.smooth_method not in SMOOTH_DEFAULTS:
            raise InputValueError(
                f"unknown smooth_method={self.smooth_method!r}; expected one of {', '.join(map(repr, SMOOTH_DEFAULTS))}"
            )
        if self.smooth_value is not None:
            v = _check_number(self.smooth_value, "smooth_value")
            if (
                SMOOTH_DEFAULTS[self.smooth_method] is not None and v < 0
            ):  # used by floor / add-k only
                raise InputValueError(f"smooth_value must be >= 0, got {self.smooth_value!r}")
        self.max_ngram_order = _check_int(self.max_ngram_order, "max_ngram_order", 1)
        _check_bool(self.lowercase, "lowercase")
        _check_bool(self.use_effective_order, "use_effective_order")

    def columns(self) -> list[str]:
        n = self.max_ngram_order
        return (
            ["sys_len", "ref_len"]
            + [f"correct_{i}" for i in range(1, n + 1)]
            + [f"total_{i}" for i in range(1, n + 1)]
        )

    def stats(self, predictions: Any, references: Any, workers: int | None) -> np.ndarray:
        from ._bleu import bleu_stats

        return bleu_stats(
            predictions,
            references,
            tokenize=self.tokenize,
            lowercase=self.lowercase,
            max_ngram_order=self.max_ngram_order,
            workers=workers,
        )

    def _result(self, state: np.ndarray) -> Any:
        from ._bleu import bleu_from_stats

        return bleu_from_stats(
            state,
            smooth_method=self.smooth_method,
            smooth_value=self.smooth_value,
            use_effective_order=self.use_effective_order,
            max_ngram_order=self.max_ngram_order,
            tokenize=self.tokenize,
            lowercase=self.lowercase,
            nrefs=self.nrefs,
        )

    def compute(self, state: np.ndarray, n: int) -> dict[str, Any]:
        r = self._result(state)
        return {
            "score": r.score,
            "counts": list(r.counts),
            "totals": list(r.totals),
            "precisions": list(r.precisions),
            "bp": r.bp,
            "sys_len": r.sys_len,
            "ref_len": r.ref_len,
            "n": n,
            "signature": str(r.signature),
            "text": str(r),
        }

    def scores(self, stats: np.ndarray, *, sentence: bool = False) -> np.ndarray:
        """BLEU of each statistics row, in one native call (``sentence``: sacrebleu's
        sentence_bleu, effective order on)."""
        value = None if self.smooth_value is None else float(self.smooth_value)
        return _native.bleu_scores_from_stats(
            np.ascontiguousarray(stats, dtype=np.int64),
            self.smooth_method,
            value,
            True if sentence else self.use_effective_order,
            self.max_ngram_order,
        )

    def weighted_scores(self, stats: np.ndarray, weights: np.ndarray) -> np.ndarray:
        return self.scores(weights @ stats)[:, None]  # exact: integer matrix product

    def per_pair(self, stats: np.ndarray) -> dict[str, np.ndarray]:
        return {"bleu": self.scores(stats, sentence=True)}

    def headline(self, result: dict[str, Any]) -> dict[str, float]:
        return {"bleu": result["score"]}


@dataclass
class ChrfSpec(_CountSpec):
    char_order: int = 6
    word_order: int = 0
    beta: int = 2
    lowercase: bool = False
    whitespace: bool = False
    eps_smoothing: bool = False
    nrefs: int | str = 1

    def __post_init__(self) -> None:
        self.char_order = _check_int(self.char_order, "chrf char_order", 0)
        self.word_order = _check_int(self.word_order, "chrf word_order", 0)
        if self.char_order + self.word_order < 1:
            raise InputValueError("chrf char_order + word_order must be >= 1, got 0")
        _check_number(self.beta, "chrf beta")
        for name in ("lowercase", "whitespace", "eps_smoothing"):
            _check_bool(getattr(self, name), f"chrf {name}")

    @property
    def name(self) -> str:  # type: ignore[override]
        return "chrf++" if self.word_order else "chrf"

    def columns(self) -> list[str]:
        return [f"stat_{i}" for i in range(3 * (self.char_order + self.word_order))]

    def options(self) -> dict[str, Any]:
        """The chrF keyword options of ``chrf_stats``/``chrf_from_stats``/``sentence_chrf``."""
        return dict(
            char_order=self.char_order,
            word_order=self.word_order,
            beta=self.beta,
            lowercase=self.lowercase,
            whitespace=self.whitespace,
            eps_smoothing=self.eps_smoothing,
        )

    def stats(self, predictions: Any, references: Any, workers: int | None) -> np.ndarray:
        from ._chrf import chrf_stats

        return chrf_stats(predictions, references, workers=workers, **self.options())

    def _result(self, state: np.ndarray) -> Any:
        from ._chrf import chrf_from_stats

        return chrf_from_stats(state, nrefs=self.nrefs, **self.options())

    def compute(self, state: np.ndarray, n: int) -> dict[str, Any]:
        r = self._result(state)
        return {"score": r.score, "n": n, "signature": str(r.signature), "text": str(r)}

    def scores(self, stats: np.ndarray) -> np.ndarray:
        """chrF of each statistics row (sacrebleu's sentence_chrf), in one native call."""
        return _native.chrf_scores_from_stats(
            np.ascontiguousarray(stats, dtype=np.int64),
            self.char_order,
            self.word_order,
            float(self.beta),
            self.eps_smoothing,
        )

    def weighted_scores(self, stats: np.ndarray, weights: np.ndarray) -> np.ndarray:
        return self.scores(weights @ stats)[:, None]

    def per_pair(self, stats: np.ndarray) -> dict[str, np.ndarray]:
        return {self.name: self.scores(stats)}

    def headline(self, result: dict[str, Any]) -> dict[str, float]:
        return {self.name: result["score"]}


@dataclass
class TerSpec(MetricSpec):
    """sacrebleu TER. The state holds exact sums (``_exactsum``) of the per-pair edits and average
    reference lengths: equal to ``corpus_ter`` whenever the average reference lengths are exact
    binary fractions (1, 2 or 4 references per pair, as in practice); with other counts (3
    references) sacrebleu's left-to-right float sum can differ from the exact sum in the last bit.
    ``ter_from_stats`` on the concatenated per-pair rows is always exact."""

    normalized: bool = False
    no_punct: bool = False
    asian_support: bool = False
    case_sensitive: bool = False
    nrefs: int | str = 1
    name: str = field(default="ter", init=False)

    def __post_init__(self) -> None:
        for name in ("normalized", "no_punct", "asian_support", "case_sensitive"):
            _check_bool(getattr(self, name), f"ter {name}")

    def columns(self):
        return ["num_edits", "ref_length"]

    def _opts(self):
        return dict(
            normalized=self.normalized,
            no_punct=self.no_punct,
            asian_support=self.asian_support,
            case_sensitive=self.case_sensitive,
        )

    def stats(self, predictions, references, workers):
        from ._ter import ter_stats

        return ter_stats(predictions, references, workers=workers, **self._opts())

    def empty_state(self):
        return np.zeros((2, _exactsum.STATE_SIZE), dtype=np.int64)

    def add(self, state, stats):
        for j in range(2):
            _exactsum.add_values(state[j], stats[:, j])
        return state

    def compute(self, state, n):
        from ._ter import _result

        edits = _exactsum.state_total(state[0])
        r = _result(
            float(edits),
            float(_exactsum.state_total(state[1])),
            tuple(self._opts().values()),
            self.nrefs,
        )
        return {
            "score": r.score,
            "num_edits": r.num_edits,
            "ref_length": r.ref_length,
            "n": n,
            "signature": r.signature,
            "text": str(r),
        }

    @staticmethod
    def _scores(edits: np.ndarray, ref_len: np.ndarray) -> np.ndarray:
        # sacrebleu TER._compute_score_from_stats, elementwise
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(
                ref_len > 0,
                edits / np.where(ref_len > 0, ref_len, 1.0),
                np.where(edits > 0, 1.0, 0.0),
            )
        return 100 * ratio

    def weighted_scores(self, stats, weights):
        sums = weights @ stats
        return self._scores(sums[:, 0], sums[:, 1])[:, None]

    def per_pair(self, stats):
        return {"ter": self._scores(stats[:, 0], stats[:, 1])}

    def headline(self, result):
        return {"ter": result["score"]}


def check_options(options: dict[str, Any]) -> None:
    """Raises naming the first keyword that is not a metric option of :func:`build_specs`."""
    import inspect

    known = [
        n for n, p in inspect.signature(build_specs).parameters.items() if p.kind is p.KEYWORD_ONLY
    ]
    for name in options:
        if name not in known:
            raise InputTypeError(f"unknown metric option {name!r}; options: {', '.join(known)}")


def build_specs(
    metrics: Sequence[str],
    *,
    use_stemmer: bool = False,
    split_summaries: bool = False,
    rouge_tokenizer: str = "default",
    tokenize: str = "13a",
    smooth_method: str = "exp",
    smooth_value: float | None = None,
    lowercase: bool = False,
    use_effective_order: bool = False,
    max_ngram_order: int = 4,
    chrf_char_order: int = 6,
    chrf_word_order: int | None = None,
    chrf_beta: int = 2,
    chrf_whitespace: bool = False,
    chrf_eps_smoothing: bool = False,
    chrf_lowercase: bool = False,
    nrefs: int | str = 1,
    ter_normalized: bool = False,
    ter_no_punct: bool = False,
    ter_asian_support: bool = False,
    ter_case_sensitive: bool = False,
) -> list[MetricSpec]:
    """Specs for metric names like ``rouge1``, ``rougeLsum``, ``bleu``, ``chrf``, ``chrf++``."""
    seen: list[str] = []
    for m in metrics:
        m = m.strip()
        if not m:
            continue
        canon = {"chrf2": "chrf", "chrf2++": "chrf++", "chrfpp": "chrf++"}.get(m.lower(), m)
        if canon.lower() in ("bleu", "chrf", "chrf++", "ter"):
            canon = canon.lower()
        if canon not in METRIC_NAMES:
            raise InputValueError(f"unknown metric {m!r}: choose from {', '.join(METRIC_NAMES)}")
        if canon not in seen:
            seen.append(canon)
    if not seen:
        raise InputValueError("no metric selected")
    specs: list[MetricSpec] = []
    rtypes = tuple(m for m in seen if m in ROUGE_TYPES)
    if rtypes:
        from ._rouge import check_profile

        profile = check_profile(rouge_tokenizer, "rouge_tokenizer")
        specs.append(
            RougeSpec(
                rtypes,
                use_stemmer=use_stemmer,
                split_summaries=split_summaries,
                tokenizer=profile,
            )
        )
    for m in seen:
        if m == "bleu":
            specs.append(
                BleuSpec(
                    tokenize=tokenize,
                    smooth_method=smooth_method,
                    smooth_value=smooth_value,
                    lowercase=lowercase,
                    use_effective_order=use_effective_order,
                    max_ngram_order=max_ngram_order,
                    nrefs=nrefs,
                )
            )
        elif m in ("chrf", "chrf++"):
            wo = chrf_word_order if chrf_word_order is not None else (2 if m == "chrf++" else 0)
            specs.append(
                ChrfSpec(
                    char_order=chrf_char_order,
                    word_order=wo,
                    beta=chrf_beta,
                    lowercase=chrf_lowercase,
                    whitespace=chrf_whitespace,
                    eps_smoothing=chrf_eps_smoothing,
                    nrefs=nrefs,
                )
            )
        elif m == "ter":
            specs.append(
                TerSpec(
                    normalized=ter_normalized,
                    no_punct=ter_no_punct,
                    asian_support=ter_asian_support,
                    case_sensitive=ter_case_sensitive,
                    nrefs=nrefs,
                )
            )
    return specs
