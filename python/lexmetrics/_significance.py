"""Bootstrap confidence intervals and paired significance tests over per-pair statistics.

Everything resamples the per-pair sufficient statistics (never the text), in the native core
(``lexmetrics_core::resample``): parallel, streaming (no resamples x pairs matrix is built), and
each resample reduced to column sums from which the metric's own score-from-statistics function
gives its score. Procedures follow sacrebleu's (``significance.py``): percentile intervals over
bootstrap resamples, paired bootstrap resampling (Koehn 2004) and approximate randomization
(Riezler & Maxwell 2005).

- Bootstrap draws are numpy's ``default_rng(seed).integers(0, n, size=(n_samples, n))`` (which is
  sacrebleu's ``rng.choice``), reproduced draw for draw in Rust from the generator's state.
- Approximate randomization swaps each pair with probability 1/2 using SplitMix64 keyed by
  ``SeedSequence(seed)``: equal in distribution to sacrebleu's, and the same numbers for a seed
  whatever the thread count or chunking.

One deliberate difference: p-values count resamples whose statistic is at least (>=) the observed
one, so a system compared with itself gets p = 1 (sacrebleu's strict > gives it p ~ 0).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import _native
from ._errors import InputTypeError, InputValueError
from ._metric_specs import MetricSpec, RougeSpec, TerSpec

DEFAULT_SEED = 12345
_DRAWS_PER_CALL = 20_000_000  # bootstrap draws per native call (progress is reported between calls)
_AR_WORK_PER_CALL = 500_000_000  # AR trials x pairs per native call (>= _AR_MIN_TRIALS trials)
_AR_MIN_TRIALS = 2048  # the core's per-byte tables pay off over this many trials
_GROUP_ROWS_PER_CALL = 200_000  # groups x resamples per native call with groups

Progress = Callable[[int, int], None]


def _check(n_samples: object, seed: object, confidence: float = 0.5) -> None:
    if isinstance(n_samples, bool) or not isinstance(n_samples, (int, np.integer)):
        raise InputTypeError(f"n_samples must be an int, got {type(n_samples).__name__}")
    if n_samples < 1:
        raise InputValueError(f"n_samples must be >= 1, got {n_samples}")
    if seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0
    ):
        raise InputValueError(f"seed must be an int >= 0 or None, got {seed!r}")
    if not (0 < confidence < 1):  # also refuses NaN
        raise InputValueError(f"confidence must be between 0 and 1 (exclusive), got {confidence!r}")


def _names(spec: MetricSpec) -> list[str]:
    if isinstance(spec, RougeSpec):
        return list(spec.rouge_types)
    return [spec.name]


class _Part:
    """What one spec resamples (its integer or float statistics columns) and how a resample's
    column sums over ``n`` pairs become its headline scores (as ``spec.weighted_scores``)."""

    def __init__(self, spec: MetricSpec, stats: np.ndarray) -> None:
        self.spec = spec
        if isinstance(spec, RougeSpec):
            self.kind, cols = "f", stats[:, 2::3]  # mean F per type
        elif isinstance(spec, TerSpec):
            self.kind, cols = "f", stats
        else:
            self.kind, cols = "i", stats
        dtype = np.float64 if self.kind == "f" else np.int64
        self.matrix = np.ascontiguousarray(cols, dtype=dtype)
        self.width = self.matrix.shape[1]

    def rows(self, lo: int, hi: int) -> _Part:
        """This part over pairs ``lo:hi`` (a view)."""
        out = object.__new__(_Part)
        out.spec, out.kind, out.width, out.matrix = (
            self.spec,
            self.kind,
            self.width,
            self.matrix[lo:hi],
        )
        return out

    def sorted(self, order: np.ndarray) -> _Part:
        """This part with its pairs in ``order`` (a copy)."""
        out = self.rows(0, 0)
        out.matrix = np.ascontiguousarray(self.matrix[order])
        return out

    def scores(self, sums: np.ndarray, n: int | np.ndarray) -> np.ndarray:
        """(R, T) headline scores of R resamples' column sums."""
        spec = self.spec
        if isinstance(spec, RougeSpec):
            return sums / np.reshape(n, (-1, 1))
        if isinstance(spec, TerSpec):
            return spec._scores(sums[:, 0], sums[:, 1])[:, None]
        return spec.scores(np.ascontiguousarray(sums, dtype=np.int64))[:, None]  # type: ignore[attr-defined]


def _layout(parts: Sequence[_Part]) -> tuple[list[np.ndarray], list[np.ndarray], list[slice]]:
    """The native call's int and float matrices, and each part's columns in its kind's sums."""
    ints: list[np.ndarray] = []
    floats: list[np.ndarray] = []
    where: list[slice] = []
    at = {"i": 0, "f": 0}
    for p in parts:
        (ints if p.kind == "i" else floats).append(p.matrix)
        where.append(slice(at[p.kind], at[p.kind] + p.width))
        at[p.kind] += p.width
    return ints, floats, where


def _numpy_state(seed: int | None) -> tuple[int, int, bool, int]:
    st = np.random.default_rng(seed).bit_generator.state
    return st["state"]["state"], st["state"]["inc"], bool(st["has_uint32"]), int(st["uinteger"])


def _ar_key(seed: int | None) -> int:
    return int(np.random.SeedSequence(seed).generate_state(1, np.uint64)[0])


def bootstrap_scores(
    parts: Sequence[_Part],
    n_samples: int,
    seed: int | None,
    *,
    workers: int | None = None,
    progress: Progress | None = None,
) -> list[np.ndarray]:
    """Per part the (n_samples, T) headline scores of the bootstrap resamples of its pairs, all
    parts resampled with the same draws."""
    n = parts[0].matrix.shape[0]
    ints, floats, where = _layout(parts)
    state = _numpy_state(seed)
    rows_per_call = max(1, min(n_samples, _DRAWS_PER_CALL // max(n, 1)))
    isums, fsums = [], []
    done = 0
    while done < n_samples:
        k = min(rows_per_call, n_samples - done)
        i, f, state = _native.bootstrap_sums(ints, floats, state, k, workers=workers)
        isums.append(i)
        fsums.append(f)
        done += k
        if progress is not None:
            progress(done, n_samples)
    isum, fsum = np.concatenate(isums), np.concatenate(fsums)
    return [
        p.scores((isum if p.kind == "i" else fsum)[:, w], n)
        for p, w in zip(parts, where, strict=True)
    ]


def _interval(
    col: np.ndarray, confidence: float, n_samples: int, seed: int | None
) -> dict[str, Any]:
    d = (1.0 - confidence) / 2.0
    lo, hi = np.percentile(col, [100 * d, 100 * (1 - d)])
    return {
        "low": float(lo),
        "high": float(hi),
        "mean": float(col.mean()),
        "confidence": confidence,
        "n_bootstrap": n_samples,
        "seed": seed,
    }


def intervals(
    spec: MetricSpec, scores: np.ndarray, *, confidence: float, n_samples: int, seed: int | None
) -> dict[str, dict[str, Any]]:
    """Percentile intervals of each headline of ``spec`` from its (n_samples, T) resample scores."""
    return {
        name: _interval(scores[:, j], confidence, n_samples, seed)
        for j, name in enumerate(_names(spec))
    }


def _real(part: _Part) -> np.ndarray:
    n = part.matrix.shape[0]
    return part.scores(part.matrix.sum(axis=0)[None, :], n)[0]


def paired_from_scores(
    spec: MetricSpec,
    bl_part: _Part,
    sys_part: _Part,
    bl: np.ndarray,
    sy: np.ndarray,
    *,
    n_samples: int,
    seed: int | None,
) -> dict[str, dict[str, Any]]:
    """The paired bootstrap test from both systems' resample scores (the same draws)."""
    real_bl, real_sy = _real(bl_part), _real(sys_part)
    out = {}
    for j, name in enumerate(_names(spec)):
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


def bootstrap_ci(
    spec: MetricSpec,
    stats: np.ndarray,
    *,
    n_samples: int = 1000,
    confidence: float = 0.95,
    seed: int | None = DEFAULT_SEED,
    workers: int | None = None,
) -> dict[str, dict[str, Any]]:
    """Percentile bootstrap interval of each headline score of ``spec`` over ``stats`` (N, d)."""
    _check(n_samples, seed, confidence)
    if stats.shape[0] == 0:
        return {}
    (scores,) = bootstrap_scores([_Part(spec, stats)], n_samples, seed, workers=workers)
    return intervals(spec, scores, confidence=confidence, n_samples=n_samples, seed=seed)


def paired_bootstrap(
    spec: MetricSpec,
    baseline: np.ndarray,
    system: np.ndarray,
    *,
    n_samples: int = 1000,
    seed: int | None = DEFAULT_SEED,
    workers: int | None = None,
) -> dict[str, dict[str, Any]]:
    """Paired bootstrap test of ``system`` against ``baseline`` (both (N, d) per-pair stats)."""
    _check(n_samples, seed)
    _same_pairs(baseline, system)
    parts = [_Part(spec, baseline), _Part(spec, system)]
    bl, sy = bootstrap_scores(parts, n_samples, seed, workers=workers)
    return paired_from_scores(spec, parts[0], parts[1], bl, sy, n_samples=n_samples, seed=seed)


def _same_pairs(baseline: np.ndarray, system: np.ndarray) -> None:
    if baseline.shape != system.shape:
        raise InputValueError(
            f"baseline and system statistics differ in shape: {baseline.shape} vs {system.shape}"
        )


def ar_tests(
    specs: Sequence[MetricSpec],
    bl_parts: Sequence[_Part],
    sys_parts: Sequence[_Part],
    *,
    n_samples: int,
    seed: int | None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> dict[str, dict[str, Any]]:
    """Approximate randomization tests of every spec at once (the same swaps for all)."""
    n = bl_parts[0].matrix.shape[0]
    bi, bf, where = _layout(bl_parts)
    si, sf, _ = _layout(sys_parts)
    key = _ar_key(seed)
    tot_bi = [m.sum(axis=0) for m in bi]
    tot_si = [m.sum(axis=0) for m in si]
    tot_bf = [m.sum(axis=0) for m in bf]
    tot_sf = [m.sum(axis=0) for m in sf]
    cat = lambda xs, w: np.concatenate(xs) if xs else np.zeros(0, dtype=w)  # noqa: E731
    bl_i, sy_i = cat(tot_bi, np.int64), cat(tot_si, np.int64)
    bl_f, sy_f = cat(tot_bf, np.float64), cat(tot_sf, np.float64)
    real = [(_real(b), _real(s)) for b, s in zip(bl_parts, sys_parts, strict=True)]
    diffs = [np.abs(rs - rb) for rb, rs in real]
    counts = [np.zeros(len(d), dtype=np.int64) for d in diffs]
    per_call = max(_AR_MIN_TRIALS, _AR_WORK_PER_CALL // max(n, 1))
    done = 0
    while done < n_samples:
        k = min(per_call, n_samples - done)
        s_i, s_f = _native.ar_sums(bi, si, bf, sf, key, done, k, workers=workers)
        # Shuffled systems: A takes the baseline's rows where swapped, B the system's.
        a_i, b_i = sy_i + s_i, bl_i - s_i
        a_f, b_f = sy_f + s_f, bl_f - s_f
        for j, (p, w) in enumerate(zip(bl_parts, where, strict=True)):
            a = p.scores((a_i if p.kind == "i" else a_f)[:, w], n)
            b = p.scores((b_i if p.kind == "i" else b_f)[:, w], n)
            counts[j] += np.sum(np.abs(a - b) >= diffs[j], axis=0)
        done += k
        if progress is not None:
            progress(done, n_samples)
    out: dict[str, dict[str, Any]] = {}
    for spec, (rb, rs), c in zip(specs, real, counts, strict=True):
        for j, name in enumerate(_names(spec)):
            out[name] = {
                "test": "paired-ar",
                "baseline": float(rb[j]),
                "system": float(rs[j]),
                "p_value": (int(c[j]) + 1) / (n_samples + 1),
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
    workers: int | None = None,
) -> dict[str, dict[str, Any]]:
    """Paired approximate randomization test: swap each pair's outputs with probability 1/2."""
    _check(n_samples, seed)
    _same_pairs(baseline, system)
    return ar_tests(
        [spec],
        [_Part(spec, baseline)],
        [_Part(spec, system)],
        n_samples=n_samples,
        seed=seed,
        workers=workers,
    )


# ------------------------------------------------------------------------------------------------
# per group: each group resampled as if alone (the same seed for every group)
# ------------------------------------------------------------------------------------------------


def _sub(part: _Part, lo: int, hi: int) -> _Part:
    return part.rows(lo, hi)


def group_order(codes: np.ndarray, ngroups: int) -> tuple[np.ndarray, np.ndarray]:
    """(order, bounds): pairs sorted by group code (stable) and each group's range in that order."""
    order = np.argsort(codes, kind="stable")
    bounds = np.concatenate(([0], np.cumsum(np.bincount(codes, minlength=ngroups)))).astype(
        np.int64
    )
    return order, bounds


def _group_blocks(bounds: np.ndarray, rows: int):
    """Ranges of groups small enough for one native call (groups x rows sums)."""
    per = max(1, _GROUP_ROWS_PER_CALL // max(rows, 1))
    g = 0
    while g < len(bounds) - 1:
        yield g, min(g + per, len(bounds) - 1)
        g += per


def group_bootstrap_scores(
    parts: Sequence[_Part],
    bounds: np.ndarray,
    n_samples: int,
    seed: int | None,
    *,
    workers: int | None = None,
    progress: Progress | None = None,
):
    """Per block of groups ``(g0, g1, scores)``: per part the (g1 - g0, n_samples, T) bootstrap
    scores of each group's pairs (parts' rows sorted by group, group g at ``bounds[g]:bounds[g+1]``)."""
    state = _numpy_state(seed)
    ngroups = len(bounds) - 1
    for g0, g1 in _group_blocks(bounds, n_samples):
        lo, hi = int(bounds[g0]), int(bounds[g1])
        sub = [_sub(p, lo, hi) for p in parts]
        ints, floats, where = _layout(sub)
        b = np.ascontiguousarray(bounds[g0 : g1 + 1] - lo)
        isum, fsum, _ = _native.bootstrap_sums(
            ints, floats, state, n_samples, bounds=b, workers=workers
        )
        sizes = np.repeat(np.diff(b), n_samples)
        with np.errstate(divide="ignore", invalid="ignore"):
            scores = [
                p.scores((isum if p.kind == "i" else fsum)[:, w], sizes).reshape(
                    g1 - g0, n_samples, -1
                )
                for p, w in zip(sub, where, strict=True)
            ]
        yield g0, g1, scores
        if progress is not None:
            progress(g1, ngroups)


def group_ar_tests(
    specs: Sequence[MetricSpec],
    bl_parts: Sequence[_Part],
    sys_parts: Sequence[_Part],
    bounds: np.ndarray,
    *,
    n_samples: int,
    seed: int | None,
    workers: int | None = None,
    progress: Progress | None = None,
):
    """Per group ``(g, results)``: the approximate randomization test of each group's pairs (as
    :func:`ar_tests` on them alone)."""
    key = _ar_key(seed)
    ngroups = len(bounds) - 1
    for g0, g1 in _group_blocks(bounds, n_samples):
        lo, hi = int(bounds[g0]), int(bounds[g1])
        bl = [_sub(p, lo, hi) for p in bl_parts]
        sy = [_sub(p, lo, hi) for p in sys_parts]
        bi, bf, where = _layout(bl)
        si, sf, _ = _layout(sy)
        b = np.ascontiguousarray(bounds[g0 : g1 + 1] - lo)
        s_i, s_f = _native.ar_sums(bi, si, bf, sf, key, 0, n_samples, bounds=b, workers=workers)
        for g in range(g1 - g0):
            a, z = int(b[g]), int(b[g + 1])
            rows = slice(g * n_samples, (g + 1) * n_samples)
            gb = [_sub(p, a, z) for p in bl]
            gs = [_sub(p, a, z) for p in sy]
            yield g0 + g, _ar_result(specs, gb, gs, where, s_i[rows], s_f[rows], n_samples, seed)
        if progress is not None:
            progress(g1, ngroups)


def _ar_result(
    specs, bl_parts, sys_parts, where, s_i, s_f, n_samples, seed
) -> dict[str, dict[str, Any]]:
    n = bl_parts[0].matrix.shape[0]
    bi, bf, _ = _layout(bl_parts)
    si, sf, _ = _layout(sys_parts)

    def tot(ms, dtype):
        return np.concatenate([m.sum(axis=0) for m in ms]) if ms else np.zeros(0, dtype=dtype)

    bl_i, sy_i, bl_f, sy_f = (
        tot(bi, np.int64),
        tot(si, np.int64),
        tot(bf, np.float64),
        tot(sf, np.float64),
    )
    out: dict[str, dict[str, Any]] = {}
    for spec, p, q, w in zip(specs, bl_parts, sys_parts, where, strict=True):
        rb, rs = _real(p), _real(q)
        a = p.scores(((sy_i + s_i) if p.kind == "i" else (sy_f + s_f))[:, w], n)
        b = p.scores(((bl_i - s_i) if p.kind == "i" else (bl_f - s_f))[:, w], n)
        c = np.sum(np.abs(a - b) >= np.abs(rs - rb), axis=0)
        for j, name in enumerate(_names(spec)):
            out[name] = {
                "test": "paired-ar",
                "baseline": float(rb[j]),
                "system": float(rs[j]),
                "p_value": (int(c[j]) + 1) / (n_samples + 1),
                "n_samples": n_samples,
                "seed": seed,
            }
    return out
