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
    approximate_randomization,
    bootstrap_ci,
    paired_bootstrap,
)

DEFAULT_METRICS = "rouge1,rouge2,rougeL,bleu,chrf"
DEMO_METRICS = "rouge1,rouge2,rougeL,rougeLsum,bleu,chrf"

EXIT_USAGE = 2
EXIT_INPUT = 3
EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 128 + signal.SIGTERM


def _score_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        "score",
        help="score predictions against references",
        description="Score line-aligned text files or a jsonl/csv/tsv/parquet table. "
        "Aggregate JSON on stdout.",
    )
    src = p.add_argument_group("input")
    src.add_argument("-i", "--input", action="append", default=[], metavar="FILE",
                     help="hypotheses (one per line) or a table file; repeat for several systems "
                     "(the first is the baseline); '-' reads stdin; .gz is read transparently")
    src.add_argument("-r", "--ref", action="append", default=[], metavar="FILE",
                     help="reference file, line-aligned with the inputs; repeat for several references")
    src.add_argument("--pred-col", action="append", default=None, metavar="COL",
                     help="prediction column(s) of a table (default: prediction); several = several systems")
    src.add_argument("--ref-col", action="append", default=None, metavar="COL",
                     help="reference column(s) of a table (default: reference); a list column or "
                     "several columns = several references")
    src.add_argument("--id-col", action="append", default=[], metavar="COL",
                     help="id column(s) copied to the --per-pair output")
    src.add_argument("--by", metavar="COL", help="also aggregate per value of this column")
    src.add_argument("--demo", action="store_true", help="score the bundled sample corpus")

    m = p.add_argument_group("metrics")
    m.add_argument("-m", "--metrics", default=None,
                   help=f"comma-separated list from {','.join(METRIC_NAMES)} (default {DEFAULT_METRICS})")
    m.add_argument("--use-stemmer", "--stemmer", action="store_true", dest="use_stemmer",
                   help="ROUGE: Porter-stem tokens longer than 3 characters (as rouge-score)")
    m.add_argument("--split-summaries", action="store_true",
                   help="ROUGE: split rougeLsum sentences with nltk.sent_tokenize instead of newlines")
    m.add_argument("-tok", "--tokenize", default="13a", help="BLEU tokenizer: 13a, intl, zh, char, none")
    m.add_argument("-s", "--smooth-method", default="exp", choices=["exp", "floor", "add-k", "none"])
    m.add_argument("-sv", "--smooth-value", type=float, default=None)
    m.add_argument("-lc", "--lowercase", action="store_true", help="BLEU and chrF: lowercase")
    m.add_argument("-e", "--use-effective-order", action="store_true")
    m.add_argument("--max-ngram-order", type=int, default=4)
    m.add_argument("-cc", "--chrf-char-order", type=int, default=6)
    m.add_argument("-cw", "--chrf-word-order", type=int, default=None,
                   help="chrF word n-gram order (chrf++ implies 2)")
    m.add_argument("--chrf-beta", type=int, default=2)
    m.add_argument("--chrf-whitespace", action="store_true")
    m.add_argument("--chrf-eps-smoothing", action="store_true")
    m.add_argument("--ter-normalized", action="store_true", help="TER: tercom normalization")
    m.add_argument("--ter-no-punct", action="store_true", help="TER: remove punctuation")
    m.add_argument("--ter-asian-support", action="store_true", help="TER: CJK handling")
    m.add_argument("--ter-case-sensitive", action="store_true", help="TER: do not lowercase")

    st = p.add_argument_group("statistics")
    st.add_argument("-ci", "--confidence", action="store_true", dest="ci",
                    help="bootstrap confidence intervals (resampling per-pair statistics)")
    st.add_argument("--confidence-n", type=int, default=1000, help="bootstrap resamples")
    st.add_argument("--confidence-level", type=float, default=0.95)
    st.add_argument("--seed", type=int, default=DEFAULT_SEED,
                    help=f"random seed of intervals and tests (default {DEFAULT_SEED})")
    st.add_argument("--paired-bs", action="store_true",
                    help="paired bootstrap test of each system against the first")
    st.add_argument("--paired-bs-n", type=int, default=1000)
    st.add_argument("--paired-ar", action="store_true",
                    help="paired approximate randomization test of each system against the first")
    st.add_argument("--paired-ar-n", type=int, default=10000)

    o = p.add_argument_group("output")
    o.add_argument("-f", "--format", choices=["json", "text"], default=None,
                   help="aggregate output format (default json; text for --demo)")
    o.add_argument("-w", "--width", type=int, default=2, help="decimals in text output")
    o.add_argument("--per-pair", metavar="OUT", help="per-pair scores to OUT.{jsonl,csv,parquet}")
    o.add_argument("--workers", type=int, default=None, help="threads (default: all cores)")
    o.add_argument("--chunk-size", type=int, default=100_000, help="pairs per streamed chunk")
    o.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    return p


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="lexmetrics", description="Exact, fast ROUGE / BLEU / chrF scoring."
    )
    parser.add_argument("--version", action="version", version=f"lexmetrics {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    _score_parser(sub)
    d = sub.add_parser("finetune-demo", help="tiny LoRA / prompt-tuning demo on CPU (needs lexmetrics[train])",
                       add_help=False)
    d.add_argument("rest", nargs=argparse.REMAINDER)
    return parser


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


def _chunks(args: argparse.Namespace) -> tuple[list[str], Any, _cli_files.TableSpec | None]:
    """(system names, chunk iterator, table spec) for the inputs named on the command line."""
    if args.demo:
        args.input = [_demo_path()]
        args.by = args.by or "system"  # the sample holds two systems of different quality
    if not args.input:
        raise _Usage("no input: give -i FILE (and -r FILE for text inputs), or --demo")
    fmts = {_cli_files.detect_format(p) for p in args.input}
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
        label = "bundled sample" if args.demo else args.input[0]
        names = [f"{label}[{c}]" for c in spec.pred_cols]
        return names, _cli_files.read_table(args.input[0], fmt, spec, args.chunk_size), spec
    if args.pred_col or args.ref_col or args.id_col or args.by:
        raise _Usage("--pred-col/--ref-col/--id-col/--by apply to table inputs only")
    return list(args.input), _cli_files.read_text_files(args.input, args.ref, args.chunk_size), None


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
        ("--chunk-size", args.chunk_size, 1), ("--workers", args.workers, 1),
        ("--max-ngram-order", args.max_ngram_order, 1), ("-cc/--chrf-char-order", args.chrf_char_order, 0),
        ("-cw/--chrf-word-order", args.chrf_word_order, 0),
        ("--confidence-n", args.confidence_n, 1), ("--paired-bs-n", args.paired_bs_n, 1),
        ("--paired-ar-n", args.paired_ar_n, 1), ("--seed", args.seed, 0), ("-w/--width", args.width, 0),
    ]
    for flag, value, low in at_least:
        if value is not None and value < low:
            raise _option_error(flag, f">= {low}", value)
    if args.width > 100:
        raise _option_error("-w/--width", "<= 100", args.width)
    if not (0 < args.confidence_level < 1):  # also refuses NaN
        raise _option_error("--confidence-level", "between 0 and 1 (exclusive)", args.confidence_level)
    sv = args.smooth_value
    if sv is not None and not (math.isfinite(sv) and sv >= 0):
        raise _option_error("-sv/--smooth-value", "a finite number >= 0", sv)


def _check_output_is_not_an_input(args: argparse.Namespace) -> None:
    """Refuses a --per-pair output that is (by device and inode) one of the inputs: hard links and
    symlinks included, before anything is read or written."""
    if not args.per_pair:
        return
    try:
        out = os.stat(args.per_pair)
    except OSError:
        return  # no such file yet: it cannot be an input
    for p in [*args.input, *args.ref]:
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


def run_score(args: argparse.Namespace) -> int:
    metrics = args.metrics or (DEMO_METRICS if args.demo else DEFAULT_METRICS)
    if args.format is None:
        args.format = "text" if args.demo else "json"
    _check_options(args)
    if args.demo:
        args.input = [_demo_path()]
    _check_output_is_not_an_input(args)
    names, chunks, table = _chunks(args)
    specs = build_specs(
        metrics.split(","),
        use_stemmer=args.use_stemmer,
        split_summaries=args.split_summaries,
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
    folds = [StateFold(specs) for _ in range(nsys)]  # one per system; the signatures' nrefs from the data
    kept: list[list[list[np.ndarray]]] = [[[] for _ in specs] for _ in range(nsys)]
    writer = _cli_files.AtomicPerPairWriter(args.per_pair, args.workers) if args.per_pair else None
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
                    if writer is not None:
                        prefix = f"{names[s]}." if nsys > 1 else ""
                        for c, v in spec.per_pair(st).items():
                            cols[prefix + c] = v
                folds[s].add(stats, groups=groups, ref_counts=ref_counts)
            if writer is not None:
                writer.write(cols)
            n += len(chunk)
            progress.update(n)
        progress.close(n)
        if n == 0:
            raise _cli_files.InputFileError(f"{args.input[0]}: no rows")
        report = _report(args, names, specs, folds, kept if keep_stats else None)
        if writer is not None:
            writer.commit()
            report["per_pair"] = {"path": args.per_pair, "rows": writer.rows}
    except BaseException:
        if writer is not None:
            writer.abort()
        raise
    if args.format == "json":
        sys.stdout.write(json.dumps(_cli_files.finite_or_null(report), indent=1, ensure_ascii=False, allow_nan=False) + "\n")
    else:
        sys.stdout.write(_text_report(report, args.width))
    return 0


_INDEXED = re.compile(r"^(?:hypotheses|predictions|references|summaries|targets)\[(\d+)\](?:\[(\d+)\])?\s*")


def _at_file_line(exc: LexmetricsError, args: argparse.Namespace, table: _cli_files.TableSpec | None,
                  chunk: _cli_files.Chunk, system: int) -> LexmetricsError:
    """An error about item i of a chunk, re-raised naming the input file and line (or row)."""
    msg = str(exc)
    m = _INDEXED.match(msg)
    if m is None:
        return exc
    row = chunk.start + int(m.group(1))
    reason = msg[m.end():]
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


def _report(args: argparse.Namespace, names: list[str], specs: list[MetricSpec], folds: list[StateFold],
            kept: list[list[list[np.ndarray]]] | None) -> dict[str, Any]:
    systems = []
    stats_of = None
    if kept is not None:
        stats_of = [[np.concatenate(kept[s][k]) for k in range(len(specs))] for s in range(len(names))]
    for s, (name, fold) in enumerate(zip(names, folds, strict=True)):
        total = fold.total()
        block: dict[str, Any] = {"name": name, "n": total.n, "metrics": fold.metrics(total)}
        if args.ci and stats_of is not None:
            for k, spec in enumerate(specs):
                ci = bootstrap_ci(spec, stats_of[s][k], n_samples=args.confidence_n,
                                  confidence=args.confidence_level, seed=args.seed)
                for metric_name, interval in ci.items():
                    block["metrics"][metric_name]["ci"] = interval
        if s > 0 and stats_of is not None and (args.paired_bs or args.paired_ar):
            sig: dict[str, Any] = {}
            for k, spec in enumerate(specs):
                if args.paired_bs:
                    for mname, r in paired_bootstrap(spec, stats_of[0][k], stats_of[s][k],
                                                     n_samples=args.paired_bs_n, seed=args.seed).items():
                        sig.setdefault(mname, {})["paired_bs"] = r
                if args.paired_ar:
                    for mname, r in approximate_randomization(spec, stats_of[0][k], stats_of[s][k],
                                                              n_samples=args.paired_ar_n,
                                                              seed=args.seed).items():
                        sig.setdefault(mname, {})["paired_ar"] = r
            block["significance"] = {"baseline": names[0], **sig}
        if args.by:
            # one nrefs for the whole input in every signature, groups included
            block["groups"] = {key[0]: {"n": t.n, "metrics": fold.metrics(t, nrefs_of=total)}
                               for key, t in fold.groups.items()}
        systems.append(block)
    if len(systems) == 1:
        one = systems[0]
        one.pop("name")
        return {"input": names[0], **one}
    return {"n": systems[0]["n"], "baseline": names[0], "systems": systems}


def _fmt_metrics(metrics: dict[str, Any], width: int, indent: str = "") -> list[str]:
    lines = []
    for name, r in metrics.items():
        if "fmeasure" in r:
            line = (f"{indent}{name:<10} P = {100 * r['precision']:.{width}f}  "
                    f"R = {100 * r['recall']:.{width}f}  F = {100 * r['fmeasure']:.{width}f}")
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
    lines: list[str] = []
    systems = report.get("systems") or [dict(report, name=report.get("input"))]
    for sysr in systems:
        lines.append(f"{sysr['name']}  ({sysr['n']:,} pairs)")
        lines += _fmt_metrics(sysr["metrics"], width, "  ")
        for mname, tests in sysr.get("significance", {}).items():
            if mname == "baseline":
                continue
            for tname, r in tests.items():
                lines.append(f"  {mname} vs {sysr['significance']['baseline']}: {tname} p = {r['p_value']:.4f}")
        for g, gr in sysr.get("groups", {}).items():
            lines.append(f"  [{g}]  ({gr['n']:,} pairs)")
            lines += _fmt_metrics(gr["metrics"], width, "    ")
    sigs = sorted({r["signature"] for s in systems for r in s["metrics"].values() if "signature" in r})
    lines += ["", "signatures:"] + [f"  {s}" for s in sigs]
    return "\n".join(lines) + "\n"


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
        parser.print_usage(sys.stderr)
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
