"""sacrebleu ``metrics.base``: ``Score``, ``Signature`` and the ``Metric`` base class.

Segment statistics come from lexmetrics' native code (``_native_stats`` in each metric); the
scoring from aggregated statistics, bootstrap intervals and printed forms follow sacrebleu 2.6's
``metrics/base.py`` step for step, so they are equal for the same statistics (also numpy float32
ones, as the significance tests pass them).
"""

from __future__ import annotations

import json
import logging
import os
import statistics
from collections.abc import Sequence
from typing import Any

import numpy as np

from ...._errors import InputTypeError, InputValueError
from ..version import __version__

sacrelogger = logging.getLogger("sacrebleu")


class Score:
    """A base score class to derive from: ``name``, ``score`` and ``format()``."""

    def __init__(self, name: str, score: float):
        self.name = name
        self.score = score
        self._mean = -1.0
        self._ci = -1.0
        self._verbose = ""

    def format(
        self, width: int = 2, score_only: bool = False, signature: str = "", is_json: bool = False
    ) -> str:
        d: dict[str, Any] = {
            "name": self.name,
            "score": float(f"{self.score:.{width}f}"),
            "signature": signature,
        }
        sc = f"{self.score:.{width}f}"
        if self._mean > 0:
            confidence_mean = f"{self._mean:.{width}f}"
            confidence_var = f"{self._ci:.{width}f}"
            confidence_str = f"μ = {confidence_mean} ± {confidence_var}"
            sc += f" ({confidence_str})"
            if is_json:
                d["confidence_mean"] = float(confidence_mean)
                d["confidence_var"] = float(confidence_var)
                d["confidence"] = confidence_str
        full_score = f"{self.name}|{signature}" if signature else self.name
        full_score = f"{full_score} = {sc}"
        if self._verbose:
            full_score += f" {self._verbose}"
            d["verbose_score"] = self._verbose
        if score_only:
            return sc
        if is_json:
            for param in signature.split("|"):
                key, value = param.split(":")
                d[key] = value
            return json.dumps(d, indent=1, ensure_ascii=False)
        return full_score

    def estimate_ci(self, scores: list[Score]) -> None:
        """Stores the mean and the 95% confidence half-width of bootstrap ``scores``."""
        raw_scores = sorted([x.score for x in scores])
        n = len(raw_scores)
        lower_idx = n // 40
        upper_idx = n - lower_idx - 1
        lower, upper = raw_scores[lower_idx], raw_scores[upper_idx]
        self._ci = 0.5 * (upper - lower)
        self._mean = statistics.mean(raw_scores)

    def __repr__(self) -> str:
        return self.format()


class Signature:
    """sacrebleu's reproducibility signature."""

    def __init__(self, args: dict):
        self._abbr = {
            "version": "v",
            "nrefs": "#",
            "test": "t",
            "lang": "l",
            "subset": "S",
            "origlang": "o",
            "bs": "bs",
            "ar": "ar",
            "seed": "rs",
        }
        if "num_refs" not in args:
            raise ValueError("Number of references unknown, please evaluate the metric first.")
        num_refs = args["num_refs"]
        if num_refs == -1:
            num_refs = "var"
        self.info: dict[str, Any] = {
            "version": __version__,
            "nrefs": num_refs,
            "bs": args.get("n_bootstrap", None),
            "ar": None,
            "seed": args.get("seed", None),
            "test": args.get("test_set", None),
            "lang": args.get("langpair", None),
            "origlang": args.get("origlang", None),
            "subset": args.get("subset", None),
        }

    def format(self, short: bool = False) -> str:
        pairs = []
        keys = list(self.info.keys())
        keys.remove("version")
        for name in keys + ["version"]:
            value = self.info[name]
            if value is not None:
                if isinstance(value, bool):
                    value = "yes" if value else "no"
                pairs.append(f"{self._abbr[name] if short else name}:{value}")
        return "|".join(pairs)

    def update(self, key: str, value: Any) -> None:
        self.info[key] = value

    def __str__(self) -> str:
        return self.format()

    def __repr__(self) -> str:
        return self.format()


def _streams_to_refs(n_hyps: int, streams: Sequence[Sequence[str | None]]):
    """sacrebleu's ``refs[k][i]`` streams -> (per-hypothesis references for the native code, nrefs)."""
    if isinstance(streams, str) or not isinstance(streams, Sequence):
        raise InputTypeError(
            "references must be a sequence of reference streams (sequences of str)"
        )
    if len(streams) == 0:
        raise InputValueError("references: no reference streams given")
    for k, s in enumerate(streams):
        if isinstance(s, str) or not isinstance(s, Sequence):
            raise InputTypeError(
                f"references[{k}] must be a sequence of str (one reference stream)"
            )
        if len(s) != n_hyps:
            # sacrebleu truncates silently (zip); a length mismatch is almost always a bug.
            raise InputValueError(
                f"references[{k}] has {len(s)} lines but there are {n_hyps} hypotheses"
            )
    has_none = any(None in s for s in streams)
    if len(streams) == 1 and not has_none:
        return streams[0]
    per: list[Sequence[str | None]] = list(zip(*streams))
    if has_none:
        per = [[x for x in t if x is not None] for t in per]
        for i, t in enumerate(per):
            if not t:
                raise InputValueError(
                    f"hypothesis {i} has no reference (every stream is None there)"
                )
    return per


def _num_refs(streams: Sequence[Sequence[str | None]]) -> int:
    """sacrebleu's ``num_refs``: the references per segment, or -1 when it varies."""
    counts = {sum(r is not None for r in seg) for seg in zip(*streams)}
    return counts.pop() if len(counts) == 1 else -1


class Metric:
    """The base of ``BLEU``, ``CHRF`` and ``TER``: argument checks, reference caching,
    ``sentence_score``, ``corpus_score`` (with bootstrap intervals) and ``get_signature``."""

    _SIGNATURE_TYPE = Signature

    def __init__(self):
        self._ref_cache = None
        self._force = True
        self.n_bootstrap = None
        self.seed = None

    def _check_sentence_score_args(self, hyp: str, refs: Sequence[str]) -> None:
        prefix = self.__class__.__name__
        err_msg = None
        if not isinstance(hyp, str):
            err_msg = "The argument `hyp` should be a string."
        elif isinstance(refs, str) or not isinstance(refs, Sequence):
            err_msg = "The argument `refs` should be a sequence of strings."
        elif len(refs) == 0:
            raise InputValueError(f"{prefix}: The argument `refs` is empty.")
        elif not isinstance(refs[0], str) and refs[0] is not None:
            err_msg = "Each element of `refs` should be a string."
        if err_msg:
            raise InputTypeError(f"{prefix}: {err_msg}")

    def _check_corpus_score_args(
        self, hyps: Sequence[str], refs: Sequence[Sequence[str]] | None
    ) -> None:
        prefix = self.__class__.__name__
        err_msg = None
        if isinstance(hyps, str) or not isinstance(hyps, Sequence):
            err_msg = "`hyps` should be a sequence of strings."
        elif len(hyps) == 0:
            raise InputValueError(f"{prefix}: `hyps` is empty.")
        elif not isinstance(hyps[0], str):
            err_msg = "Each element of `hyps` should be a string."
        elif any(line is None for line in hyps):
            err_msg = "Undefined line in hypotheses stream!"
        if refs is not None:
            if not isinstance(refs, Sequence):
                err_msg = "`refs` should be a sequence of sequence of strings."
            elif len(refs) == 0 or isinstance(refs[0], str) or not isinstance(refs[0], Sequence):
                err_msg = "Each element of `refs` should be a sequence of strings."
            elif len(refs[0]) and not isinstance(refs[0][0], str) and refs[0][0] is not None:
                err_msg = "`refs` should be a sequence of sequence of strings."
        if err_msg:
            raise InputTypeError(f"{prefix}: {err_msg}")

    def _native(self) -> bool:
        """Whether statistics come from the Rust core (BLEU, CHRF, TER) or, for a user's own
        ``Metric`` subclass, from its ``_compute_segment_statistics`` as in sacrebleu."""
        return type(self)._native_stats is not Metric._native_stats

    def _cache_references(self, references: Sequence[Sequence[str]]):
        """Keeps the reference streams (native metrics read them per call), or for a user's
        subclass extracts each segment's reference information as sacrebleu does."""
        if isinstance(references, str) or not isinstance(references, Sequence) or not references:
            raise InputTypeError(
                f"{type(self).__name__}: references must be a non-empty sequence of streams"
            )
        self.num_refs = _num_refs(references)
        if self._native():
            return references
        ref_cache = []
        for refs in zip(*references):
            lines = [self._preprocess_segment(x) for x in refs if x is not None]
            ref_cache.append(self._extract_reference_info(lines))
        return ref_cache

    def _native_stats(
        self, hypotheses: Sequence[str], refs
    ) -> tuple:  # pragma: no cover - abstract
        raise NotImplementedError

    def _extract_corpus_statistics(
        self, hypotheses: Sequence[str], references: Sequence[Sequence[str]] | None
    ) -> Any:
        """Per-segment statistics (lists of numbers, as sacrebleu returns them)."""
        if references:
            streams = references
        elif self._ref_cache:
            streams = self._ref_cache
        else:
            raise RuntimeError("No references provided and the cache is empty.")
        if isinstance(hypotheses, str) or not isinstance(hypotheses, Sequence):
            raise InputTypeError(f"{type(self).__name__}: hypotheses must be a sequence of str")
        if not self._native():
            ref_cache = self._cache_references(references) if references else streams
            return [
                self._compute_segment_statistics(self._preprocess_segment(hyp), ref_kwargs)
                for hyp, ref_kwargs in zip(hypotheses, ref_cache)
            ]
        refs = _streams_to_refs(len(hypotheses), streams)
        stats, nrefs = self._native_stats(hypotheses, refs)
        self.num_refs = nrefs
        return self._stats_to_lists(stats)

    def _stats_to_lists(self, stats) -> list:
        return stats.tolist()

    def sentence_score(self, hypothesis: str, references: Sequence[str]) -> Any:
        """The metric for one hypothesis against one or more references."""
        self._check_sentence_score_args(hypothesis, references)
        stats = self._extract_corpus_statistics([hypothesis], [[refs] for refs in references])
        return self._aggregate_and_compute(stats)

    def corpus_score(
        self,
        hypotheses: Sequence[str],
        references: Sequence[Sequence[str]] | None,
        n_bootstrap: int = 1,
    ) -> Any:
        """The metric over a corpus; ``n_bootstrap > 1`` adds sacrebleu's 95% interval (same seed)."""
        self._check_corpus_score_args(hypotheses, references)
        stats = self._extract_corpus_statistics(hypotheses, references)
        actual_score = self._aggregate_and_compute(stats)
        if n_bootstrap > 1:
            self.n_bootstrap = n_bootstrap
            self.seed, bs_scores = _bootstrap_resample(stats, self, n_bootstrap)
            actual_score.estimate_ci(bs_scores)
        return actual_score

    def _preprocess_segment(self, sent: str) -> str:  # pragma: no cover - abstract
        raise NotImplementedError

    def _extract_reference_info(self, refs: Sequence[str]) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def _compute_segment_statistics(
        self, hypothesis: str, ref_kwargs: Any
    ) -> list[Any]:  # pragma: no cover
        raise NotImplementedError

    def _aggregate_and_compute(self, stats: list[list[Any]]) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def _compute_score_from_stats(self, stats: list[Any]) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def get_signature(self) -> Signature:
        """The signature; the number of references is known once the metric has run."""
        return self._SIGNATURE_TYPE(self.__dict__)


def _bootstrap_resample(
    stats: list[list[int | float]], metric: Metric, n_samples: int = 1000
) -> tuple[str, list[Score]]:
    """Performs bootstrap resampling for a single system to estimate
    a confidence interval around the true mean.
    :param stats: A list of statistics extracted from the system's hypotheses.
    :param metric: The `Metric` instance to be used for score computation.
    :n_samples: Number of bootstrap resamples to use.

    :return: A tuple of the seed choice as string and the list of `Score`
    instances for all bootstrap resamples.
    """

    # Set numpy RNG's seed
    # If  given -> Fix to the given value
    # If given but =='[Nn]one', don't fix the seed i.e. pull entropy from OS
    seed = os.environ.get("SACREBLEU_SEED", "12345")
    _seed = None if seed.lower() == "none" else int(seed)
    rng = np.random.default_rng(_seed)

    # The indices that'll produce all bootstrap resamples at once
    idxs = rng.choice(len(stats), size=(n_samples, len(stats)), replace=True)

    # convert to numpy array. float32 is more efficient
    stats_np = np.array(stats, dtype="float32")

    # recompute scores for all resamples
    scores = [metric._compute_score_from_stats(_s.sum(0)) for _s in stats_np[idxs]]

    return str(seed).lower(), scores
