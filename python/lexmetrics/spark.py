"""Scoring Apache Spark DataFrames, with exact corpus aggregation (``pip install 'lexmetrics[spark]'``).

Both entry points run :mod:`lexmetrics.arrow` on Arrow batches (``DataFrame.mapInArrow``; for
:func:`with_scores` on Spark >= 4.1 an ``arrow_udf`` over the two text columns, so no other column
crosses into Python), with no pandas and no per-row Python objects beyond the strings:

* :func:`with_scores` adds per-row score columns (and optionally the integer statistics).
* :func:`corpus_scores` computes corpus BLEU, corpus chrF and mean ROUGE, optionally per group.
  Each partition folds its rows into a fixed-size state per metric and emits the nonzero entries
  as ``(by..., stat_part, stat_slot, stat_value)`` rows; Spark sums ``stat_value`` (int64, exact)
  per key; the driver turns the sums into scores. The results equal (``==``) the single-process
  ``lexmetrics.corpus_bleu`` / ``corpus_chrf`` and the correctly rounded mean of
  ``lexmetrics.rouge`` scores, whatever the partitioning.

Threads: each Spark task runs the native kernel with ``workers`` threads, by default
``spark.task.cpus`` (1 unless configured), so ``executor cores / task cpus`` concurrent tasks do
not oversubscribe the executor. Pass ``workers=`` to override (and raise ``spark.task.cpus`` to
match, or the executor's cores are oversubscribed).

Nulls: ``on_null="raise"`` (default) fails the job with :class:`~lexmetrics.InputValueError`
naming the column; ``on_null="skip"`` leaves such rows unscored (null scores in
:func:`with_scores`; excluded from corpus results and counted in ``n_skipped``). Empty strings are
scored like the single-machine API scores them.
"""

from __future__ import annotations

import copy
import re
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ._dependencies import require
from ._errors import InputTypeError, InputValueError, MissingDependencyError

_sql = require("pyspark.sql", "lexmetrics.spark")
_types = require("pyspark.sql.types", "lexmetrics.spark")
_F = require("pyspark.sql.functions", "lexmetrics.spark")
try:
    from . import arrow as _arrow
except MissingDependencyError as exc:  # name the extra that brings everything Spark needs
    raise MissingDependencyError(
        f"{exc}; for lexmetrics.spark: pip install 'lexmetrics[spark]'"
    ) from exc

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import DataFrame, SparkSession

__all__ = [
    "DEFAULT_METRICS",
    "with_scores",
    "score_udf",
    "corpus_scores",
    "state_frame",
    "task_workers",
]

DEFAULT_METRICS = _arrow.DEFAULT_METRICS


def task_workers(spark: SparkSession) -> int:
    """Native threads per Spark task: ``spark.task.cpus`` (default 1)."""
    value = None
    try:
        value = spark.sparkContext.getConf().get("spark.task.cpus")
    except Exception:  # Spark Connect sessions have no SparkContext; fall back to the SQL conf.
        value = None
    if value is None:
        try:
            value = spark.conf.get("spark.task.cpus", "1")
        except Exception:  # a conf the server does not expose: Spark's own default.
            value = "1"
    try:
        return max(1, int(value or 1))
    except ValueError:
        return 1


def _workers(df: DataFrame, workers: int | None) -> int:
    if workers is None:
        return task_workers(df.sparkSession)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InputValueError(f"workers must be a positive int or None, got {workers!r}")
    return workers


def _check_columns(df: DataFrame, pred_col: str, ref_col: str, by: Sequence[str] = ()) -> None:
    T = _types
    fields = {f.name: f for f in df.schema.fields}
    for c in [pred_col, ref_col, *by]:
        if c not in fields:
            raise InputValueError(
                f"no column {c!r} in the DataFrame (columns: {', '.join(df.columns)})"
            )
    for c in by:
        dt = fields[c].dataType
        if (
            isinstance(dt, (T.ArrayType, T.MapType, T.StructType))
            or type(dt).__name__ == "VariantType"
        ):
            raise InputTypeError(
                f"group column {c!r} must hold single values (string, number, date, ...), got {dt.simpleString()}"
            )
    if not isinstance(fields[pred_col].dataType, T.StringType):
        raise InputTypeError(
            f"column {pred_col!r} must be a string column, got {fields[pred_col].dataType.simpleString()}"
        )
    rt = fields[ref_col].dataType
    if not (
        isinstance(rt, T.StringType)
        or (isinstance(rt, T.ArrayType) and isinstance(rt.elementType, T.StringType))
    ):
        raise InputTypeError(
            f"column {ref_col!r} must be a string or array<string> column, got {rt.simpleString()}"
        )


def _spark_fields(cfg: _arrow.ScoringConfig, include_stats: bool) -> list:
    T = _types
    return [
        T.StructField(
            f.name, T.DoubleType() if f.type == _arrow.pa.float64() else T.LongType(), True
        )
        for f in cfg.fields(include_stats)
    ]


class _ScoreTask:
    """The mapInArrow function of :func:`with_scores` (a class, so it pickles by reference)."""

    def __init__(
        self,
        cfg: _arrow.ScoringConfig,
        keep: list[str],
        include_stats: bool,
        user_cols: tuple[str, str] | None = None,
    ) -> None:
        self.cfg, self.keep, self.include_stats = cfg, keep, include_stats
        self.user_cols = user_cols

    def __call__(self, batches):
        for b in batches:
            try:
                yield _arrow.score_with(self.cfg, b, self.keep, self.include_stats)
            except (InputValueError, InputTypeError) as exc:
                raise type(exc)(_user_names(str(exc), self.cfg, self.user_cols)) from None


def _user_names(msg: str, cfg: _arrow.ScoringConfig, user_cols: tuple[str, str] | None) -> str:
    """An executor error about the internal column names, rewritten with the user's names."""
    if user_cols is None:
        return msg
    for internal, user in ((cfg.pred_col, user_cols[0]), (cfg.ref_col, user_cols[1])):
        msg = msg.replace(repr(internal), repr(user))
    return msg


class _StateTask:
    """The mapInArrow function of :func:`state_frame`: one partial state per partition."""

    def __init__(self, cfg: _arrow.ScoringConfig, by: list[str]) -> None:
        self.cfg, self.by = cfg, by

    def __call__(self, batches):
        fold = self.cfg.fold()
        by_fields = None
        for b in batches:
            if by_fields is None:
                by_fields = [b.schema.field(c) for c in self.by]
            _arrow.fold_batch(self.cfg, fold, b, self.by)
        if by_fields is not None and fold.groups:
            yield _arrow.state_batch_of(fold, by_fields)


def with_scores(
    df: DataFrame,
    metrics: Sequence[str] | str = DEFAULT_METRICS,
    *,
    pred_col: str = "prediction",
    ref_col: str = "reference",
    include_stats: bool = False,
    on_null: str = "raise",
    workers: int | None = None,
    **options: Any,
) -> DataFrame:
    """``df`` with per-row score columns appended (lazy, like any transformation).

    Columns as :func:`lexmetrics.arrow.score_batch`: ``{type}_precision/_recall/_fmeasure`` per
    ROUGE type, ``bleu`` (sentence BLEU), ``chrf`` / ``chrfpp`` (sentence chrF), all double; with
    ``include_stats`` also the int64 BLEU/chrF statistics. ``ref_col`` may be ``string`` or
    ``array<string>`` (several references). ``options`` are the metric options of
    :func:`lexmetrics.arrow.score_batch`.
    """
    cfg = _arrow.ScoringConfig(metrics, pred_col, ref_col, on_null, _workers(df, workers), options)
    _check_columns(df, pred_col, ref_col)
    new = _spark_fields(cfg, include_stats)
    clash = sorted(set(df.columns) & {f.name for f in new})
    if clash:
        raise InputValueError(
            f"the DataFrame already has score column(s) {clash}; drop or rename them"
        )
    if hasattr(_F, "arrow_udf"):
        # Only the two text columns cross into Python: the other columns (any type, any name,
        # intervals and dotted names included) stay in the JVM.
        tmp = _free_name(df.columns, "__lexmetrics_scores")
        udf = _arrow_udf(cfg, include_stats)
        scored = df.select("*", udf(_F.col(_quoted(pred_col)), _F.col(_quoted(ref_col))).alias(tmp))
        return scored.select(
            *[_F.col(_quoted(c)) for c in df.columns],
            *[_F.col(f"{tmp}.{_quoted(f.name)}").alias(f.name) for f in new],
        )
    # Spark < 4.1: every column travels through mapInArrow, under plain names (mapInArrow cannot
    # take a dotted name, even through an identity function), renamed back afterwards.
    plain = [f"_c{i}" for i in range(len(df.columns))]
    renamed = df.select(*[_F.col(_quoted(c)).alias(p) for c, p in zip(df.columns, plain)])
    pos = {c: i for i, c in enumerate(df.columns)}
    inner = _arrow.ScoringConfig(
        metrics, plain[pos[pred_col]], plain[pos[ref_col]], on_null, cfg.workers, options
    )
    schema = _types.StructType(list(renamed.schema.fields) + new)
    out = renamed.mapInArrow(_ScoreTask(inner, plain, include_stats, (pred_col, ref_col)), schema)
    return out.select(
        *[_F.col(p).alias(c) for p, c in zip(plain, df.columns)], *[_F.col(f.name) for f in new]
    )


def _quoted(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _free_name(taken: Sequence[str], base: str) -> str:
    name, i = base, 0
    while name in taken:
        i += 1
        name = f"{base}{i}"
    return name


class _UdfTask:
    """The arrow_udf function of :func:`score_udf`: (pred, ref) arrays -> one struct array.

    ``cfg.pred_col`` / ``cfg.ref_col`` are the user's column names (they only name columns in
    error messages here)."""

    def __init__(self, cfg: _arrow.ScoringConfig, include_stats: bool) -> None:
        self.cfg, self.include_stats = cfg, include_stats

    def __call__(self, pred, ref):
        pa = _arrow.pa
        batch = pa.RecordBatch.from_arrays([pred, ref], names=[self.cfg.pred_col, self.cfg.ref_col])
        out = _arrow.score_with(self.cfg, batch, [], self.include_stats)
        return pa.StructArray.from_arrays(out.columns, fields=list(out.schema))


def score_udf(
    metrics: Sequence[str] | str = DEFAULT_METRICS,
    *,
    include_stats: bool = False,
    on_null: str = "raise",
    workers: int | None = None,
    **options: Any,
):
    """A column function ``f(pred, ref) -> struct`` of the per-row scores (Spark >= 4.1).

    Calling it applies an ``arrow_udf`` (Arrow arrays in and out, no pandas) to the two columns
    (names or Columns; errors name them), for ``select``/``withColumn``:
    ``df.withColumn("s", score_udf(["bleu"])("prediction", "reference")).select("s.bleu")``.
    The struct fields are the columns :func:`with_scores` appends. ``workers`` defaults to
    ``spark.task.cpus`` of the active session.
    """
    if not hasattr(_F, "arrow_udf"):
        from ._errors import MissingDependencyError

        raise MissingDependencyError(
            "score_udf needs pyspark>=4.1 (arrow_udf); use with_scores instead"
        )
    if workers is None:
        active = _sql.SparkSession.getActiveSession()
        workers = task_workers(active) if active is not None else 1
    cfg = _arrow.ScoringConfig(metrics, "prediction", "reference", on_null, workers, options)
    return _ScoreUdf(cfg, include_stats)


class _ScoreUdf:
    """``f(pred, ref)``: the arrow_udf applied to two columns, its errors naming those columns."""

    def __init__(self, cfg: _arrow.ScoringConfig, include_stats: bool) -> None:
        self.cfg, self.include_stats = cfg, include_stats
        self.returnType = _types.StructType(_spark_fields(cfg, include_stats))

    def __call__(self, pred: Any, ref: Any):
        cfg = copy.copy(self.cfg)
        cfg.pred_col, cfg.ref_col = _column_label(pred), _column_label(ref)
        return _arrow_udf(cfg, self.include_stats)(pred, ref)


def _arrow_udf(cfg: _arrow.ScoringConfig, include_stats: bool):
    rt = _types.StructType(_spark_fields(cfg, include_stats))
    with warnings.catch_warnings():
        # A callable object has no type hints to infer the UDF type from: it is given explicitly.
        warnings.filterwarnings("ignore", "It is preferred to specify type hints", UserWarning)
        return _F.arrow_udf(_UdfTask(cfg, include_stats), rt, _F.ArrowUDFType.SCALAR)


def _column_label(c: Any) -> str:
    """The name a user gave for a column argument (a name, or a Column's expression text)."""
    if isinstance(c, str):
        return c
    text = str(c)
    m = re.fullmatch(r"Column<'(.*)'>", text, flags=re.S)
    return m.group(1) if m else text


def state_frame(
    df: DataFrame,
    metrics: Sequence[str] | str = DEFAULT_METRICS,
    *,
    pred_col: str = "prediction",
    ref_col: str = "reference",
    by: str | Sequence[str] | None = None,
    on_null: str = "raise",
    workers: int | None = None,
    **options: Any,
) -> DataFrame:
    """The summed partial states: ``(by..., stat_part, stat_slot, stat_value)``, one row per key.

    Lazy. Save it to merge corpora later (``lexmetrics.arrow.corpus_from_states`` on its rows, or
    union with other state frames and sum again): every value is an exact int64 sum.
    """
    by_l = _arrow.by_columns(by)
    cfg = _arrow.ScoringConfig(metrics, pred_col, ref_col, on_null, _workers(df, workers), options)
    _check_columns(df, pred_col, ref_col, by_l)
    fields = {f.name: f for f in df.schema.fields}
    clash = set(by_l) & set(_arrow.STATE_COLUMNS)
    if clash:
        raise InputValueError(f"group columns may not be named {sorted(clash)}")
    T = _types
    schema = T.StructType(
        [fields[c] for c in by_l]
        + [
            T.StructField("stat_part", T.StringType(), False),
            T.StructField("stat_slot", T.LongType(), False),
            T.StructField("stat_value", T.LongType(), False),
        ]
    )
    # Only the needed columns travel to the Python workers.
    cols = list(dict.fromkeys([*by_l, pred_col, ref_col]))
    partial = df.select(*[_F.col(f"`{c}`") for c in cols]).mapInArrow(_StateTask(cfg, by_l), schema)
    keys = [*by_l, "stat_part", "stat_slot"]
    return partial.groupBy(*[_F.col(f"`{c}`") for c in keys]).agg(
        _F.sum("stat_value").alias("stat_value")
    )


def corpus_scores(
    df: DataFrame,
    metrics: Sequence[str] | str = DEFAULT_METRICS,
    *,
    pred_col: str = "prediction",
    ref_col: str = "reference",
    by: str | Sequence[str] | None = None,
    on_null: str = "raise",
    workers: int | None = None,
    **options: Any,
) -> dict[str, Any]:
    """Corpus scores of ``df`` (one Spark job), exactly as the single-process API computes them.

    Returns ``{"n", "n_skipped", "metrics": {...}}`` and, with ``by`` (a column name or a list of
    them), ``"groups": {key: {"n", "n_skipped", "metrics"}}`` (key: the value, or a tuple for
    several columns; null keys are ``None``). ``metrics`` entries: ROUGE types as
    ``{"precision", "recall", "fmeasure", "n", "signature"}`` (the correctly rounded means of the
    per-row scores), ``bleu`` and ``chrf`` as ``{"score", ..., "signature", "text"}``.
    """
    by_l = _arrow.by_columns(by)
    cfg = _arrow.ScoringConfig(metrics, pred_col, ref_col, on_null, _workers(df, workers), options)
    summed = state_frame(
        df,
        metrics,
        pred_col=pred_col,
        ref_col=ref_col,
        by=by_l,
        on_null=on_null,
        workers=cfg.workers,
        **options,
    )
    return _arrow.corpus_from_states(_collect(summed), metrics=metrics, by=by_l, **options)


# An executor's error reaches the driver as text (PythonException): its last line names the class.
# The names come from the classes themselves, so moving a class cannot silently stop the match.
_REMOTE_CLASSES = {f"{c.__module__}.{c.__qualname__}": c for c in (InputValueError, InputTypeError)}
_REMOTE_ERROR = re.compile("(" + "|".join(map(re.escape, _REMOTE_CLASSES)) + r"): ([^\n]*)")


def _collect(frame: DataFrame) -> list:
    """``collect()``, re-raising a lexmetrics input error from an executor as itself."""
    errors = require("pyspark.errors", "lexmetrics.spark")
    try:
        return frame.collect()
    except errors.PythonException as exc:
        m = _REMOTE_ERROR.search(str(exc))
        if m is None:
            raise
        raise _REMOTE_CLASSES[m.group(1)](m.group(2)) from exc
