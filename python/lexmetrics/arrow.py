"""Arrow record batches in, per-row scores and exact sufficient statistics out (no pandas).

The framework-agnostic kernel of the Spark (``lexmetrics.spark``), Ray and Dask integrations:

* :func:`score_batch` scores one ``pyarrow.RecordBatch``: per-row ROUGE P/R/F, sentence BLEU and
  sentence chrF, plus the integer BLEU/chrF sufficient statistics as ``int64`` columns.
* :func:`state_batch` folds batches into a *partial state*: a small long-format batch
  ``(by..., stat_part, stat_slot, stat_value)`` of int64 values. Partial states merge by summing
  ``stat_value`` per ``(by..., stat_part, stat_slot)`` -- integer sums, exact in any order, on any
  number of machines (BLEU/chrF counts; ROUGE as an exact float sum, see ``_exactsum``).
* :func:`corpus_from_states` and :func:`corpus_from_scores` turn summed statistics into corpus
  BLEU, corpus chrF and the mean ROUGE, equal (``==``) to the single-process results.

Null policy (``on_null``): ``"raise"`` (default) raises :class:`~lexmetrics.InputValueError` naming
the column and the row of the batch; ``"skip"`` leaves such rows unscored (null score columns in
:func:`score_batch`, excluded from corpus results and counted in ``n_skipped``). A row is null when
its prediction, its reference, or (list column) any of its references is null. Empty strings are
scored like the single-machine API scores them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeAlias

import numpy as np

from ._aggregate import StateFold, Tally, canonical_key, group_index
from ._columns import is_list_type, is_text_type, ref_counts
from ._dependencies import require
from ._errors import InputTypeError, InputValueError
from ._metric_specs import (
    BleuSpec,
    ChrfSpec,
    MetricSpec,
    RougeSpec,
    TerSpec,
    build_specs,
    check_options,
)

__all__ = [
    "DEFAULT_METRICS",
    "STATE_COLUMNS",
    "score_batch",
    "score_schema",
    "state_batch",
    "state_schema",
    "corpus_from_states",
    "corpus_from_scores",
]

if TYPE_CHECKING:  # for annotations; at run time a missing pyarrow says how to install it
    import pyarrow as pa
else:
    pa = require("pyarrow", "lexmetrics.arrow")
pc = require("pyarrow.compute", "lexmetrics.arrow")

DEFAULT_METRICS = ("rouge1", "rougeL", "bleu", "chrf")
#: Names of the value columns of a partial state (after the ``by`` columns).
STATE_COLUMNS = ("stat_part", "stat_slot", "stat_value")
_COUNT_PART = "n"  # slot 0: rows scored, slot 1: rows skipped (null)
_NREFS_PART = "nrefs"  # slot k: rows with k references (the signatures' nrefs)
_ON_NULL = ("raise", "skip")

Batch: TypeAlias = "pa.RecordBatch | pa.Table"


# ------------------------------------------------------------------------------------------------
# configuration shared by every entry point
# ------------------------------------------------------------------------------------------------


class ScoringConfig:
    """Specs, column names and the null policy; plain data, so it pickles to Spark executors."""

    def __init__(
        self,
        metrics: Sequence[str] | str,
        pred_col: str,
        ref_col: str,
        on_null: str,
        workers: int | None,
        options: Mapping[str, Any],
    ) -> None:
        if isinstance(metrics, str):
            metrics = metrics.split(",")
        if on_null not in _ON_NULL:
            raise InputValueError(f"on_null must be one of {_ON_NULL}, got {on_null!r}")
        if workers is not None and (
            isinstance(workers, bool) or not isinstance(workers, int) or workers < 1
        ):
            raise InputValueError(f"workers must be a positive int or None, got {workers!r}")
        check_options(dict(options))
        self.specs: list[MetricSpec] = build_specs(list(metrics), **options)
        # The signatures' nrefs comes from the data unless given as an option.
        self.data_nrefs = "nrefs" not in options
        self.pred_col = pred_col
        self.ref_col = ref_col
        self.on_null = on_null
        self.workers = workers

    def fold(self) -> StateFold:
        """An empty fold of this configuration's metrics."""
        return StateFold(self.specs, data_nrefs=self.data_nrefs)

    # -- output layout ------------------------------------------------------------------------

    def fields(self, include_stats: bool) -> list[pa.Field]:
        out = []
        for spec in self.specs:
            out += [pa.field(c, pa.float64()) for c in _score_columns(spec)]
            if include_stats:
                out += [pa.field(c, _stat_type(spec)) for c in _stat_columns(spec)]
        return out

    # -- scoring ------------------------------------------------------------------------------

    def valid_rows(self, batch: Batch) -> np.ndarray | None:
        """Boolean mask of the rows to score, or None when all are; raises under on_null='raise'."""
        pred = _column(batch, self.pred_col)
        ref = _column(batch, self.ref_col)
        _check_text_type(pred.type, self.pred_col, allow_list=False)
        _check_text_type(ref.type, self.ref_col, allow_list=True)
        bad = None
        for name, col in ((self.pred_col, pred), (self.ref_col, ref)):
            nulls = _null_rows(col)
            if nulls is None:
                continue
            if self.on_null == "raise":
                row = int(np.flatnonzero(nulls)[0])
                what = (
                    "a null reference inside the list"
                    if not col.is_null()[row].as_py()
                    else "a null"
                )
                raise InputValueError(
                    f"column {name!r} has {what} at row {row} of the batch "
                    f"({int(nulls.sum())} such rows); drop or fill nulls, or pass on_null='skip'"
                )
            bad = nulls if bad is None else (bad | nulls)
        return None if bad is None else ~bad

    def stats(self, batch: Batch, valid: np.ndarray | None) -> tuple[Any, Any]:
        """Predictions and references of the valid rows: Arrow string columns, read zero-copy by
        the core (a list column of several references becomes Python lists there)."""
        pred = _column(batch, self.pred_col)
        ref = _column(batch, self.ref_col)
        if valid is not None:
            mask = pa.array(valid)
            pred, ref = pc.filter(pred, mask), pc.filter(ref, mask)
        return pred, ref


def _score_columns(spec: MetricSpec) -> list[str]:
    if isinstance(spec, RougeSpec):
        return spec.columns()
    return [_col_name(spec)]


def _col_name(spec: MetricSpec) -> str:
    # "chrf++" is awkward as a column name (SQL needs backticks): chrfpp.
    return spec.name.replace("++", "pp")


def _stat_columns(spec: MetricSpec) -> list[str]:
    """int64 statistics columns (ROUGE's sufficient statistics are its float score columns)."""
    if isinstance(spec, BleuSpec):
        return [f"bleu_{c}" for c in spec.columns()]
    if isinstance(spec, ChrfSpec):
        p = _col_name(spec)
        orders = [f"c{i}" for i in range(1, spec.char_order + 1)]
        orders += [f"w{i}" for i in range(1, spec.word_order + 1)]
        # sacrebleu's chrF statistics: [hyp, ref, match] per order, char orders then word orders.
        return [f"{p}_{o}_{k}" for o in orders for k in ("hyp", "ref", "match")]
    if isinstance(spec, TerSpec):
        return [f"ter_{c}" for c in spec.columns()]
    return []


def _stat_type(spec: MetricSpec) -> pa.DataType:
    # TER's statistics are floats (sacrebleu's average reference length); the others count.
    return pa.float64() if isinstance(spec, TerSpec) else pa.int64()


def _column(batch: Batch, name: str):
    try:
        return batch.column(name)
    except KeyError:
        raise InputValueError(
            f"no column {name!r} in the batch (columns: {', '.join(batch.schema.names)})"
        ) from None


def _check_text_type(t, name: str, allow_list: bool) -> None:
    # An all-null column has Arrow type null: the null policy, not a type error, applies to it.
    if (
        pa.types.is_null(t)
        or is_text_type(t)
        or (
            allow_list
            and is_list_type(t)
            and (is_text_type(t.value_type) or pa.types.is_null(t.value_type))
        )
    ):
        return
    want = "a string column or a list-of-string column" if allow_list else "a string column"
    raise InputTypeError(f"column {name!r} must be {want}, got Arrow type {t}")


def _null_rows(col) -> np.ndarray | None:
    """Rows that are null or (list column) hold a null element; None when there are none."""
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    bad = None
    if col.null_count:
        bad = np.asarray(col.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    if is_list_type(col.type):
        flat = col.flatten()
        if flat.null_count:
            parents = pc.list_parent_indices(col).to_numpy()
            elem_null = np.asarray(flat.is_null().to_numpy(zero_copy_only=False), dtype=bool)
            inner = np.zeros(len(col), dtype=bool)
            inner[parents[elem_null]] = True
            bad = inner if bad is None else (bad | inner)
    if bad is not None and not bad.any():
        return None
    return bad


def _spec_stats(cfg: ScoringConfig, spec: MetricSpec, preds: Any, refs: Any) -> np.ndarray:
    return spec.stats(preds, refs, cfg.workers) if len(preds) else _empty_stats(spec)


def _scatter(values: np.ndarray, valid: np.ndarray | None, n: int, typ) -> pa.Array:
    if valid is None:
        return pa.array(values, type=typ)
    full = np.zeros(n, dtype=values.dtype)
    full[valid] = values
    return pa.array(full, type=typ, mask=~valid)


# ------------------------------------------------------------------------------------------------
# per-row scores
# ------------------------------------------------------------------------------------------------


def score_schema(
    input_schema: pa.Schema | None = None,
    *,
    metrics: Sequence[str] | str = DEFAULT_METRICS,
    keep_cols: Sequence[str] = (),
    include_stats: bool = True,
    **options: Any,
) -> pa.Schema:
    """The schema :func:`score_batch` returns (``keep_cols`` fields taken from ``input_schema``)."""
    cfg = ScoringConfig(metrics, "prediction", "reference", "raise", None, options)
    kept = []
    for c in keep_cols:
        if input_schema is None or c not in input_schema.names:
            raise InputValueError(f"keep_cols: no column {c!r} in the input schema")
        kept.append(input_schema.field(c))
    return _checked_schema(kept + cfg.fields(include_stats))


def _checked_schema(fields: list) -> pa.Schema:
    seen: set[str] = set()
    for f in fields:
        if f.name in seen:
            raise InputValueError(
                f"output column {f.name!r} appears twice (a kept input column has the name of a score column)"
            )
        seen.add(f.name)
    return pa.schema(fields)


def score_batch(
    batch: Batch,
    *,
    metrics: Sequence[str] | str = DEFAULT_METRICS,
    pred_col: str = "prediction",
    ref_col: str = "reference",
    keep_cols: Sequence[str] = (),
    include_stats: bool = True,
    on_null: str = "raise",
    workers: int | None = None,
    **options: Any,
) -> pa.RecordBatch:
    """Per-row scores (float64) and sufficient statistics (int64) of one Arrow batch.

    Args:
        batch: a ``pyarrow.RecordBatch`` (or ``Table``). ``pred_col`` is a string column
            (``string``, ``large_string``, ``string_view``, dictionary); ``ref_col`` a string
            column or a list-of-string column (several references per row).
        metrics: names from ``rouge1``..``rouge9``, ``rougeL``, ``rougeLsum``, ``bleu``, ``chrf``,
            ``chrf++`` (a list or a comma-separated string).
        keep_cols: input columns copied unchanged in front of the scores (ids, group keys).
        include_stats: add the integer BLEU/chrF statistics columns.
        on_null: ``"raise"`` or ``"skip"`` (see the module docs).
        workers: threads for the native kernel (default: all cores; one per Spark task in
            ``lexmetrics.spark``). Results do not depend on it.
        **options: metric options, as ``lexmetrics.cli``/``build_specs``: ``use_stemmer``,
            ``split_summaries``, ``rouge_tokenizer`` (docs/rouge-tokenizers.md), ``tokenize``, ``smooth_method``, ``smooth_value``, ``lowercase``,
            ``use_effective_order``, ``max_ngram_order``, ``chrf_char_order``,
            ``chrf_word_order``, ``chrf_beta``, ``chrf_whitespace``, ``chrf_eps_smoothing``,
            ``chrf_lowercase``, ``nrefs``.

    Returns:
        A ``RecordBatch``: ``keep_cols``, then per metric its scores -- ``{type}_precision``,
        ``{type}_recall``, ``{type}_fmeasure`` for ROUGE (as ``lexmetrics.rouge``); ``bleu``
        (sentence BLEU, effective order, as ``sacrebleu.sentence_bleu``); ``chrf``/``chrfpp``
        (sentence chrF) -- then, with ``include_stats``, ``bleu_sys_len``, ``bleu_ref_len``,
        ``bleu_correct_{n}``, ``bleu_total_{n}`` and ``chrf_{c|w}{n}_{hyp|ref|match}``.
    """
    cfg = ScoringConfig(metrics, pred_col, ref_col, on_null, workers, options)
    return score_with(cfg, batch, keep_cols, include_stats)


def score_with(
    cfg: ScoringConfig, batch: Batch, keep_cols: Sequence[str], include_stats: bool
) -> pa.RecordBatch:
    """:func:`score_batch` with a built configuration (what ``lexmetrics.spark``'s tasks run)."""
    if isinstance(batch, pa.Table):
        batch = (
            batch.combine_chunks().to_batches()[0]
            if batch.num_rows
            else pa.RecordBatch.from_pylist([], schema=batch.schema)
        )
    n = batch.num_rows
    schema = _checked_schema(
        [
            batch.schema.field(c) if c in batch.schema.names else _missing(c, batch)
            for c in keep_cols
        ]
        + cfg.fields(include_stats)
    )
    valid = cfg.valid_rows(batch)
    preds, refs = cfg.stats(batch, valid)
    arrays = [batch.column(c) for c in keep_cols]
    for spec in cfg.specs:
        st = _spec_stats(cfg, spec, preds, refs)
        # ROUGE's per-row columns are its statistics; BLEU/chrF: one sentence-score column
        arrays += [_scatter(v, valid, n, pa.float64()) for v in spec.per_pair(st).values()]
        if include_stats and not isinstance(spec, RougeSpec):
            arrays += [_scatter(st[:, j], valid, n, _stat_type(spec)) for j in range(st.shape[1])]
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _missing(c: str, batch: Batch):
    raise InputValueError(
        f"keep_cols: no column {c!r} in the batch (columns: {', '.join(batch.schema.names)})"
    )


def _empty_stats(spec: MetricSpec) -> np.ndarray:
    width = len(spec.columns())
    return np.zeros(
        (0, width), dtype=np.float64 if isinstance(spec, (RougeSpec, TerSpec)) else np.int64
    )


# ------------------------------------------------------------------------------------------------
# partial states (mergeable) and corpus results
# ------------------------------------------------------------------------------------------------


def _add_state_row(fold: StateFold, key: tuple, part: str, slot: int, value: int) -> None:
    """Adds one ``(key, part, slot, value)`` row of a partial state to ``fold``."""
    t = fold.tally(canonical_key(key))
    if part == _COUNT_PART:
        if slot not in (0, 1):
            raise InputValueError(f"bad partial state: slot {slot} of part 'n'")
        if slot == 0:
            t.n += int(value)
        else:
            t.skipped += int(value)
        return
    if part == _NREFS_PART:
        if slot < 1:
            raise InputValueError(f"bad partial state: slot {slot} of part {_NREFS_PART!r}")
        t.add_nrefs(slot, int(value))
        return
    for spec, state in zip(fold.specs, t.states, strict=True):
        if spec.name == part:
            flat = state.reshape(-1)
            if not 0 <= slot < flat.size:
                raise InputValueError(f"bad partial state: slot {slot} of part {part!r}")
            flat[slot] += int(value)
            return
    raise InputValueError(
        f"partial state holds metric {part!r}, not among {[s.name for s in fold.specs]}: "
        "pass the same metrics and options as when the states were made"
    )


def _state_rows(fold: StateFold) -> Iterator[tuple[tuple, str, int, int]]:
    """Sparse long-format rows ``(key, part, slot, value)`` of the nonzero state entries."""
    for key, t in fold.groups.items():
        yield key, _COUNT_PART, 0, t.n
        if t.skipped:
            yield key, _COUNT_PART, 1, t.skipped
        for k, rows in sorted(t.nrefs.items()):
            yield key, _NREFS_PART, k, rows
        for spec, state in zip(fold.specs, t.states, strict=True):
            flat = state.reshape(-1)
            for slot in np.flatnonzero(flat).tolist():
                yield key, spec.name, slot, int(flat[slot])


def _block(fold: StateFold, t: Tally) -> dict[str, Any]:
    return {"n": t.n, "n_skipped": t.skipped, "metrics": fold.metrics(t)}


def _result(fold: StateFold, grouped: bool) -> dict[str, Any]:
    out = _block(fold, fold.total())
    if grouped:
        out["groups"] = {
            (k[0] if len(k) == 1 else k): _block(fold, t) for k, t in fold.sorted_groups()
        }
    return out


def by_columns(by: str | Sequence[str] | None) -> list[str]:
    """The ``by`` argument as a list of column names."""
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    return list(by)


def _groups(batch: Batch, by: list[str]) -> tuple[np.ndarray, list[tuple]] | None:
    return group_index([_column(batch, c) for c in by]) if by else None


def state_schema(by_fields: Sequence[pa.Field] = ()) -> pa.Schema:
    """Schema of a partial state: the ``by`` fields, then ``stat_part``, ``stat_slot``, ``stat_value``."""
    names = [f.name for f in by_fields]
    clash = set(names) & set(STATE_COLUMNS)
    if clash:
        raise InputValueError(f"group columns may not be named {sorted(clash)}")
    return pa.schema(
        list(by_fields)
        + [
            pa.field("stat_part", pa.string()),
            pa.field("stat_slot", pa.int64()),
            pa.field("stat_value", pa.int64()),
        ]
    )


def fold_batch(cfg: ScoringConfig, fold: StateFold, batch: Batch, by: list[str]) -> None:
    """Scores one batch and folds its statistics into ``fold``, per value of the ``by`` columns."""
    n = batch.num_rows
    if n == 0:
        return
    groups = _groups(batch, by)
    valid = cfg.valid_rows(batch)
    preds, refs = cfg.stats(batch, valid)
    stats = [_spec_stats(cfg, s, preds, refs) for s in cfg.specs]
    fold.add(stats, rows=n, valid=valid, groups=groups, ref_counts=ref_counts(refs))


def state_batch_of(fold: StateFold, by_fields: list) -> pa.RecordBatch:
    """The partial state (long format, see :func:`state_batch`) of ``fold``."""
    schema = state_schema(by_fields)
    rows = list(_state_rows(fold))
    cols: list = []
    for j, f in enumerate(by_fields):
        cols.append(pa.array([r[0][j] for r in rows], type=f.type))
    cols.append(pa.array([r[1] for r in rows], type=pa.string()))
    cols.append(pa.array([r[2] for r in rows], type=pa.int64()))
    cols.append(pa.array([r[3] for r in rows], type=pa.int64()))
    return pa.RecordBatch.from_arrays(cols, schema=schema)


def state_batch(
    batches: Batch | Iterable[Batch],
    *,
    metrics: Sequence[str] | str = DEFAULT_METRICS,
    pred_col: str = "prediction",
    ref_col: str = "reference",
    by: str | Sequence[str] | None = None,
    on_null: str = "raise",
    workers: int | None = None,
    **options: Any,
) -> pa.RecordBatch:
    """The partial state of one or more batches, per value of the ``by`` column(s).

    Returns a long-format ``RecordBatch`` ``(by..., stat_part, stat_slot, stat_value)`` holding
    the nonzero entries of each metric's fixed-size state (``stat_part`` is the metric family:
    ``n``, ``nrefs`` (rows per number of references), ``rouge``, ``bleu``, ``chrf``, ``chrf++``). Concatenate states from any number of
    partitions or machines; :func:`corpus_from_states` sums them (or sum ``stat_value`` grouped by
    the other columns first: the integer sums are exact either way).
    """
    cfg = ScoringConfig(metrics, pred_col, ref_col, on_null, workers, options)
    by_l = by_columns(by)
    if isinstance(batches, (pa.RecordBatch, pa.Table)):
        batches = [batches]
    fold = cfg.fold()
    by_fields = None
    for b in batches:
        if by_fields is None:
            for c in by_l:
                _column(b, c)  # a clear error for a missing group column
            by_fields = [b.schema.field(c) for c in by_l]
        fold_batch(cfg, fold, b, by_l)
    if by_fields is None:
        by_fields = [pa.field(c, pa.null()) for c in by_l]
    return state_batch_of(fold, by_fields)


def corpus_from_states(
    states: Batch | Iterable[Batch] | Iterable[tuple],
    *,
    metrics: Sequence[str] | str = DEFAULT_METRICS,
    by: str | Sequence[str] | None = None,
    **options: Any,
) -> dict[str, Any]:
    """Corpus results from partial states (any number, any order, summed or not).

    ``states`` holds batches from :func:`state_batch` (or tuples ``(*by_values, part, slot,
    value)``). ``metrics`` and ``options`` must be those the states were made with.

    Returns ``{"n", "n_skipped", "metrics": {name: result}}`` -- ROUGE types as
    ``{"precision", "recall", "fmeasure", "n", "signature"}`` (correctly rounded means of the
    per-row scores), ``bleu``/``chrf`` as the corpus results of ``lexmetrics.corpus_bleu`` /
    ``corpus_chrf`` -- plus, with ``by``, ``"groups": {key: {...same...}}`` (key: the value, or a
    tuple of values for several ``by`` columns).
    """
    cfg = ScoringConfig(metrics, "prediction", "reference", "raise", None, options)
    by_l = by_columns(by)
    fold = cfg.fold()
    if isinstance(states, (pa.RecordBatch, pa.Table)):
        states = [states]
    k = len(by_l)
    for item in states:
        if isinstance(item, (pa.RecordBatch, pa.Table)):
            cols = [_column(item, c).to_pylist() for c in by_l + list(STATE_COLUMNS)]
            for row in zip(*cols, strict=True):
                _add_state_row(fold, tuple(row[:k]), row[k], int(row[k + 1]), int(row[k + 2]))
        else:
            row = tuple(item)
            if len(row) != k + 3:
                raise InputValueError(
                    f"a state row needs {k + 3} values (by..., part, slot, value), got {row!r}"
                )
            _add_state_row(fold, row[:k], row[k], int(row[k + 1]), int(row[k + 2]))
    return _result(fold, bool(by_l))


def corpus_from_scores(
    scored: Batch | Iterable[Batch],
    *,
    metrics: Sequence[str] | str = DEFAULT_METRICS,
    by: str | Sequence[str] | None = None,
    **options: Any,
) -> dict[str, Any]:
    """Corpus results from :func:`score_batch` output (made with ``include_stats=True``).

    Sums the statistics columns (ROUGE: exact sums of the per-row scores); rows whose scores are
    null (``on_null="skip"``) count in ``n_skipped``. Same result layout as
    :func:`corpus_from_states`.
    """
    cfg = ScoringConfig(metrics, "prediction", "reference", "raise", None, options)
    by_l = by_columns(by)
    fold = cfg.fold()
    if isinstance(scored, (pa.RecordBatch, pa.Table)):
        scored = [scored]
    for b in scored:
        n = b.num_rows
        if n == 0:
            continue
        valid = None
        stats = []
        for spec in cfg.specs:
            cols = spec.columns() if isinstance(spec, RougeSpec) else _stat_columns(spec)
            arrs = [_column(b, c) for c in cols]
            for a in arrs:
                if a.null_count:
                    ok = np.asarray(a.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
                    valid = ok if valid is None else (valid & ok)
            dtype = np.float64 if isinstance(spec, (RougeSpec, TerSpec)) else np.int64
            stats.append(
                np.column_stack([_filled(a, dtype) for a in arrs])
                if arrs
                else np.zeros((n, 0), dtype)
            )
        if valid is not None:
            stats = [st[valid] for st in stats]
            if valid.all():
                valid = None
        fold.add(stats, rows=n, valid=valid, groups=_groups(b, by_l))
    return _result(fold, bool(by_l))


def _filled(a, dtype) -> np.ndarray:
    if isinstance(a, pa.ChunkedArray):
        a = a.combine_chunks()
    return np.asarray(a.fill_null(0).to_numpy(zero_copy_only=False), dtype=dtype)
