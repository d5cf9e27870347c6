"""The one fold of per-pair statistics into metric states, per group, and the one result block.

The training accumulators (``accumulators``), the Arrow/Spark entry points (``arrow``, ``spark``)
and the command line (``cli``) all fold through :class:`StateFold`: per group key a :class:`Tally`
(one fixed-size state per :class:`~lexmetrics._metric_specs.MetricSpec`, the pairs scored and
skipped, and how many pairs had each number of references), merged by integer addition.
:func:`group_index` is the one group keying (Spark's: every NaN is one group, ``-0.0`` is
``0.0``), and :func:`metrics_block` the one formatter of computed results.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Hashable, Iterator, Sequence
from typing import Any

import numpy as np

from . import _exactsum
from ._metric_specs import MetricSpec, RougeSpec, TerSpec

__all__ = ["Tally", "StateFold", "group_index", "canonical", "metrics_block"]


class Tally:
    """The states of one group: per spec a fixed-size state, pairs ``n`` scored and ``skipped``,
    and ``nrefs`` {references per pair: pairs} (the signatures' nrefs, as sacrebleu's)."""

    __slots__ = ("states", "n", "skipped", "nrefs")

    def __init__(self, specs: Sequence[MetricSpec]) -> None:
        self.states: list[np.ndarray] = [s.empty_state() for s in specs]
        self.n = 0
        self.skipped = 0
        self.nrefs: dict[int, int] = {}

    def add(
        self,
        specs: Sequence[MetricSpec],
        stats: Sequence[np.ndarray],
        skipped: int = 0,
        ref_counts: np.ndarray | None = None,
    ) -> None:
        """Folds per-spec statistics rows (one row per scored pair)."""
        for spec, state, st in zip(specs, self.states, stats, strict=True):
            spec.add(state, st)
        self.n += len(stats[0]) if stats else 0
        self.skipped += skipped
        if ref_counts is not None and len(ref_counts):
            ks, rows = np.unique(ref_counts, return_counts=True)
            for k, r in zip(ks.tolist(), rows.tolist(), strict=True):
                self.add_nrefs(k, r)

    def add_nrefs(self, refs: int, pairs: int) -> None:
        self.nrefs[refs] = self.nrefs.get(refs, 0) + pairs

    def merge(self, other: Tally) -> None:
        for mine, theirs in zip(self.states, other.states, strict=True):
            mine += theirs
        self.n += other.n
        self.skipped += other.skipped
        for k, rows in other.nrefs.items():
            self.add_nrefs(k, rows)

    def ref_range(self) -> tuple[int, int]:
        """Fewest and most references of any pair, (0, 0) when none is known."""
        ks = [k for k, rows in self.nrefs.items() if rows]
        return (min(ks), max(ks)) if ks else (0, 0)

    def nrefs_value(self) -> int | str | None:
        """The signatures' nrefs: the one number of references, ``"var"``, or None if unknown."""
        lo, hi = self.ref_range()
        if hi == 0:
            return None
        return lo if lo == hi else "var"


# Group states of exact float sums (ROUGE's per-pair P/R/F, TER's edits and reference lengths) are
# kept as fixed-point integers: value * 2**scale in _LIMBS limbs of _LIMB_BITS bits (carries
# propagated after each fold), instead of the _exactsum state (4,196 int64 per column). A value that
# is not an integer multiple of 2**-scale, or not below 2**(96 - scale), goes to an _exactsum state
# of its group on the side: exact either way.
_LIMB_BITS = 44
_LIMBS = 3
_LIMB_MASK = (1 << _LIMB_BITS) - 1
_MAX_BITS = 97  # per value (1.0 at scale 96 included); the top limb takes the carries
_FOLD_ROWS = 1 << 18  # rows per reduction: a limb sum stays below 2**62


def _fixed_scale(spec: MetricSpec) -> int | None:
    """2**-scale of the fixed-point group state of a float-sum spec (None: an integer-sum spec)."""
    if isinstance(spec, RougeSpec):
        return 96  # F, P and R lie in [0, 1]; fine-grained values
    if isinstance(spec, TerSpec):
        return 40  # edit counts and (averaged) reference lengths
    return None


def _limbs(values: np.ndarray, scale: int) -> tuple[np.ndarray, np.ndarray]:
    """(limbs (N, _LIMBS) int64, exact (N,) bool) of finite non-negative ``values``; rows not exact
    hold zeros."""
    v = np.asarray(values, dtype=np.float64)
    m, e = np.frexp(v)
    mi = np.ldexp(m, 53).astype(np.uint64)  # exact 53-bit integer mantissa
    shift = e.astype(np.int64) - 53 + scale
    neg = np.minimum(shift, 0)
    drop = np.minimum(-neg, 63).astype(np.uint64)
    exact = ((mi & ((np.uint64(1) << drop) - np.uint64(1))) == 0) & (-neg < 54)
    mi = np.where(exact, mi >> drop, np.uint64(0))
    shift = np.maximum(shift, 0)
    bits = np.where(
        mi > 0, np.floor(np.log2(np.maximum(mi, 1).astype(np.float64))).astype(np.int64) + 1, 0
    )
    exact &= (bits + shift <= _MAX_BITS) | (mi == 0)
    mi = np.where(exact, mi, np.uint64(0))
    out = np.zeros((v.size, _LIMBS), dtype=np.int64)
    mask = np.uint64(_LIMB_MASK)
    for k in range(_LIMBS):
        s = shift - _LIMB_BITS * k
        left = np.where(s >= 0, np.minimum(s, 63), 0).astype(np.uint64)
        right = np.where(s < 0, np.minimum(-s, 63), 0).astype(np.uint64)
        part = np.where(s >= 0, mi << left, mi >> right)
        part = np.where((s >= _LIMB_BITS) | (s <= -64), np.uint64(0), part & mask)
        out[:, k] = part.astype(np.int64)
    return out, exact | (v == 0)


def _limbs_to_state(limbs: np.ndarray, scale: int, state: np.ndarray) -> None:
    """Adds the fixed-point sum held by ``limbs`` (one column) to the _exactsum ``state``."""
    total = sum(int(x) << (_LIMB_BITS * k) for k, x in enumerate(limbs.tolist()))
    parts = []
    j = 0
    while total:
        chunk = total & ((1 << 53) - 1)
        if chunk:
            parts.append(math.ldexp(float(chunk), 53 * j - scale))  # exact: chunk < 2**53
        total >>= 53
        j += 1
    if parts:
        _exactsum.add_values(state, np.array(parts))


class _GroupTable:
    """The states of many groups as 2-D arrays indexed by group code: per count spec (G, d) int64
    sums; per float-sum spec (G, columns, _LIMBS) fixed-point limbs; pairs, skipped pairs and pairs
    per number of references as (G,) int64."""

    def __init__(self, specs: Sequence[MetricSpec]) -> None:
        self.specs = list(specs)
        self.keys: list[tuple] = []
        self.code_of: dict[tuple, int] = {}
        self.cap = 0
        self.n = np.zeros(0, dtype=np.int64)
        self.skipped = np.zeros(0, dtype=np.int64)
        self.nrefs: dict[int, np.ndarray] = {}
        self.scales = [_fixed_scale(s) for s in self.specs]
        self.arrays: list[np.ndarray] = []
        for spec, scale in zip(self.specs, self.scales, strict=True):
            d = len(spec.columns()) if scale is None else spec.empty_state().shape[0]
            self.arrays.append(
                np.zeros((0, d) if scale is None else (0, d, _LIMBS), dtype=np.int64)
            )
        self.side: dict[
            tuple[int, int], np.ndarray
        ] = {}  # (group, spec): _exactsum state of the rest

    def __len__(self) -> int:
        return len(self.keys)

    def _grow(self, size: int) -> None:
        if size <= self.cap:
            return
        cap = max(size, 2 * self.cap, 16)

        def grown(a: np.ndarray) -> np.ndarray:
            out = np.zeros((cap, *a.shape[1:]), dtype=a.dtype)
            out[: len(a)] = a
            return out

        # One array at a time, each old one freed once replaced: the peak is the table plus its
        # largest array, not two tables.
        self.n = grown(self.n)
        self.skipped = grown(self.skipped)
        for k in list(self.nrefs):
            self.nrefs[k] = grown(self.nrefs[k])
        for j in range(len(self.arrays)):
            self.arrays[j] = grown(self.arrays[j])
        self.cap = cap

    def codes(self, keys: Sequence[tuple]) -> np.ndarray:
        """Table code of each key (new keys appended, in order)."""
        code_of, known = self.code_of, self.keys
        out = []
        for k in keys:
            c = code_of.get(k)
            if c is None:
                c = code_of[k] = len(known)
                known.append(k)
            out.append(c)
        self._grow(len(known))
        return np.array(out, dtype=np.int64)

    def add(
        self,
        codes: np.ndarray,
        stats: Sequence[np.ndarray],
        valid_codes: np.ndarray,
        ref_counts: np.ndarray | None,
    ) -> None:
        """Folds rows: ``codes`` of every row (pairs scored or skipped), ``valid_codes`` and
        ``stats`` of the scored ones."""
        np.add.at(self.n, valid_codes, 1)
        self.skipped += np.bincount(codes, minlength=self.cap)[: self.cap]
        self.skipped -= np.bincount(valid_codes, minlength=self.cap)[: self.cap]
        if ref_counts is not None and len(ref_counts):
            for k in np.unique(ref_counts).tolist():
                arr = self.nrefs.get(k)
                if arr is None:
                    arr = self.nrefs[k] = np.zeros(self.cap, dtype=np.int64)
                arr += np.bincount(valid_codes[ref_counts == k], minlength=self.cap)[: self.cap]
        for start in range(0, len(valid_codes), _FOLD_ROWS):
            part = valid_codes[start : start + _FOLD_ROWS]
            order = np.argsort(part, kind="stable")
            sc = part[order]
            if not len(sc):
                continue
            bounds = np.flatnonzero(np.r_[True, sc[1:] != sc[:-1]])
            uniq = sc[bounds]
            for j, (spec, scale) in enumerate(zip(self.specs, self.scales, strict=True)):
                st = stats[j][start : start + _FOLD_ROWS][order]
                if scale is None:
                    self.arrays[j][uniq] += np.add.reduceat(
                        st.astype(np.int64, copy=False), bounds, axis=0
                    )
                    continue
                self._add_fixed(j, spec, scale, st, sc, bounds, uniq)

    def _add_fixed(
        self,
        j: int,
        spec: MetricSpec,
        scale: int,
        st: np.ndarray,
        sc: np.ndarray,
        bounds: np.ndarray,
        uniq: np.ndarray,
    ) -> None:
        arr = self.arrays[j]
        for c in range(st.shape[1]):
            limbs, exact = _limbs(st[:, c], scale)
            arr[uniq, c] += np.add.reduceat(limbs, bounds, axis=0)
            for i in np.flatnonzero(~exact).tolist():  # rare: values off the fixed-point grid
                key = (int(sc[i]), j)
                side = self.side.get(key)
                if side is None:
                    side = self.side[key] = spec.empty_state()
                _exactsum.add_values(side[c], st[i : i + 1, c])
        for k in range(_LIMBS - 1):  # carries, so the next fold cannot overflow a limb
            carry = arr[uniq, :, k] >> _LIMB_BITS
            arr[uniq, :, k] &= _LIMB_MASK
            arr[uniq, :, k + 1] += carry

    def tally(self, g: int) -> Tally:
        """Group ``g`` as a :class:`Tally` (its states in the specs' own format)."""
        t = Tally(self.specs)
        t.n, t.skipped = int(self.n[g]), int(self.skipped[g])
        for k, arr in self.nrefs.items():
            if arr[g]:
                t.add_nrefs(k, int(arr[g]))
        for j, (scale, state) in enumerate(zip(self.scales, t.states, strict=True)):
            if scale is None:
                state += self.arrays[j][g]
                continue
            for c in range(state.shape[0]):
                _limbs_to_state(self.arrays[j][g, c], scale, state[c])
            side = self.side.get((g, j))
            if side is not None:
                state += side
        return t


class StateFold:
    """Per group key a :class:`Tally` over the same specs (ungrouped data: the one key ``()``).

    Batches folded with ``groups`` go to a compact table (one row of integer states per group,
    :class:`_GroupTable`): many groups cost their integer statistics only. ``groups`` and
    ``tally()`` give every group as a :class:`Tally`; :meth:`iter_groups` walks the table without
    keeping them.

    ``data_nrefs=False`` keeps the ``nrefs`` the specs were built with (an explicit option)
    instead of the number of references the data had."""

    def __init__(self, specs: Sequence[MetricSpec], *, data_nrefs: bool = True) -> None:
        self.specs = list(specs)
        self.data_nrefs = data_nrefs
        self._tallies: dict[tuple, Tally] = {}
        self._table: _GroupTable | None = None

    @property
    def groups(self) -> dict[tuple, Tally]:
        self._flush()
        return self._tallies

    def _flush(self) -> None:
        table, self._table = self._table, None
        if table is None:
            return
        for g, key in enumerate(table.keys):
            self.tally(key).merge(table.tally(g))

    def tally(self, key: tuple = ()) -> Tally:
        self._flush()
        t = self._tallies.get(key)
        if t is None:
            t = self._tallies[key] = Tally(self.specs)
        return t

    def add(
        self,
        stats: Sequence[np.ndarray],
        *,
        rows: int | None = None,
        valid: np.ndarray | None = None,
        groups: tuple[np.ndarray, list[tuple]] | None = None,
        ref_counts: np.ndarray | None = None,
    ) -> None:
        """Folds one batch: ``stats`` per spec, one row per valid row of the batch's ``rows`` rows
        (``valid``: boolean mask of those rows, None when all are); ``groups``: the
        :func:`group_index` of the batch rows; ``ref_counts``: references of each valid row."""
        if rows is None:
            rows = len(stats[0]) if stats else 0
        if groups is None:
            nv = rows if valid is None else int(valid.sum())
            self.tally().add(self.specs, stats, rows - nv, ref_counts)
            return
        codes, keys = groups
        if self._table is None:
            self._table = _GroupTable(self.specs)
        table = self._table
        gcodes = (
            table.codes(keys)[np.asarray(codes, dtype=np.int64)]
            if len(keys)
            else np.zeros(0, np.int64)
        )
        valid_codes = gcodes if valid is None else gcodes[np.asarray(valid, dtype=bool)]
        table.add(gcodes, stats, valid_codes, ref_counts)

    def group_codes(self, keys: Sequence[tuple]) -> np.ndarray:
        """The code of each key in the group table (new keys added), as :meth:`iter_group_metrics`
        numbers the table's groups."""
        if self._table is None:
            self._table = _GroupTable(self.specs)
        return self._table.codes(keys)

    def merge(self, other: StateFold) -> None:
        for key, t in other.groups.items():
            self.tally(key).merge(t)

    def iter_groups(self) -> Iterator[tuple[tuple, Tally]]:
        """Every group as (key, Tally), one at a time, in order of first appearance."""
        table = self._table
        if table is None:
            yield from self._tallies.items()
            return
        for key, t in self._tallies.items():
            if key not in table.code_of:
                yield key, t
        for g, key in enumerate(table.keys):
            t = table.tally(g)
            held = self._tallies.get(key)
            if held is not None:
                t.merge(held)
            yield key, t

    def iter_group_metrics(self, nrefs_of: Tally) -> Iterator[tuple[tuple, int, dict[str, Any]]]:
        """(key, pairs, :meth:`metrics`) of every group, one at a time (signatures' nrefs from
        ``nrefs_of``): straight from the table's integer states where they are exact."""
        table = self._table
        specs = self.signature_specs(nrefs_of)
        if table is None:
            for key, t in self._tallies.items():
                yield key, t.n, metrics_block(specs, t.states, t.n)
            return
        sigs = [s.signature() if isinstance(s, RougeSpec) else None for s in specs]
        for key, t in self._tallies.items():
            if key not in table.code_of:
                yield key, t.n, metrics_block(specs, t.states, t.n)
        for g, key in enumerate(table.keys):
            if (
                key in self._tallies
                or any((g, j) in table.side for j in range(len(specs)))
                or any(isinstance(s, TerSpec) for s in specs)
            ):
                t = table.tally(g)
                held = self._tallies.get(key)
                if held is not None:
                    t.merge(held)
                yield key, t.n, metrics_block(specs, t.states, t.n)
                continue
            n = int(table.n[g])
            out: dict[str, Any] = {}
            for j, spec in enumerate(specs):
                if isinstance(spec, RougeSpec):
                    scale = table.scales[j]
                    means = [_fixed_mean(limbs, scale, n) for limbs in table.arrays[j][g].tolist()]  # type: ignore[arg-type]
                    for i, rtype in enumerate(spec.rouge_types):
                        p, r, f = means[3 * i : 3 * i + 3]
                        out[rtype] = {
                            "precision": p,
                            "recall": r,
                            "fmeasure": f,
                            "n": n,
                            "signature": sigs[j],
                        }
                else:
                    out[spec.name] = spec.compute(table.arrays[j][g], n)
            yield key, n, out

    def total(self) -> Tally:
        out = Tally(self.specs)
        for t in self._tallies.values():
            out.merge(t)
        table = self._table
        if table is None or not len(table):
            return out
        size = len(table)
        out.n += _big_sum(table.n[:size])
        out.skipped += _big_sum(table.skipped[:size])
        for k, arr in table.nrefs.items():
            rows = _big_sum(arr[:size])
            if rows:
                out.add_nrefs(k, rows)
        for j, (scale, state) in enumerate(zip(table.scales, out.states, strict=True)):
            a = table.arrays[j][:size]
            if scale is None:
                state += np.array([_big_sum(a[:, c]) for c in range(a.shape[1])], dtype=np.int64)
                continue
            for c in range(a.shape[1]):
                limbs = np.array([_big_sum(a[:, c, k]) for k in range(_LIMBS)], dtype=object)
                _limbs_to_state(limbs, scale, state[c])
        for (_, j), side in table.side.items():
            out.states[j] += side
        return out

    def signature_specs(self, nrefs_of: Tally) -> list[MetricSpec]:
        """The specs, with the nrefs of ``nrefs_of``'s data in their signatures."""
        value = nrefs_of.nrefs_value()
        if not self.data_nrefs or value is None:
            return self.specs
        return [
            dataclasses.replace(s, nrefs=value) if hasattr(s, "nrefs") else s  # type: ignore[type-var]
            for s in self.specs
        ]

    def metrics(self, tally: Tally, nrefs_of: Tally | None = None) -> dict[str, Any]:
        """:func:`metrics_block` of ``tally`` (signatures' nrefs from ``nrefs_of``, default itself)."""
        return metrics_block(self.signature_specs(nrefs_of or tally), tally.states, tally.n)

    def sorted_groups(self) -> Iterator[tuple[tuple, Tally]]:
        return iter(sorted(self.groups.items(), key=lambda kv: _sort_key(kv[0])))


def _fixed_mean(limbs: list[int], scale: int, n: int) -> float:
    """The correctly rounded mean of ``n`` values whose fixed-point sum is ``limbs`` (as
    ``_exactsum.state_mean``: Python's int / int is correctly rounded too)."""
    if n == 0:
        return 0.0
    a, b, c = limbs
    return (a + (b << _LIMB_BITS) + (c << (2 * _LIMB_BITS))) / (n << scale)


def _big_sum(a: np.ndarray) -> int:
    """Exact sum of int64 values (blocks small enough that int64 partial sums cannot overflow)."""
    return sum(int(a[i : i + _FOLD_ROWS].sum()) for i in range(0, len(a), _FOLD_ROWS))


def metrics_block(
    specs: Sequence[MetricSpec], states: Sequence[np.ndarray], n: int
) -> dict[str, Any]:
    """``{metric: result}`` of the states of ``n`` pairs; each ROUGE type with its signature."""
    out: dict[str, Any] = {}
    for spec, state in zip(specs, states, strict=True):
        res = spec.compute(state, n)
        if isinstance(spec, RougeSpec):
            sig = res.pop("signature")
            for t in spec.rouge_types:
                out[t] = dict(res[t], signature=sig)
        else:
            out[spec.name] = res
    return out


# ------------------------------------------------------------------------------------------------
# group keys
# ------------------------------------------------------------------------------------------------

# The one NaN of group keys: Spark groups every NaN together (and -0.0 with 0.0), but
# float("nan") != float("nan") would give each NaN row a group of its own in a dict.
_NAN = float("nan")


def canonical(v: Any) -> Any:
    """A group value as Spark groups it: every NaN is one value, ``-0.0`` is ``0.0``."""
    if isinstance(v, float):
        if v != v:
            return _NAN
        if v == 0.0:
            return 0.0
    return v


def canonical_key(key: tuple) -> tuple:
    if any(isinstance(v, float) for v in key):
        return tuple(canonical(v) for v in key)
    return key


def _sort_key(key: Any) -> tuple:
    # None sorts first, NaN after the other floats; mixed types sort by type name so sorting never fails.
    key = key if isinstance(key, tuple) else (key,)
    return tuple((v is not None, type(v).__name__, v is _NAN, 0.0 if v is _NAN else v) for v in key)


def _column_codes(col: Any, name: Callable[[Any], Hashable] | None) -> tuple[np.ndarray, list]:
    """Group code of each row of one column and the key of each code, in order of first appearance."""

    def key(v: Any) -> Hashable:
        return canonical(v) if name is None else name(canonical(v))

    if hasattr(col, "dictionary_encode") and hasattr(col, "type"):  # an Arrow array
        import pyarrow as pa

        if isinstance(col, pa.ChunkedArray):
            col = col.combine_chunks()
        if not pa.types.is_dictionary(col.type):
            try:
                enc = col.dictionary_encode(null_encoding="encode")
            except pa.ArrowNotImplementedError:
                enc = None
            if enc is not None:
                # dictionary_encode puts all NaNs in one entry; -0.0 and 0.0 merge through key()
                seen: dict[Hashable, int] = {}
                remap = np.array(
                    [seen.setdefault(key(v), len(seen)) for v in enc.dictionary.to_pylist()],
                    dtype=np.int64,
                )
                idx = enc.indices.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
                return remap[idx] if len(remap) else idx, list(seen)
        col = col.to_pylist()
    seen = {}
    codes = np.fromiter(
        (seen.setdefault(key(v), len(seen)) for v in col), dtype=np.int64, count=len(col)
    )
    return codes, list(seen)


def group_index(
    columns: Sequence[Any], name: Callable[[Any], Hashable] | None = None
) -> tuple[np.ndarray, list[tuple]]:
    """Group code of each row and each group's key (a tuple, one value per column), in order of
    first appearance. Values group as Spark groups them (:func:`canonical`); with ``name``, rows
    whose values have the same name are one group and the key holds the names."""
    per_col = [_column_codes(c, name) for c in columns]
    if len(per_col) == 1:
        codes, values = per_col[0]
        return codes, [(v,) for v in values]
    stacked = np.stack([c for c, _ in per_col], axis=1)
    uniq, first, inverse = np.unique(stacked, axis=0, return_index=True, return_inverse=True)
    order = np.argsort(first, kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    keys = [tuple(per_col[j][1][uniq[i, j]] for j in range(len(per_col))) for i in order.tolist()]
    return rank[inverse.ravel()], keys
