r"""Mirror of ``rouge_score.rouge``: the command line that scores text files into a CSV file.

Same flags and output files as rouge-score's (it needs absl-py, as rouge-score's does):

  python -m lexmetrics.compat.rouge_score.rouge \
      --rouge_types=rouge1,rouge2,rougeL \
      --target_filepattern=*.targets \
      --prediction_filepattern=*.decodes \
      --output_filename=scores.csv \
      --use_stemmer
"""

from __future__ import annotations

try:
    from absl import app, flags
except ImportError as exc:  # pragma: no cover - absl-py ships with rouge-score installs
    raise ImportError(
        "lexmetrics.compat.rouge_score.rouge needs absl-py for its rouge-score-compatible flags: "
        "pip install absl-py"
    ) from exc

from . import io, rouge_scorer, scoring

flags.DEFINE_string("target_filepattern", None, "Files containing target text.")
flags.DEFINE_string("prediction_filepattern", None, "Files containing prediction text.")
flags.DEFINE_string(
    "output_filename", None, "File in which to write calculated ROUGE scores as a CSV."
)
flags.DEFINE_string("delimiter", "\n", "Record delimiter  in files.")
flags.DEFINE_list(
    "rouge_types", ["rouge1", "rouge2", "rougeL"], "List of ROUGE types to calculate."
)
flags.DEFINE_boolean(
    "use_stemmer", False, "Whether to use Porter stemmer to remove common suffixes."
)
flags.DEFINE_boolean("aggregate", True, "Write aggregates if this is set to True")
flags.DEFINE_boolean(
    "split_summaries",
    False,
    "Whether to split references and candidates into sentences before computing RougeLsum.",
)

FLAGS = flags.FLAGS


def main(argv):
    if len(argv) > 1:
        raise app.UsageError("Too many command-line arguments.")
    scorer = rouge_scorer.RougeScorer(
        FLAGS.rouge_types, use_stemmer=FLAGS.use_stemmer, split_summaries=FLAGS.split_summaries
    )
    aggregator = scoring.BootstrapAggregator() if FLAGS.aggregate else None
    io.compute_scores_and_write_to_csv(
        FLAGS.target_filepattern,
        FLAGS.prediction_filepattern,
        FLAGS.output_filename,
        scorer,
        aggregator,
        delimiter=FLAGS.delimiter,
    )


if __name__ == "__main__":
    flags.mark_flag_as_required("target_filepattern")
    flags.mark_flag_as_required("prediction_filepattern")
    flags.mark_flag_as_required("output_filename")
    app.run(main)
