"""Drop-in for ``rouge_score`` 0.1.2: change ``from rouge_score import rouge_scorer, scoring`` to
``from lexmetrics.compat.rouge_score import rouge_scorer, scoring``. Same modules (``rouge_scorer``,
``scoring``, ``tokenize``, ``tokenizers``, ``io``, and the ``rouge`` command line), same classes,
same numbers, same output files.

``rouge`` and ``create_pyrouge_files`` define absl flags when imported (as rouge-score's do), so
they are not imported here.
"""

from __future__ import annotations

from . import io, rouge_scorer, scoring, tokenize, tokenizers

__all__ = ["io", "rouge_scorer", "scoring", "tokenize", "tokenizers"]
