"""Metrics inside training loops: torch.distributed sync and Hugging Face transformers helpers.

Nothing here imports torch or transformers until it is used:

- :func:`sync` (``lexmetrics.integrations.torch_dist``): exact ``all_reduce`` of an accumulator state;
- :func:`make_compute_metrics`, ``GenerationMetricsCallback`` (``lexmetrics.integrations.hf``).

The accumulators themselves live in :mod:`lexmetrics.accumulators` (numpy only).
"""

from __future__ import annotations

from typing import Any

from .._sentences import sentences_to_lines, split_sentences
from .hf import ComputeMetrics, TextMetrics, decode_token_ids, make_compute_metrics
from .torch_dist import is_distributed, sync

__all__ = [
    "sync",
    "is_distributed",
    "make_compute_metrics",
    "ComputeMetrics",
    "TextMetrics",
    "decode_token_ids",
    "GenerationMetricsCallback",
    "split_sentences",
    "sentences_to_lines",
]


def __getattr__(name: str) -> Any:
    if name == "GenerationMetricsCallback":
        from . import hf

        return hf.GenerationMetricsCallback
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
