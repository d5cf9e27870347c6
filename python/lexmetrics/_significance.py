"""Bootstrap confidence intervals and paired significance tests over per-pair statistics.

Everything resamples the per-pair sufficient statistics (never the text), with a seeded numpy
``default_rng`` so results are identical across runs. Procedures follow sacrebleu's
(``significance.py``): percentile intervals over bootstrap resamples, paired bootstrap resampling
(Koehn 2004) and approximate randomization (Riezler & Maxwell 2005). One deliberate difference:
p-values count resamples whose statistic is at least (>=) the observed one, so a system compared
with itself gets p = 1 (sacrebleu's strict > gives it p ~ 0).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._errors import InputTypeError, InputValueError
from ._metric_specs import MetricSpec

DEFAULT_SEED = 12345
_BATCH_ELEMS = 4_000_000  # bound on the (resamples x pairs) weight matrix built at once


def _check(n_samples: object, seed: object, confidence: float = 0.5) -> None:
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)):
        raise InputTypeError(f"n_samples must be an int, got {type(n_samples).__name__}")
    if n_samples < 1:
        raise InputValueError(f"n_samples must be >= 1, got {n_samples}")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
        raise InputValueError(f"seed must be an int >= 0 or None, got {seed!r}")
    if not (0 < confidence < 1):  # also refuses NaN
        raise InputValueError(f"confidence must be between 0 and 1 (exclusive), got {confidence!r}")


def _batches(n_samples: int, n: int):
    b = max(1, min(n_samples, _BATCH_ELEMS // max(n, 1)))
    done = 0
    while done < n_samples:
        k = min(b, n_samples - done)
        yield k
        done += k


def _resample_weights(rng: np.random.Generator, k: int, n: int) -> np.ndarray:
    idx = rng.integers(0, n, size=(k, n))
    w = np.zeros((k, n), dtype=np.int64)
    rows = np.repeat(np.arange(k), n)
    np.add.at(w, (rows, idx.ravel()), 1)
    return w


def _names(spec: MetricSpec, ncols: int) -> list[str]:
    from ._metric_specs import RougeSpec

    if isinstance(spec, RougeSpec):
        return list(spec.rouge_types)
    return [spec.name][:ncols]


def bootstrap_ci(
    spec: MetricSpec,
    stats: np.ndarray,
    *,
    n_samples: int = 1000,
    confidence: float = 0.95,
    seed: int | None = DEFAULT_SEED,
) -> dict[str, dict[str, Any]]:
    """Percentile bootstrap interval of each headline score of ``spec`` over ``stats`` (N, d)."""
    _check(n_samples, seed, confidence)
    n = stats.shape[0]
    if n == 0:
        return {}
    rng = np.random.default_rng(seed)
    parts = []
    for k in _batches(n_samples, n):
        parts.append(spec.weighted_scores(stats, _resample_weights(rng, k, n)))
    scores = np.concatenate(parts, axis=0)  # (B, T)
    d = (1.0 - confidence) / 2.0
    out = {}
    for j, name in enumerate(_names(spec, scores.shape[1])):
        col = scores[:, j]
        lo, hi = np.percentile(col, [100 * d, 100 * (1 - d)])
        out[name] = {
            "low": float(lo),
            "high": float(hi),
            "mean": float(col.mean()),
            "confidence": confidence,
            "n_bootstrap": n_samples,
            "seed": seed,
        }
    return out


def paired_bootstrap(
    spec: MetricSpec,
    baseline: np.ndarray,
    system: np.ndarray,
    *,
    n_samples: int = 1000,
    seed: int | None = DEFAULT_SEED,
) -> dict[str, dict[str, Any]]:
    """Paired bootstrap test of ``system`` against ``baseline`` (both (N, d) per-pair stats)."""
    _check(n_samples, seed)
    n = baseline.shape[0]
    rng = np.random.default_rng(seed)
    bl_parts, sys_parts = [], []
    for k in _batches(n_samples, n):
        w = _resample_weights(rng, k, n)
        bl_parts.append(spec.weighted_scores(baseline, w))
        sys_parts.append(spec.weighted_scores(system, w))
    bl, sy = np.concatenate(bl_parts), np.concatenate(sys_parts)
    ones = np.ones((1, n), dtype=np.int64)
    real_bl = spec.weighted_scores(baseline, ones)[0]
    real_sy = spec.weighted_scores(system, ones)[0]
    out = {}
    for j, name in enumerate(_names(spec, bl.shape[1])):
        diff = abs(real_sy[j] - real_bl[j])
        sample = np.abs(sy[:, j] - bl[:, j])
        centered = sample - sample.mean()
        c = int(np.sum(centered >= diff))
        out[name] = {
            "test": "paired-bs",
            "baseline": float(real_bl[j]),
            "system": float(real_sy[j]),
            "p_value": (c + 1) / (n_samples + 1),
            "n_samples": n_samples,
            "seed": seed,
        }
    return out


def approximate_randomization(
    spec: MetricSpec,
    baseline: np.ndarray,
    system: np.ndarray,
    *,
    n_samples: int = 10000,
    seed: int | None = DEFAULT_SEED,
) -> dict[str, dict[str, Any]]:
    """Paired approximate randomization test: swap each pair's outputs with probability 1/2."""
    _check(n_samples, seed)
    n = baseline.shape[0]
    rng = np.random.default_rng(seed)
    ones = np.ones((1, n), dtype=np.int64)
    real_bl = spec.weighted_scores(baseline, ones)[0]
    real_sy = spec.weighted_scores(system, ones)[0]
    a_parts, b_parts = [], []
    for k in _batches(n_samples, n):
        pos = rng.integers(2, size=(k, n)).astype(np.int64)
        neg = 1 - pos
        # A shuffled system takes baseline rows where pos=1 and system rows elsewhere.
        a_parts.append(_mixed_scores(spec, baseline, system, pos, neg))
        b_parts.append(_mixed_scores(spec, baseline, system, neg, pos))
    a, b = np.concatenate(a_parts), np.concatenate(b_parts)
    out = {}
    for j, name in enumerate(_names(spec, a.shape[1])):
        diff = abs(real_sy[j] - real_bl[j])
        c = int(np.sum(np.abs(a[:, j] - b[:, j]) >= diff))
        out[name] = {
            "test": "paired-ar",
            "baseline": float(real_bl[j]),
            "system": float(real_sy[j]),
            "p_value": (c + 1) / (n_samples + 1),
            "n_samples": n_samples,
            "seed": seed,
        }
    return out


def _mixed_scores(spec, x, y, wx, wy):
    # Scores of pseudo-systems made of x's rows weighted wx plus y's rows weighted wy.
    return spec.weighted_scores(np.concatenate([x, y], axis=0), np.concatenate([wx, wy], axis=1))
