"""The ``lexmetrics`` command line: ``lexmetrics score`` (batch scoring) and ``lexmetrics finetune-demo``.

Flags follow sacrebleu's where they overlap. Results go to stdout, nothing else; progress and
errors go to stderr.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import signal
import sys
import threading
import time
from collections.abc import Sequence
from importlib import resources
from typing import Any

import numpy as np

from . import _cli_files
from ._aggregate import StateFold, group_index
from ._errors import InputValueError, LexmetricsError
from ._metric_specs import METRIC_NAMES, MetricSpec, build_specs
from ._significance import (
    DEFAULT_SEED,
    _Part,
    ar_tests,
    bootstrap_scores,
    group_ar_tests,
    group_bootstrap_scores,
    group_order,
    intervals,
    paired_from_scores,
)

DEFAULT_METRICS = "rouge1,rouge2,rougeL,bleu,chrf"
DEMO_METRICS = "rouge1,rouge2,rougeL,rougeLsum,bleu,chrf"

EXIT_USAGE = 2
EXIT_INPUT = 3
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 128 + signal.SIGTERM


class _HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """Every option's help ends with its default: ``(default: ...)``, unless the help says it."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if "default" in text or action.default is argparse.SUPPRESS or not action.option_strings:
            return text
        if action.nargs == 0 and isinstance(action.default, bool):
            default = "on" if action.default else "off"
        elif action.default is None or action.default == []:
            default = "none"
        else:
            default = "%(default)s"
        return f"{text} (default: {default})" if text else f"(default: {default})"


SCORE_EPILOG = """\
examples:
  lexmetrics score --demo                                  the bundled sample: two systems, tests, intervals
  lexmetrics score -i hyp.txt -r ref.txt                   line-aligned text files
  lexmetrics score ref.txt -i hyp.txt -m bleu chrf -b      sacrebleu's order; only the numbers
  lexmetrics score -i sysA.txt -i sysB.txt -r ref.txt -ci --paired-bs -f text
  lexmetrics score -i data.jsonl --pred-col output --ref-col target --per-pair scores.parquet
  cat data.jsonl | lexmetrics score -i - --pred-col output --ref-col target

--per-pair columns: the metrics' columns (rouge1_precision ... bleu, chrf); with several systems
each is prefixed by the system's label and a dot: the --pred-col name for a table, sys1, sys2, ...
(the order of -i) for text files. Labels never hold a path, so the schema does not depend on the
folder the job runs from.
"""


def _score_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "score",
        help="score predictions against references",
        description="Score line-aligned text files or a jsonl/json/csv/tsv/parquet table. "
        "Aggregate JSON on stdout.",
        formatter_class=_HelpFormatter,
        epilog=SCORE_EPILOG,
    )
    src = p.add_argument_group("input")
    src.add_argument(
        "refs",
        nargs="*",
        metavar="REF",
        help="reference files, as -r (sacrebleu's order: lexmetrics score REF -i HYP); "
        "without -i the hypotheses are read from stdin",
    )
    src.add_argument(
        "-i",
        "--input",
        action="append",
        default=[],
        metavar="FILE",
        help="hypotheses (one per line) or a table file; repeat for several systems "
        "(the first is the baseline); '-' reads stdin; .gz is read transparently",
    )
    src.add_argument(
        "-r",
        "--ref",
        action="append",
        default=[],
        metavar="FILE",
        help="reference file, line-aligned with the inputs; repeat for several references",
    )
    src.add_argument(
        "--input-format",
        choices=_cli_files.INPUT_FORMATS,
        default=None,
        help="format of the -i inputs, overriding the extension (default: from the "
        "extension; stdin: txt, or jsonl/json/parquet told from the first bytes when "
        "table columns are given)",
    )
    src.add_argument(
        "--pred-col",
        action="append",
        default=None,
        metavar="COL",
        help="prediction column(s) of a table (default: prediction); several = several systems",
    )
    src.add_argument(
        "--ref-col",
        action="append",
        default=None,
        metavar="COL",
        help="reference column(s) of a table (default: reference); a list column or "
        "several columns = several references",
    )
    src.add_argument(
        "--id-col",
        action="append",
        default=[],
        metavar="COL",
        help="id column(s) copied to the --per-pair output",
    )
    src.add_argument("--by", metavar="COL", help="also aggregate per value of this column")
    src.add_argument(
        "--demo",
        action="store_true",
        help="score the bundled sample (two systems): scores, intervals, paired test",
    )

    m = p.add_argument_group("metrics")
    m.add_argument(
        "-m",
        "--metrics",
        nargs="+",
        action="extend",
        default=None,
        metavar="METRIC",
        help="metrics, comma- or space-separated, any case: rouge1 ... rouge9, rougeL, rougeLsum, "
        "bleu, chrf, chrf++, ter "
        f"(default: {DEFAULT_METRICS}; {DEMO_METRICS} for --demo)",
    )
    m.add_argument(
        "--use-stemmer",
        "--stemmer",
        action="store_true",
        dest="use_stemmer",
        help="ROUGE: Porter-stem tokens longer than 3 characters (as rouge-score)",
    )
    m.add_argument(
        "--rouge-tokenizer",
        default="default",
        choices=["default", "unicode", "cjk", "whitespace"],
        help="ROUGE tokenizer profile (default: rouge-score's, ASCII only; "
        "unicode, cjk, whitespace for other scripts: docs/rouge-tokenizers.md)",
    )
    m.add_argument(
        "--split-summaries",
        action="store_true",
        help="ROUGE: split rougeLsum sentences with nltk.sent_tokenize instead of newlines",
    )
    m.add_argument(
        "-tok", "--tokenize", default="13a", help="BLEU tokenizer: 13a, intl, zh, char, none"
    )
    m.add_argument(
        "-s",
        "--smooth-method",
        default="exp",
        choices=["exp", "floor", "add-k", "none"],
        help="BLEU smoothing",
    )
    m.add_argument(
        "-sv",
        "--smooth-value",
        type=float,
        default=None,
        help="BLEU smoothing value (default: sacrebleu's for the method: floor 0.1, add-k 1)",
    )
    m.add_argument("-lc", "--lowercase", action="store_true", help="BLEU and chrF: lowercase")
    m.add_argument(
        "-e",
        "--use-effective-order",
        action="store_true",
        help="BLEU: use the effective n-gram order",
    )
    m.add_argument("--max-ngram-order", type=int, default=4, help="BLEU: largest n-gram order")
    m.add_argument(
        "-cc", "--chrf-char-order", type=int, default=6, help="chrF character n-gram order"
    )
    m.add_argument(
        "-cw",
        "--chrf-word-order",
        type=int,
        default=None,
        help="chrF word n-gram order (default: 0; chrf++ implies 2)",
    )
    m.add_argument("--chrf-beta", type=int, default=2, help="chrF: weight of recall")
    m.add_argument(
        "--chrf-whitespace", action="store_true", help="chrF: keep whitespace in character n-grams"
    )
    m.add_argument(
        "--chrf-eps-smoothing", action="store_true", help="chrF: epsilon smoothing (chrF++.py's)"
    )
    m.add_argument("--ter-normalized", action="store_true", help="TER: tercom normalization")
    m.add_argument("--ter-no-punct", action="store_true", help="TER: remove punctuation")
    m.add_argument("--ter-asian-support", action="store_true", help="TER: CJK handling")
    m.add_argument("--ter-case-sensitive", action="store_true", help="TER: do not lowercase")

    st = p.add_argument_group("statistics")
    st.add_argument(
        "-ci",
        "--confidence",
        action="store_true",
        dest="ci",
        help="bootstrap confidence intervals (resampling per-pair statistics)",
    )
    st.add_argument("--confidence-n", type=int, default=1000, help="bootstrap resamples")
    st.add_argument("--confidence-level", type=float, default=0.95, help="level of the intervals")
    st.add_argument(
        "--seed",
        type=int,
        default=DEFAULT_SEED,
        help=f"random seed of intervals and tests (default {DEFAULT_SEED})",
    )
    st.add_argument(
        "--paired-bs",
        action="store_true",
        help="paired bootstrap test of each system against the first",
    )
    st.add_argument("--paired-bs-n", type=int, default=1000, help="paired bootstrap resamples")
    st.add_argument(
        "--paired-ar",
        action="store_true",
        help="paired approximate randomization test of each system against the first",
    )
    st.add_argument(
        "--paired-ar-n", type=int, default=10000, help="approximate randomization trials"
    )

    o = p.add_argument_group("output")
    o.add_argument(
        "-f",
        "--format",
        choices=["json", "text"],
        default=None,
        help="aggregate output format (default json; text for --demo)",
    )
    o.add_argument(
        "-b",
        "--score-only",
        action="store_true",
        help="print only the scores, one line per metric (a column per system); "
        "ROUGE as F x 100, as in the text output (as sacrebleu -b)",
    )
    o.add_argument(
        "-sl",
        "--sentence-level",
        action="store_true",
        help="per-pair scores on stdout, one line per pair (as sacrebleu -sl; "
        "with -b only the numbers, tab-separated); one system, no statistics",
    )
    o.add_argument("-w", "--width", type=int, default=2, help="decimals in text output")
    o.add_argument(
        "--per-pair",
        metavar="OUT",
        help="per-pair scores to OUT.{jsonl,csv,parquet}; '-' writes them to stdout "
        "(jsonl unless --per-pair-format) and the report to stderr",
    )
    o.add_argument(
        "--per-pair-format",
        choices=list(_cli_files.PER_PAIR_FORMATS),
        default=None,
        help="format of --per-pair, overriding the extension (default: from the "
        "extension; jsonl for '-')",
    )
    o.add_argument("--workers", type=int, default=None, help="threads (default: all cores)")
    o.add_argument("--chunk-size", type=int, default=100_000, help="pairs per streamed chunk")
    o.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    return p


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="lexmetrics", description="Exact, fast ROUGE / BLEU / chrF / TER scoring."
    )
    parser.add_argument("--version", action="version", version=f"lexmetrics {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    _score_parser(sub)
    d = sub.add_parser(
        "finetune-demo",
        help="tiny LoRA / prompt-tuning demo on CPU (needs lexmetrics[train])",
        add_help=False,
    )
    d.add_argument("rest", nargs=argparse.REMAINDER)
    return parser


def _score_subparser(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices["score"]
    raise AssertionError("no score command")


class _Progress:
    """Rows and rows/s on stderr, only when stderr is a terminal."""

    def __init__(self, enabled: bool, total: int | None = None):
        self.enabled = enabled and sys.stderr.isatty()
        self.total = total
        self.t0 = time.perf_counter()
        self.last = 0.0

    def update(self, rows: int, force: bool = False) -> None:
        if not self.enabled:
            return
        now = time.perf_counter()
        if not force and now - self.last < 0.2:
            return
        self.last = now
        el = max(now - self.t0, 1e-9)
        rate = rows / el
        msg = f"\rlexmetrics: {rows:,} pairs  {rate:,.0f} pairs/s  {el:,.1f}s"
        if self.total:
            eta = (self.total - rows) / rate if rate > 0 else 0
            msg += f"  ETA {eta:,.0f}s"
        sys.stderr.write(msg)
        sys.stderr.flush()

    def close(self, rows: int) -> None:
        if self.enabled:
            self.update(rows, force=True)
            sys.stderr.write("\n")


def _demo_path() -> str:
    return str(resources.files("lexmetrics").joinpath("data/sample.jsonl"))


# The bundled sample: one row per document, the two systems' outputs in columns A and B.
DEMO_SYSTEMS = ("A", "B")


def _input_formats(args: argparse.Namespace, table_opts: bool) -> list[str]:
    """The reader format of each -i input: --input-format, else the extension; stdin is text,
    or (with table options) a table told from its first bytes."""
    forced = _cli_files.input_format(args.input_format)
    fmts = []
    for p in args.input:
        if forced is not None:
            fmts.append(forced)
        elif p != "-":
            fmts.append(_cli_files.detect_format(p))
        elif not table_opts:
            fmts.append("text")
        else:
            if _cli_files.sniff_empty("-"):
                raise _cli_files.InputFileError(f"{_cli_files.STDIN_NAME}: empty input (no rows)")
            sniffed = _cli_files.sniff_table_format("-")
            if sniffed is None:
                raise _Usage(
                    "cannot tell the table format of stdin from its first bytes: give "
                    "--input-format csv or tsv (jsonl, json and parquet are recognised)"
                )
            fmts.append(sniffed)
    return fmts


def _chunks(
    args: argparse.Namespace,
) -> tuple[list[str], list[str], Any, _cli_files.TableSpec | None]:
    """(system names, system labels, chunk iterator, table spec) for the inputs on the command line.

    Names are for the report (the paths as given); labels name the systems' --per-pair columns and
    never hold a path: the --pred-col names of a table, sys1, sys2, ... for text inputs.
    """
    if args.demo:
        args.input = [_demo_path()]
        args.pred_col = args.pred_col or list(DEMO_SYSTEMS)
        args.id_col = args.id_col or ["id"]
    args.ref = [*args.refs, *args.ref]  # positional references (sacrebleu's order) come first
    if not args.input:
        if args.refs and not sys.stdin.isatty():
            args.input = ["-"]  # as sacrebleu: the hypotheses on stdin
        else:
            raise _Usage("no input: give -i FILE (and -r FILE for text inputs), or --demo")
    if [*args.input, *args.ref].count("-") > 1:
        raise InputValueError(
            "stdin ('-') can be read only once: give at most one of the -i/-r inputs as '-'"
        )
    table_opts = bool(args.pred_col or args.ref_col or args.id_col or args.by)
    fmts = set(_input_formats(args, table_opts))
    if fmts & set(_cli_files.TABLE_FORMATS):
        if len(args.input) != 1 or args.ref:
            raise _Usage("a table input is one -i FILE (with --pred-col/--ref-col), without -r")
        fmt = fmts.pop()
        spec = _cli_files.TableSpec(
            pred_cols=args.pred_col or ["prediction"],
            ref_cols=args.ref_col or ["reference"],
            id_cols=args.id_col,
            by=args.by,
        )
        if len(set(spec.pred_cols)) != len(spec.pred_cols):
            raise _Usage("--pred-col: each prediction column once")
        label = "bundled sample" if args.demo else _cli_files._name(args.input[0])
        names = [f"{label}[{c}]" for c in spec.pred_cols]
        return (
            names,
            list(spec.pred_cols),
            _cli_files.read_table(args.input[0], fmt, spec, args.chunk_size),
            spec,
        )
    if table_opts:
        raise _Usage(
            "--pred-col/--ref-col/--id-col/--by apply to table inputs only "
            "(give --input-format for a table without a table extension, or on stdin)"
        )
    labels = [f"sys{s + 1}" for s in range(len(args.input))]
    return (
        list(args.input),
        labels,
        _cli_files.read_text_files(args.input, args.ref, args.chunk_size),
        None,
    )


def _metric_names(values: list[str] | None, demo: bool) -> list[str]:
    """-m's names, comma- or space-separated, any case (``rougel`` is ``rougeL``)."""
    if not values:
        return (DEMO_METRICS if demo else DEFAULT_METRICS).split(",")
    canon = {n.lower(): n for n in METRIC_NAMES}
    out = []
    for v in values:
        for name in v.split(","):
            name = name.strip()
            if not name:
                continue
            if name.lower() not in canon and os.path.isfile(name):
                raise _Usage(
                    f"unknown metric {name!r}, which is a file: -m takes every word after "
                    "it, so give references before -m (lexmetrics score REF -i HYP -m ...) or with -r"
                )
            out.append(canon.get(name.lower(), name))  # build_specs names an unknown one
    return out


class _Usage(Exception):
    pass


class _Terminated(BaseException):
    """SIGTERM arrived: unwinds like KeyboardInterrupt so that partial outputs are removed."""


def _on_sigterm(signum: int, frame: Any) -> None:
    raise _Terminated


def _option_error(flag: str, what: str, value: Any) -> InputValueError:
    return InputValueError(f"{flag} must be {what}, got {value!r}")


def _check_options(args: argparse.Namespace) -> None:
    """Refuses option values that no metric or statistic can mean, naming the flag (exit 3)."""
    at_least = [
        ("--chunk-size", args.chunk_size, 1),
        ("--workers", args.workers, 1),
        ("--max-ngram-order", args.max_ngram_order, 1),
        ("-cc/--chrf-char-order", args.chrf_char_order, 0),
        ("-cw/--chrf-word-order", args.chrf_word_order, 0),
        ("--confidence-n", args.confidence_n, 1),
        ("--paired-bs-n", args.paired_bs_n, 1),
        ("--paired-ar-n", args.paired_ar_n, 1),
        ("--seed", args.seed, 0),
        ("-w/--width", args.width, 0),
    ]
    for flag, value, low in at_least:
        if value is not None and value < low:
            raise _option_error(flag, f">= {low}", value)
    if args.width > 100:
        raise _option_error("-w/--width", "<= 100", args.width)
    if not (0 < args.confidence_level < 1):  # also refuses NaN
        raise _option_error(
            "--confidence-level", "between 0 and 1 (exclusive)", args.confidence_level
        )
    sv = args.smooth_value
    if sv is not None and not (math.isfinite(sv) and sv >= 0):
        raise _option_error("-sv/--smooth-value", "a finite number >= 0", sv)


def _check_output_is_not_an_input(args: argparse.Namespace) -> None:
    """Refuses a --per-pair output that is (by device and inode) one of the inputs: hard links and
    symlinks included, before anything is read or written."""
    if not args.per_pair or args.per_pair == "-":
        return
    try:
        out = os.stat(args.per_pair)
    except OSError:
        return  # no such file yet: it cannot be an input
    for p in [*args.input, *args.ref, *args.refs]:
        if p == "-":
            continue
        try:
            st = os.stat(p)
        except OSError:
            continue  # the reader reports a missing input with its name
        if (st.st_dev, st.st_ino) == (out.st_dev, out.st_ino):
            raise InputValueError(
                f"--per-pair {args.per_pair} is the same file as the input {p}: refusing to overwrite an input"
            )


def _group_name(v: Any) -> str:
    """A group's name: a string as is, any other value as JSON writes it (1, 1.5, true, null, NaN),
    which is how ``json.dumps`` writes the typed keys of ``lexmetrics.spark.corpus_scores``."""
    if isinstance(v, str):
        return v
    return json.dumps(v, default=str)  # default: dates and other non-JSON values by their text


def _check_modes(args: argparse.Namespace) -> None:
    """Refuses combinations of output modes that cannot share stdout (exit 2)."""
    stats = args.ci or args.paired_bs or args.paired_ar
    if args.sentence_level:
        if stats:
            raise _Usage(
                "--sentence-level prints per-pair scores: no -ci/--paired-bs/--paired-ar with it"
            )
        if args.per_pair == "-":
            raise _Usage(
                "--sentence-level and --per-pair - both write to stdout: give --per-pair a file"
            )
    if args.per_pair_format and not args.per_pair:
        raise _Usage("--per-pair-format applies to --per-pair OUT: give --per-pair too")
    if args.per_pair == "-" and args.score_only:
        raise _Usage(
            "-b/--score-only and --per-pair - both write to stdout: give --per-pair a file"
        )


def run_score(args: argparse.Namespace) -> int:
    if args.demo:
        args.format = args.format or "text"
        args.ci = True  # the demo shows what the statistics look like
        args.paired_bs = True
    if args.format is None:
        args.format = "json"
    metric_names = _metric_names(args.metrics, args.demo)
    _check_options(args)
    _check_modes(args)
    if args.demo:
        args.input = [_demo_path()]
    _check_output_is_not_an_input(args)
    names, labels, chunks, table = _chunks(args)
    if args.sentence_level and len(names) > 1:
        raise _Usage("--sentence-level scores one system: give one -i (or one --pred-col)")
    specs = build_specs(
        metric_names,
        use_stemmer=args.use_stemmer,
        split_summaries=args.split_summaries,
        rouge_tokenizer=args.rouge_tokenizer,
        tokenize=args.tokenize,
        smooth_method=args.smooth_method,
        smooth_value=args.smooth_value,
        lowercase=args.lowercase,
        use_effective_order=args.use_effective_order,
        max_ngram_order=args.max_ngram_order,
        chrf_char_order=args.chrf_char_order,
        chrf_word_order=args.chrf_word_order,
        chrf_beta=args.chrf_beta,
        chrf_whitespace=args.chrf_whitespace,
        chrf_eps_smoothing=args.chrf_eps_smoothing,
        chrf_lowercase=args.lowercase,
        ter_normalized=args.ter_normalized,
        ter_no_punct=args.ter_no_punct,
        ter_asian_support=args.ter_asian_support,
        ter_case_sensitive=args.ter_case_sensitive,
    )
    nsys = len(names)
    keep_stats = args.ci or ((args.paired_bs or args.paired_ar) and nsys > 1)
    folds = [
        StateFold(specs) for _ in range(nsys)
    ]  # one per system; the signatures' nrefs from the data
    kept: list[list[list[np.ndarray]]] = [[[] for _ in specs] for _ in range(nsys)]
    kept_groups: list[np.ndarray] = []  # group code of each kept pair (--by with statistics)
    writer = (
        _cli_files.AtomicPerPairWriter(args.per_pair, args.workers, args.per_pair_format)
        if args.per_pair
        else None
    )
    progress = _Progress(not args.quiet)
    n = 0
    try:
        for chunk in chunks:
            ref_counts = chunk.ref_counts()
            groups = group_index([chunk.groups], _group_name) if chunk.groups is not None else None
            cols: dict[str, Any] = {}
            if writer is not None:
                cols.update({c: chunk.ids[c] for c in chunk.ids})
                if chunk.groups is not None:
                    cols[args.by] = chunk.groups
            sentence: dict[str, np.ndarray] = {}
            for s in range(nsys):
                preds = chunk.systems[s]
                stats = []
                for k, spec in enumerate(specs):
                    try:
                        st = spec.stats(preds, chunk.references, args.workers)
                    except LexmetricsError as exc:
                        raise _at_file_line(exc, args, table, chunk, s) from None
                    stats.append(st)
                    if keep_stats:
                        kept[s][k].append(st)
                    if writer is not None or args.sentence_level:
                        per_pair = spec.per_pair(st)
                        if writer is not None:
                            prefix = f"{labels[s]}." if nsys > 1 else ""
                            for c, v in per_pair.items():
                                cols[prefix + c] = v
                        if args.sentence_level:
                            sentence.update(_sentence_columns(per_pair))
                folds[s].add(stats, groups=groups, ref_counts=ref_counts)
            if keep_stats and groups is not None:
                kept_groups.append(folds[0].group_codes(groups[1])[groups[0]])
            if writer is not None:
                writer.write(cols)
            if args.sentence_level:
                sys.stdout.write(_sentence_lines(sentence, args.width, args.score_only))
            n += len(chunk)
            progress.update(n)
        progress.close(n)
        if n == 0:
            raise _cli_files.InputFileError(f"{_cli_files._name(args.input[0])}: no rows")
        report = _report(args, names, specs, folds, kept if keep_stats else None, kept_groups)
        if nsys > 1:  # the label that prefixes the system's --per-pair columns
            for block, label in zip(report["systems"], labels, strict=True):
                block["label"] = label
        if writer is not None:
            writer.commit()
            report["per_pair"] = {"path": args.per_pair, "rows": writer.rows}
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    if args.sentence_level:
        return 0  # as sacrebleu -sl: the per-pair lines are the whole output
    out = sys.stderr if args.per_pair == "-" else sys.stdout  # stdout holds the per-pair rows
    if args.score_only:
        out.write(_score_only(report, args.width))
    elif args.format == "json":
        if _has_lazy(report):
            _write_json(out, report)
        else:
            out.write(
                json.dumps(
                    _cli_files.finite_or_null(report), indent=1, ensure_ascii=False, allow_nan=False
                )
                + "\n"
            )
    else:
        if args.demo:
            out.write(
                "lexmetrics score --demo: the bundled sample, 20 documents, each summarized by two "
                "systems (A, B)\n\n"
            )
        out.write(_text_report(report, args.width))
        if args.demo:
            out.write(DEMO_FOOTER)
    return 0


DEMO_FOOTER = """
The same on your own files (one segment per line, or a table with one column per system):
  lexmetrics score -i sysA.txt -i sysB.txt -r ref.txt -ci --paired-bs -f text
  lexmetrics score -i data.jsonl --pred-col A --pred-col B --ref-col reference -ci --paired-bs -f text
More: lexmetrics score --help
"""


def _sentence_columns(per_pair: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each metric's per-pair headline score on the scale of the text output (ROUGE: F x 100)."""
    out = {}
    for c, v in per_pair.items():
        if c.endswith("_fmeasure"):
            out[c[: -len("_fmeasure")]] = 100 * v
        elif not c.endswith(("_precision", "_recall")):
            out[c] = v
    return out


def _sentence_lines(cols: dict[str, np.ndarray], width: int, score_only: bool) -> str:
    rows = zip(*[v.tolist() for v in cols.values()], strict=True)
    if score_only:
        return "".join("\t".join(f"{x:.{width}f}" for x in row) + "\n" for row in rows)
    names = list(cols)
    return "".join(
        "\t".join(f"{m} = {x:.{width}f}" for m, x in zip(names, row)) + "\n" for row in rows
    )


def _headline_scores(metrics: dict[str, Any]) -> dict[str, float]:
    """Each metric's headline number on the text output's scale (ROUGE: F x 100)."""
    return {
        name: 100 * r["fmeasure"] if "fmeasure" in r else r["score"] for name, r in metrics.items()
    }


def _fmt_number(x: float | None, width: int) -> str:
    return "nan" if x is None or not math.isfinite(x) else f"{x:.{width}f}"


def _score_only(report: dict[str, Any], width: int) -> str:
    """One line per metric, one tab-separated number per system (sacrebleu -b: just the numbers)."""
    systems = report.get("systems") or [report]
    scores = [_headline_scores(s["metrics"]) for s in systems]
    return "".join("\t".join(_fmt_number(sc[m], width) for sc in scores) + "\n" for m in scores[0])


_INDEXED = re.compile(
    r"^(?:hypotheses|predictions|references|summaries|targets)\[(\d+)\](?:\[(\d+)\])?\s*"
)


def _at_file_line(
    exc: LexmetricsError,
    args: argparse.Namespace,
    table: _cli_files.TableSpec | None,
    chunk: _cli_files.Chunk,
    system: int,
) -> LexmetricsError:
    """An error about item i of a chunk, re-raised naming the input file and line (or row)."""
    msg = str(exc)
    m = _INDEXED.match(msg)
    if m is None:
        return exc
    row = chunk.start + int(m.group(1))
    reason = msg[m.end() :]
    is_ref = msg.startswith(("references", "targets"))
    if table is None:  # text files: row i is line i + 1 of every file
        if is_ref:
            j = int(m.group(2)) if m.group(2) is not None and len(args.ref) > 1 else 0
            path = args.ref[j]
        else:
            path = args.input[system]
        return type(exc)(f"{path}:{row + 1}: {reason}")
    path = args.input[0]
    where = _cli_files.locate_row(path, _cli_files.detect_format(path), table, row)
    col = ", ".join(map(repr, table.ref_cols)) if is_ref else repr(table.pred_cols[system])
    return type(exc)(f"{path}:{where}: column {col}: {reason}")


class _LazyGroups:
    """The groups of a ``--by`` report, each computed while it is written (a million groups never
    sit in memory as result blocks at once)."""

    def __init__(self, fold: StateFold, total: Any):
        self.fold, self.total = fold, total

    def items(self) -> Any:
        for key, n, metrics in self.fold.iter_group_metrics(self.total):
            yield key[0], {"n": n, "metrics": metrics}


def _has_lazy(v: Any) -> bool:
    if isinstance(v, _LazyGroups):
        return True
    if isinstance(v, dict):
        return any(_has_lazy(x) for x in v.values())
    if isinstance(v, list):
        return any(_has_lazy(x) for x in v)
    return False


def _write_json(out: Any, report: dict[str, Any]) -> None:
    """``json.dumps(report, indent=1)``, written piece by piece so that lazy groups stream."""

    def value(v: Any, level: int) -> None:
        if isinstance(v, _LazyGroups) or (isinstance(v, dict) and _has_lazy(v)):
            items: Any = v.items()
            out.write("{")
            first = True
            for k, x in items:
                out.write(
                    ("\n" if first else ",\n")
                    + " " * (level + 1)
                    + json.dumps(k, ensure_ascii=False)
                    + ": "
                )
                value(x, level + 1)
                first = False
            out.write("}" if first else "\n" + " " * level + "}")
        elif isinstance(v, list) and _has_lazy(v):
            out.write("[")
            for i, x in enumerate(v):
                out.write(("\n" if i == 0 else ",\n") + " " * (level + 1))
                value(x, level + 1)
            out.write("]" if not v else "\n" + " " * level + "]")
        else:
            text = json.dumps(
                _cli_files.finite_or_null(v), indent=1, ensure_ascii=False, allow_nan=False
            )
            out.write(text.replace("\n", "\n" + " " * level))

    value(report, 0)
    out.write("\n")


class _PhaseProgress:
    """``label done/total`` on stderr for a statistics phase, once it has run for a second (a
    terminal only, as :class:`_Progress`)."""

    def __init__(self, enabled: bool, label: str):
        self.enabled = enabled and sys.stderr.isatty()
        self.label = label
        self.t0 = time.perf_counter()
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        el = time.perf_counter() - self.t0
        if not self.enabled or (el < 1.0 and not self.shown):
            return
        self.shown = True
        sys.stderr.write(f"\rlexmetrics: {self.label} {done:,}/{total:,}  {el:,.1f}s")
        if done >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()


def _report(
    args: argparse.Namespace,
    names: list[str],
    specs: list[MetricSpec],
    folds: list[StateFold],
    kept: list[list[list[np.ndarray]]] | None,
    kept_groups: list[np.ndarray] | None = None,
) -> dict[str, Any]:
    nsys = len(names)
    parts: list[list[_Part]] = []
    if kept is not None:
        for s in range(nsys):
            row = []
            for k, spec in enumerate(specs):
                st = np.concatenate(kept[s][k])
                kept[s][k] = []  # the chunks go as soon as they are joined: one copy at a time
                row.append(_Part(spec, st))
            parts.append(row)
    ci_scores, bs_scores = _bootstrap_phases(args, parts, nsys)
    systems = []
    for s, (name, fold) in enumerate(zip(names, folds, strict=True)):
        total = fold.total()
        block: dict[str, Any] = {"name": name, "n": total.n, "metrics": fold.metrics(total)}
        if ci_scores is not None:
            for k, spec in enumerate(specs):
                ci = intervals(
                    spec,
                    ci_scores[s][k],
                    confidence=args.confidence_level,
                    n_samples=args.confidence_n,
                    seed=args.seed,
                )
                for metric_name, interval in ci.items():
                    block["metrics"][metric_name]["ci"] = interval
        if s > 0 and parts and (args.paired_bs or args.paired_ar):
            sig: dict[str, Any] = {}
            if bs_scores is not None:
                for k, spec in enumerate(specs):
                    for mname, r in paired_from_scores(
                        spec,
                        parts[0][k],
                        parts[s][k],
                        bs_scores[0][k],
                        bs_scores[s][k],
                        n_samples=args.paired_bs_n,
                        seed=args.seed,
                    ).items():
                        sig.setdefault(mname, {})["paired_bs"] = r
            if args.paired_ar:
                label = f"approximate randomization {names[s]} vs {names[0]}, trials"
                for mname, r in ar_tests(
                    specs,
                    parts[0],
                    parts[s],
                    n_samples=args.paired_ar_n,
                    seed=args.seed,
                    workers=args.workers,
                    progress=_PhaseProgress(not args.quiet, label),
                ).items():
                    sig.setdefault(mname, {})["paired_ar"] = r
            block["significance"] = {"baseline": names[0], **sig}
        if args.by:
            # one nrefs for the whole input in every signature, groups included
            block["groups"] = _LazyGroups(fold, total)
            if parts and kept_groups:  # per-group statistics are added to each group's block
                block["groups"] = dict(block["groups"].items())
        systems.append(block)
    if args.by and parts and kept_groups:
        _group_statistics(args, names, specs, parts, np.concatenate(kept_groups), systems)
    if len(systems) == 1:
        one = systems[0]
        one.pop("name")
        return {"input": names[0], **one}
    return {"n": systems[0]["n"], "baseline": names[0], "systems": systems}


def _group_statistics(
    args: argparse.Namespace,
    names: list[str],
    specs: list[MetricSpec],
    parts: list[list[_Part]],
    codes: np.ndarray,
    systems: list[dict[str, Any]],
) -> None:
    """Intervals and paired tests per group (``--by`` with ``-ci``/``--paired-*``): each group's
    pairs resampled as if alone, with the same seed."""
    nsys, nspec = len(names), len(specs)
    keys = [k for k in systems[0]["groups"]]
    order, bounds = group_order(codes, len(keys))
    parts = [[p.sorted(order) for p in row] for row in parts]
    blocks = [[s["groups"][k] for k in keys] for s in systems]
    want_bs = args.paired_bs and nsys > 1
    for n_samples, ci, bs in (
        (args.confidence_n, args.ci, want_bs and args.paired_bs_n == args.confidence_n),
        (args.paired_bs_n, False, want_bs and args.paired_bs_n != args.confidence_n),
    ):
        if not (ci or bs):
            continue
        flat = [p for row in parts for p in row]
        progress = _PhaseProgress(not args.quiet, "bootstrap per group, groups")
        for g0, g1, scores in group_bootstrap_scores(
            flat, bounds, n_samples, args.seed, workers=args.workers, progress=progress
        ):
            for g in range(g0, g1):
                lo, hi = int(bounds[g]), int(bounds[g + 1])
                for s in range(nsys):
                    for k, spec in enumerate(specs):
                        sc = scores[s * nspec + k][g - g0]
                        if ci:
                            for m, iv in intervals(
                                spec,
                                sc,
                                confidence=args.confidence_level,
                                n_samples=n_samples,
                                seed=args.seed,
                            ).items():
                                blocks[s][g]["metrics"][m]["ci"] = iv
                        if bs and s > 0:
                            res = paired_from_scores(
                                spec,
                                parts[0][k].rows(lo, hi),
                                parts[s][k].rows(lo, hi),
                                scores[k][g - g0],
                                sc,
                                n_samples=n_samples,
                                seed=args.seed,
                            )
                            sig = blocks[s][g].setdefault("significance", {"baseline": names[0]})
                            for m, r in res.items():
                                sig.setdefault(m, {})["paired_bs"] = r
    if args.paired_ar and nsys > 1:
        for s in range(1, nsys):
            progress = _PhaseProgress(
                not args.quiet, f"approximate randomization per group {names[s]}, groups"
            )
            for g, res in group_ar_tests(
                specs,
                parts[0],
                parts[s],
                bounds,
                n_samples=args.paired_ar_n,
                seed=args.seed,
                workers=args.workers,
                progress=progress,
            ):
                sig = blocks[s][g].setdefault("significance", {"baseline": names[0]})
                for m, r in res.items():
                    sig.setdefault(m, {})["paired_ar"] = r


def _bootstrap_phases(
    args: argparse.Namespace, parts: list[list[_Part]], nsys: int
) -> tuple[list[list[np.ndarray]] | None, list[list[np.ndarray]] | None]:
    """Bootstrap scores per system and spec for the intervals and for the paired bootstrap: one
    pass over the draws (every system and metric together) when both use as many resamples."""
    if not parts or parts[0][0].matrix.shape[0] == 0:
        return None, None
    want_bs = args.paired_bs and nsys > 1
    passes: dict[int, list[list[np.ndarray]]] = {}
    for n_samples, wanted in ((args.confidence_n, args.ci), (args.paired_bs_n, want_bs)):
        if not wanted or n_samples in passes:
            continue
        flat = [p for row in parts for p in row]
        label = "bootstrap resamples"
        scores = bootstrap_scores(
            flat,
            n_samples,
            args.seed,
            workers=args.workers,
            progress=_PhaseProgress(not args.quiet, label),
        )
        k = len(parts[0])
        passes[n_samples] = [scores[s * k : (s + 1) * k] for s in range(nsys)]
    return (
        passes[args.confidence_n] if args.ci else None,
        passes[args.paired_bs_n] if want_bs else None,
    )


def _fmt_metrics(metrics: dict[str, Any], width: int, indent: str = "") -> list[str]:
    lines = []
    for name, r in metrics.items():
        if "fmeasure" in r:
            line = (
                f"{indent}{name:<10} P = {100 * r['precision']:.{width}f}  "
                f"R = {100 * r['recall']:.{width}f}  F = {100 * r['fmeasure']:.{width}f}"
            )
        else:
            score = r["score"]
            line = indent + r.get("text", f"{name} = {score:.{width}f}")
        if "ci" in r:
            c = r["ci"]
            scale = 100 if "fmeasure" in r else 1
            line += f"  [{scale * c['low']:.{width}f}, {scale * c['high']:.{width}f}]"
        lines.append(line)
    return lines


def _text_report(report: dict[str, Any], width: int) -> str:
    if "systems" in report:
        lines = _systems_table(report, width)
        systems = report["systems"]
    else:
        systems = [dict(report, name=report.get("input"))]
        lines = []
        for sysr in systems:
            lines.append(f"{sysr['name']}  ({sysr['n']:,} pairs)")
            lines += _fmt_metrics(sysr["metrics"], width, "  ")
    for sysr in systems:
        groups = sysr.get("groups", {})
        if groups and "systems" in report:
            lines += ["", f"{sysr.get('label') or sysr['name']} by group:"]
        for g, gr in groups.items():
            lines.append(f"  [{g}]  ({gr['n']:,} pairs)")
            lines += _fmt_metrics(gr["metrics"], width, "    ")
    sigs = sorted(
        {r["signature"] for s in systems for r in s["metrics"].values() if "signature" in r}
    )
    lines += ["", "signatures:"] + [f"  {s}" for s in sigs]
    return "\n".join(lines) + "\n"


def _systems_table(report: dict[str, Any], width: int) -> list[str]:
    """Several systems: a row per metric, a column per system (score and interval), and a column
    per system after the first with its difference to the first and the paired tests' p-values
    (``*``: p < 0.05, as sacrebleu marks it)."""
    systems = report["systems"]
    base = systems[0]
    label = [s.get("label") or s["name"] for s in systems]
    header = [""] + [f"{label[0]} (baseline)"] + label[1:]
    header += [f"{lb} - {label[0]}" for lb in label[1:]]
    rows = [header]
    tests_used: set[str] = set()
    for m in base["metrics"]:
        r0 = base["metrics"][m]
        row = [f"{m} F" if "fmeasure" in r0 else r0.get("text", m).split(" = ")[0]]
        heads = [_headline_scores({m: s["metrics"][m]})[m] for s in systems]
        for s, h in zip(systems, heads, strict=True):
            cell = _fmt_number(h, width)
            ci = s["metrics"][m].get("ci")
            if ci:
                scale = 100 if "fmeasure" in s["metrics"][m] else 1
                cell += f" [{_fmt_number(scale * ci['low'], width)}, {_fmt_number(scale * ci['high'], width)}]"
            row.append(cell)
        for s, h in zip(systems[1:], heads[1:], strict=True):
            cell = (
                f"{h - heads[0]:+.{width}f}"
                if math.isfinite(h) and math.isfinite(heads[0])
                else "nan"
            )
            tests = s.get("significance", {}).get(m, {})
            ps = []
            for t in ("paired_bs", "paired_ar"):
                if t in tests:
                    tests_used.add(t)
                    ps.append(tests[t]["p_value"])
            if ps:
                cell += (
                    " ("
                    + ", ".join(f"p = {p:.4f}" for p in ps)
                    + ")"
                    + ("*" if max(ps) < 0.05 else "")
                )
            row.append(cell)
        rows.append(row)
    rows.append(["pairs"] + [f"{s['n']:,}" for s in systems] + [""] * (len(systems) - 1))
    widths = [max(len(r[j]) for r in rows) for j in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    notes = []
    if any("ci" in r for s in systems for r in s["metrics"].values()):
        c = next(r["ci"] for s in systems for r in s["metrics"].values() if "ci" in r)
        notes.append(
            f"[low, high]: {100 * c['confidence']:g}% bootstrap interval ({c['n_bootstrap']:,} resamples)"
        )
    names = {"paired_bs": "paired bootstrap", "paired_ar": "approximate randomization"}
    if tests_used:
        used = [names[t] for t in ("paired_bs", "paired_ar") if t in tests_used]
        notes.append(f"p: {' and '.join(used)} test against {label[0]}; *: p < 0.05 (every test)")
    if any(s.get("label") != s["name"] for s in systems):
        notes.append("systems: " + ", ".join(f"{s.get('label')} = {s['name']}" for s in systems))
    return lines + ([""] + notes if notes else [])


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["finetune-demo"]:
        try:
            from .train.demo import main as demo_main
        except ImportError as exc:
            sys.stderr.write(f"lexmetrics finetune-demo: {exc} (pip install 'lexmetrics[train]')\n")
            return EXIT_USAGE
        return demo_main(argv[1:])
    parser = build_parser()
    score_parser = _score_subparser(parser)
    if argv[:1] == ["score"]:
        # options and positional references in any order (sacrebleu's REF ... -i HYP)
        args = score_parser.parse_intermixed_args(argv[1:])
        args.command = "score"
    else:
        args = parser.parse_args(argv)
    # SIGTERM unwinds like Ctrl-C (partial --per-pair files removed), unless the embedding program
    # handles it itself (or this is not the main thread, where no handler can be set).
    own_sigterm = (
        threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL
    )
    if own_sigterm:
        signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        return run_score(args)
    except _Usage as exc:
        score_parser.print_usage(sys.stderr)
        sys.stderr.write(f"lexmetrics score: error: {exc}\n")
        return EXIT_USAGE
    except (LexmetricsError, OSError) as exc:
        sys.stderr.write(f"lexmetrics score: error: {exc}\n")
        return EXIT_INPUT
    except KeyboardInterrupt:
        sys.stderr.write("lexmetrics score: interrupted; no output written\n")
        return EXIT_INTERRUPTED
    except _Terminated:
        sys.stderr.write("lexmetrics score: terminated; no output written\n")
        return EXIT_TERMINATED
    finally:
        if own_sigterm:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)


if __name__ == "__main__":
    sys.exit(main())
