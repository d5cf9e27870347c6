"""Mirror of ``rouge_score.create_pyrouge_files``: splits ``target_large.txt`` and
``prediction_large.txt`` of a test-data folder into the per-example and 4-line files that pyrouge
(ROUGE-1.5.5) reads. Needs absl-py, like rouge-score's:

  python -m lexmetrics.compat.rouge_score.create_pyrouge_files --testdata_dir=DIR --output=OUT
"""

from __future__ import annotations

import os

try:
    from absl import app, flags
except ImportError as exc:  # pragma: no cover
    raise ImportError(
        "lexmetrics.compat.rouge_score.create_pyrouge_files needs absl-py: pip install absl-py"
    ) from exc

FLAGS = flags.FLAGS

flags.DEFINE_string("testdata_dir", "", "testdata path")
flags.DEFINE_string("output", "/tmp/lkj", "testdata path")


def _write_each(out_dir, prefix, items):
    for i, text in enumerate(items):
        with open(os.path.join(out_dir, f"{prefix}.{i}.txt"), "w") as f:
            f.write(text)


def _write_by_four(out_dir, prefix, items):
    for index, start in enumerate(range(0, len(items), 4)):
        with open(os.path.join(out_dir, f"{prefix}.{index}.txt"), "w") as f:
            f.writelines(items[start : start + 4])


def main(argv):
    if len(argv) > 1:
        raise app.UsageError("Too many command-line arguments.")
    with open(os.path.join(FLAGS.testdata_dir, "target_large.txt")) as f:
        targets = f.readlines()
    with open(os.path.join(FLAGS.testdata_dir, "prediction_large.txt")) as f:
        predictions = f.readlines()
    _write_each(FLAGS.output, "target", targets)
    _write_each(FLAGS.output, "prediction", predictions)
    _write_by_four(FLAGS.output, "target_multi", targets)
    _write_by_four(FLAGS.output, "prediction_multi", predictions)


if __name__ == "__main__":
    app.run(main)
