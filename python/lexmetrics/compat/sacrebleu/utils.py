"""sacrebleu ``utils``: the helpers that need no network (file reading, result printing, sums).

The printing functions (``Color``, ``print_results_table``, ``print_single_results``) are
sacrebleu 2.6's own (Apache-2.0), so the command line prints the same bytes; they need
``tabulate`` and ``colorama`` as sacrebleu does, imported when used. The test-set functions
(download, registry look-ups) raise ``NotSupportedError``: lexmetrics ships no test-set registry.
"""
# ruff: noqa: E501

from __future__ import annotations

import gzip
import json
import logging
import math
import os
import re
import sys
from argparse import Namespace
from collections.abc import Sequence
from typing import NoReturn

from ..._dependencies import require
from ..._errors import InputValueError
from .dataset import DATASETS, SUBSETS  # noqa: F401

USERHOME = os.path.expanduser("~")
SACREBLEU_DIR = os.environ.get("SACREBLEU", os.path.join(USERHOME, ".sacrebleu"))

sacrelogger = logging.getLogger("sacrebleu")


class NotSupportedError(InputValueError):
    """A sacrebleu feature that needs the network or its test-set registry (not in lexmetrics)."""


def _no_test_sets(name: str) -> NoReturn:
    raise NotSupportedError(
        f"sacrebleu.utils.{name}: test sets (download and registry) are not supported by "
        "lexmetrics.compat.sacrebleu; read the files yourself and pass them as references"
    )


class _Colorama:
    """colorama's ``Fore``/``Style``, imported when a colour is first needed."""

    def __getattr__(self, name):
        return getattr(require("colorama", "sacrebleu's coloured output"), name)


colorama = _Colorama()


def _tabulate(*args, **kwargs):
    return require("tabulate", "sacrebleu's multi-system tables").tabulate(*args, **kwargs)


class Color:
    ENABLE_COLORS = True

    @staticmethod
    def format(msg: str, color: str) -> str:
        """Returns a colored version of the given message string.

        :param msg: The string to Color.format.
        :param color: The color specifier i.e. 'red', 'blue', 'green', etc.
        :return: A colored version of the string if the output is a terminal.
        """
        if not Color.ENABLE_COLORS:
            return msg
        _ansi_str = getattr(colorama.Fore, color.upper(), None)
        if _ansi_str:
            return f"{_ansi_str}{msg}{colorama.Style.RESET_ALL}"

        return msg


def _format_score_lines(
    scores: dict, width: int = 2, multiline: bool = True
) -> dict[str, list[str]]:
    """Formats the scores prior to tabulating them."""
    new_scores = {"System": scores.pop("System")}
    p_val_break_char = "\n" if multiline else " "
    is_bootstrap = False

    def _color_p_value(p: float):
        msg = f"(p = {p:.4f})"
        if p > 0.05:
            return Color.format(msg, "red")
        return msg + "*"

    for metric, vals in scores.items():
        new_vals = []

        for result in vals:
            if not isinstance(result, str):
                # Format result instances
                _str = f"{result.score:.{width}f}"
                if result.mean is not None:
                    is_bootstrap = True
                    _str += f" ({result.mean:.{width}f} ± {result.ci:.{width}f})"
                if result.p_value is not None:
                    _str += p_val_break_char + _color_p_value(result.p_value)
            else:
                # Already formatted in non paired-test mode
                _str = result

            new_vals.append(_str)

        if is_bootstrap:
            # Change titles
            metric += " (μ ± 95% CI)"

        new_scores[metric] = new_vals

    return new_scores


def print_results_table(results: dict, signatures: dict, args: Namespace):
    """Prints out a nicely formatted table for multi-system evaluation mode."""

    if args.format == "json":
        proper_json = []
        dict_keys = list(results.keys())
        for i in range(len(results["System"])):
            value = {}
            value["system"] = results["System"][i]
            # parse metrics
            for j in range(1, len(dict_keys)):
                if isinstance(results[dict_keys[j]][i], str):
                    value[dict_keys[j]] = results[dict_keys[j]][i]
                else:
                    # Values inside object as dict
                    value[dict_keys[j]] = results[dict_keys[j]][i].__dict__
            proper_json.append(value)

        print(json.dumps(proper_json, indent=4))
        return

    tablefmt = args.format
    if tablefmt in ("text"):
        tablefmt = "fancy_grid"
    elif tablefmt == "latex":
        # Use booktabs
        tablefmt = "latex_booktabs"

    # If paired testing has been given, this'll format the score lines
    results = _format_score_lines(results, args.width, multiline=tablefmt == "fancy_grid")

    new_dict = {}

    # Color the column names and the baseline system name and scores
    has_baseline = False
    baseline_name = ""
    for name in results.keys():
        val = results[name]
        if val[0].startswith("Baseline:") or has_baseline:
            if val[0].startswith("Baseline:"):
                baseline_name = val[0]
            has_baseline = True
            val[0] = Color.format(val[0], "yellow")
        new_dict[Color.format(name, "cyan")] = results[name]

    # Finally tabulate
    table = _tabulate(
        new_dict,
        headers="keys",
        tablefmt=tablefmt,
        colalign=("right",),
        stralign="center",
        numalign="center",
        floatfmt=f".{args.width}f",
    )

    print(table)
    print()

    is_paired = args.paired_bs or args.paired_ar

    if is_paired:
        test_type = "bootstrap resampling" if args.paired_bs else "approximate randomization"
        n_samples_or_trials = args.paired_bs_n if args.paired_bs else args.paired_ar_n
        test_sample_type = "resampling trials" if args.paired_bs else "trials"
        msg = f"Paired {test_type} test with {n_samples_or_trials} {test_sample_type}"

        bline = Color.format("baseline", "yellow")
        bline_name = Color.format(baseline_name, "yellow")
        null_hyp = Color.format("Null hypothesis", "green")
        pval_color = Color.format("highlighted in red", "red")

        # Print fancy header
        print("-" * len(msg) + "\n" + msg + "\n" + "-" * len(msg))
        print(f" - Each system is pairwise compared to {bline_name}.")
        if args.paired_bs:
            print(
                "   Actual system score / bootstrap estimated true mean / 95% CI are provided for each metric."
            )
        else:
            print("   Actual system score is provided for each metric.")
        print()
        print(f" - {null_hyp}: the system and the {bline} translations are essentially")
        print(f"   generated by the same underlying process. For a given system and the {bline},")
        print("   the p-value is roughly the probability of the absolute score difference (delta)")
        print(
            f"   or higher occurring due to chance, under the assumption that the {null_hyp.lower()} is correct."
        )
        print()
        print(
            f" - Assuming a significance threshold of 0.05, the {null_hyp.lower()} can be rejected"
        )
        print(
            '   for p-values < 0.05 (marked with "*"). This means that the delta is unlikely to be attributed'
        )
        print(f'   to chance, hence the system is significantly "different" than the {bline}.')
        print(f"   Otherwise, the p-values are {pval_color}.")
        print()
        print(
            f' - NOTE: Significance does not tell whether a system is "better" than the {bline} but rather'
        )
        print(
            '   emphasizes the "difference" of the systems in terms of the replicability of the delta.'
        )
        print()

    print("-----------------")
    print("Metric signatures")
    print("-----------------")
    for name, sig in signatures.items():
        print(f" - {name:<10} {sig}")


def print_single_results(results: list[str], args: Namespace):
    """Re-process metric strings to align them nicely."""
    if args.format == "json":
        if len(results) > 1:
            proper_json = "[\n" + ",\n".join(results) + "\n]"
            print(proper_json)
        else:
            print(results[0])
        return

    # Color confidence strings for emphasis
    if "μ" in results[0]:
        color_re = re.compile(r"(\(μ = [0-9\.]+ ± [0-9\.]+\))")
        for idx in range(len(results)):
            results[idx] = color_re.sub(lambda m: Color.format(m.group(), "cyan"), results[idx])

    if len(results) == 1:
        # Just one system, nothing to align.
        print(results[0])
        return

    # Align by '=' character
    lens = []
    for line in results:
        # If not score_only, split lines from '=' for re-alignment
        try:
            lens.append(line.index("=") - 1)
        except ValueError:
            print(line)

    if len(lens) > 0:
        w = max(lens)
        for _len, line in zip(lens, results):
            left, right = line[:_len], line[_len:]
            print(f"{left:>{w}}{right}")


def sanity_check_lengths(
    system: Sequence[str], refs: Sequence[Sequence[str]], test_set: str | None = None
):
    n_hyps = len(system)
    if any(len(ref_stream) != n_hyps for ref_stream in refs):
        sacrelogger.error("System and reference streams have different lengths.")
        if test_set:
            sacrelogger.error(
                "This could be an issue with your system output "
                "or with sacreBLEU's reference database if -t is given."
            )
            sacrelogger.error("For the latter, try cleaning out the cache by typing:\n")
            sacrelogger.error(f"  rm -r {SACREBLEU_DIR}/{test_set}\n")
            sacrelogger.error(
                "The test sets will be re-downloaded the next time you run sacreBLEU."
            )
        sys.exit(1)


def smart_open(file, mode="rt", encoding="utf-8"):
    """Opens a plain or gzipped (``.gz``) text file."""
    if file.endswith(".gz"):
        return gzip.open(file, mode=mode, encoding=encoding, newline="\n")
    return open(file, mode=mode, encoding=encoding, newline="\n")


def my_log(num: float) -> float:
    """log(num), floored to a very low number for 0."""
    if num == 0.0:
        return -9999999999
    return math.log(num)


def sum_of_lists(lists):
    """Aggregates a list of numeric lists by summing (one list is returned as it is)."""
    if len(lists) == 1:
        return lists[0]
    # Preserve datatype
    size = len(lists[0])
    init_val = type(lists[0][0])(0.0)
    total = [init_val] * size
    for ll in lists:
        for i in range(size):
            total[i] += ll[i]
    return total


def args_to_dict(args, prefix: str, strip_prefix: bool = False):
    """The argparse ``Namespace`` entries whose names begin with ``prefix``."""
    prefix += "_"
    d = {}
    for k, v in args.__dict__.items():
        if k.startswith(prefix):
            k = k.replace(prefix, "") if strip_prefix else k
            d[k] = v
    return d


def print_test_set(test_set, langpair, requested_fields, origlang=None, subset=None):
    _no_test_sets("print_test_set")


def get_source_file(test_set: str, langpair: str) -> str:
    _no_test_sets("get_source_file")


def get_reference_files(test_set: str, langpair: str) -> list[str]:
    _no_test_sets("get_reference_files")


def get_files(test_set, langpair) -> list[str]:
    _no_test_sets("get_files")


def download_test_set(test_set, langpair=None):
    _no_test_sets("download_test_set")


def get_langpairs_for_testset(testset: str) -> list[str]:
    _no_test_sets("get_langpairs_for_testset")


def get_available_testsets() -> list[str]:
    _no_test_sets("get_available_testsets")


def get_available_testsets_for_langpair(langpair: str) -> list[str]:
    _no_test_sets("get_available_testsets_for_langpair")


def get_available_origlangs(test_sets, langpair) -> list[str]:
    _no_test_sets("get_available_origlangs")


def get_available_subsets(test_sets, langpair) -> list[str]:
    _no_test_sets("get_available_subsets")


def filter_subset(systems, test_sets, langpair, origlang, subset=None):
    """The systems unchanged when no subset is asked for (as sacrebleu); subsets need test sets."""
    if origlang is None and subset is None:
        return systems
    _no_test_sets("filter_subset")


def print_subset_results(metrics, full_system, full_refs, args):
    _no_test_sets("print_subset_results")
