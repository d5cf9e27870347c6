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
from collections.abc import Callable, Hashable, Iterator, Sequence
from typing import Any

import numpy as np

from ._metric_specs import MetricSpec, RougeSpec

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

    def add(self, specs: Sequence[MetricSpec], stats: Sequence[np.ndarray], skipped: int = 0,
            ref_counts: np.ndarray | None = None) -> None:
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


class StateFold:
    """Per group key a :class:`Tally` over the same specs (ungrouped data: the one key ``()``).

    ``data_nrefs=False`` keeps the ``nrefs`` the specs were built with (an explicit option)
    instead of the number of references the data had."""

    def __init__(self, specs: Sequence[MetricSpec], *, data_nrefs: bool = True) -> None:
        self.specs = list(specs)
        self.data_nrefs = data_nrefs
        self.groups: dict[tuple, Tally] = {}

    def tally(self, key: tuple = ()) -> Tally:
        t = self.groups.get(key)
        if t is None:
            t = self.groups[key] = Tally(self.specs)
        return t

    def add(self, stats: Sequence[np.ndarray], *, rows: int | None = None,
            valid: np.ndarray | None = None, groups: tuple[np.ndarray, list[tuple]] | None = None,
            ref_counts: np.ndarray | None = None) -> None:
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
        # Stats row of each batch row (-1: not scored); rows sorted by group, cut at the bounds.
        at = np.arange(rows) if valid is None else np.where(valid, np.cumsum(valid) - 1, -1)
        order = np.argsort(codes, kind="stable")
        bounds = np.concatenate(([0], np.cumsum(np.bincount(codes, minlength=len(keys)))))
        for g, key in enumerate(keys):
            idx = at[order[bounds[g]:bounds[g + 1]]]
            sel = idx[idx >= 0]
            if not len(idx):
                continue
            self.tally(key).add(self.specs, [st[sel] for st in stats], len(idx) - len(sel),
                                None if ref_counts is None else ref_counts[sel])

    def merge(self, other: StateFold) -> None:
        for key, t in other.groups.items():
            self.tally(key).merge(t)

    def total(self) -> Tally:
        out = Tally(self.specs)
        for t in self.groups.values():
            out.merge(t)
        return out

    def signature_specs(self, nrefs_of: Tally) -> list[MetricSpec]:
        """The specs, with the nrefs of ``nrefs_of``'s data in their signatures."""
        value = nrefs_of.nrefs_value()
        if not self.data_nrefs or value is None:
            return self.specs
        return [dataclasses.replace(s, nrefs=value) if hasattr(s, "nrefs") else s  # type: ignore[type-var]
                for s in self.specs]

    def metrics(self, tally: Tally, nrefs_of: Tally | None = None) -> dict[str, Any]:
        """:func:`metrics_block` of ``tally`` (signatures' nrefs from ``nrefs_of``, default itself)."""
        return metrics_block(self.signature_specs(nrefs_of or tally), tally.states, tally.n)

    def sorted_groups(self) -> Iterator[tuple[tuple, Tally]]:
        return iter(sorted(self.groups.items(), key=lambda kv: _sort_key(kv[0])))


def metrics_block(specs: Sequence[MetricSpec], states: Sequence[np.ndarray], n: int) -> dict[str, Any]:
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
                remap = np.array([seen.setdefault(key(v), len(seen)) for v in enc.dictionary.to_pylist()],
                                 dtype=np.int64)
                idx = enc.indices.to_numpy(zero_copy_only=False).astype(np.int64, copy=False)
                return remap[idx] if len(remap) else idx, list(seen)
        col = col.to_pylist()
    seen = {}
    codes = np.fromiter((seen.setdefault(key(v), len(seen)) for v in col), dtype=np.int64, count=len(col))
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
