"""Shared test configuration."""

from __future__ import annotations

import importlib
import os

# Deterministic, small thread counts on the 2-core CI machine.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

# The test command installs every extra, so an optional suite must never skip for a missing
# package there: the modules that use pytest.importorskip are imported here first, and a missing
# one fails the whole run instead of silently skipping its tests.
if os.environ.get("LEXMETRICS_REQUIRE_EXTRAS") == "1":
    for _name in (
        "torch", "peft", "transformers", "safetensors", "tokenizers", "bitsandbytes",
        "pyspark", "pyarrow", "polars", "pandas", "rouge_score", "sacrebleu", "nltk",
    ):
        importlib.import_module(_name)
