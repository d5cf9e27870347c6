"""Mirror of ``rouge_score.io``: ``compute_scores_and_write_to_csv`` reads target and prediction
files (glob patterns, records split by a delimiter) and writes the same CSV files, byte for byte,
as rouge-score (per-example scores, or the aggregator's low/mid/high).

When ``scorer`` is this package's ``RougeScorer`` each file pair is scored in one parallel native
call; any other ``BaseScorer`` is called record by record, as rouge-score does.
"""

# %-formatting throughout: the exact strings and "%f" rendering rouge-score writes.
# ruff: noqa: UP031

from __future__ import annotations

import glob
import logging

__all__ = ["compute_scores_and_write_to_csv"]

_log = logging.getLogger(__name__)


def compute_scores_and_write_to_csv(
    target_filepattern,
    prediction_filepattern,
    output_filename,
    scorer,
    aggregator,
    delimiter="\n",
):
    """Runs aggregate score calculations and outputs results to a CSV file.

    Args:
      target_filepattern: Pattern for files containing target text.
      prediction_filepattern: Pattern for files containing prediction text.
      output_filename: Name of file to write results to.
      scorer: A BaseScorer object to compute scores.
      aggregator: An aggregator to aggregate scores. If None, outputs are
        per-example scores.
      delimiter: Record delimiter.
    """
    target_filenames = _glob(target_filepattern)
    prediction_filenames = _glob(prediction_filepattern)
    if len(target_filenames) < 1 or len(target_filenames) != len(prediction_filenames):
        raise ValueError(
            "Must have equal and positive number of target and "
            "prediction files. Found: %d target files (%s),"
            " %d prediction files (%s)."
            % (
                len(target_filenames),
                target_filepattern,
                len(prediction_filenames),
                prediction_filepattern,
            )
        )

    scores = _compute_scores(target_filenames, prediction_filenames, scorer, delimiter)
    if aggregator:
        for score in scores:
            aggregator.add_scores(score)
        _write_aggregates_to_csv(output_filename, aggregator.aggregate())
    else:
        _write_scores_to_csv(output_filename, scores)


def _glob(filepattern):
    return glob.glob(filepattern)


def _open(filepattern, mode="r"):
    # Same text-mode defaults as rouge-score (locale encoding, universal newlines).
    return open(filepattern, mode)


def _ensure_str(s):
    return s.decode("utf-8") if isinstance(s, bytes) else s


def _record_gen(filename, delimiter):
    """Opens file and yields records separated by delimiter."""
    with _open(filename) as f:
        records = f.read().split(_ensure_str(delimiter))
    if records[-1]:
        # A final delimiter is needed to tell an empty last record from none.
        _log.warning("Expected delimiter at end of file")
    else:
        records = records[:-1]
    yield from records


def _compute_scores(target_filenames, prediction_filenames, scorer, delimiter):
    """Scores of every record pair across the sorted target and prediction files.

    Returns:
      A list of dicts mapping score_type to Score objects.
    Raises:
      ValueError: If invalid targets or predictions are provided.
    """
    from .rouge_scorer import RougeScorer

    batched = type(scorer).score is RougeScorer.score
    scores = []
    for target_filename, prediction_filename in zip(
        sorted(target_filenames), sorted(prediction_filenames)
    ):
        _log.info("Reading targets from %s.", target_filename)
        _log.info("Reading predictions from %s.", prediction_filename)
        targets = list(_record_gen(target_filename, delimiter))
        preds = list(_record_gen(prediction_filename, delimiter))
        common = min(len(targets), len(preds))
        # Pairs before a length mismatch are scored first, so a scoring error wins as upstream.
        if batched:
            scores.extend(scorer.score_batch(targets[:common], preds[:common]))
        else:
            scores.extend(scorer.score(t, p) for t, p in zip(targets, preds))
        if len(targets) != len(preds):
            raise ValueError(
                "Must have equal number of lines across target and "
                "prediction files. Mismatch between files: %s, %s."
                % (target_filename, prediction_filename)
            )
    return scores


def _write_aggregates_to_csv(output_filename, aggregates):
    """Writes aggregate scores to an output CSV file.

    Output file is a comma separated where each line has the format:
      score_type-(P|R|F),low_ci,mean,high_ci
    """
    _log.info("Writing results to %s.", output_filename)
    with _open(output_filename, "w") as output_file:
        output_file.write("score_type,low,mid,high\n")
        for score_type, aggregate in sorted(aggregates.items()):
            output_file.write(
                "%s-R,%f,%f,%f\n"
                % (score_type, aggregate.low.recall, aggregate.mid.recall, aggregate.high.recall)
            )
            output_file.write(
                "%s-P,%f,%f,%f\n"
                % (
                    score_type,
                    aggregate.low.precision,
                    aggregate.mid.precision,
                    aggregate.high.precision,
                )
            )
            output_file.write(
                "%s-F,%f,%f,%f\n"
                % (
                    score_type,
                    aggregate.low.fmeasure,
                    aggregate.mid.fmeasure,
                    aggregate.high.fmeasure,
                )
            )
    _log.info("Finished writing results.")


def _write_scores_to_csv(output_filename, scores):
    """Writes scores for each individual example to an output CSV file.

    Output file is a comma separated where each line has the format:
      id,score1,score2,score3,...
    The header row indicates the type of each score column.
    """
    if len(scores) < 1:
        _log.warning("No scores to write")
        return
    rouge_types = sorted(scores[0].keys())

    _log.info("Writing results to %s.", output_filename)
    with _open(output_filename, "w") as out_file:
        out_file.write("id")
        for rouge_type in rouge_types:
            out_file.write(f",{rouge_type}-P,{rouge_type}-R,{rouge_type}-F")
        out_file.write("\n")
        for i, result in enumerate(scores):
            out_file.write("%d" % i)
            for rouge_type in rouge_types:
                out_file.write(
                    ",%f,%f,%f"
                    % (
                        result[rouge_type].precision,
                        result[rouge_type].recall,
                        result[rouge_type].fmeasure,
                    )
                )
            out_file.write("\n")
    _log.info("Finished writing results.")
