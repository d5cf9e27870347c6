"""Shared test configuration."""

from __future__ import annotations

import importlib
import os

from hypothesis import HealthCheck, settings

# Deterministic, small thread counts on the 2-core CI machine.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

# Property tests: a fast profile by default (CI), a deep one on demand (HYPOTHESIS_PROFILE=slow).
# No deadline: per-example time on a shared CI machine is noise, not a failure. A test whose examples
# are costly takes a fraction of the profile's max_examples (settings.default, read at import).
_PROFILE = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("ci", max_examples=100, **_PROFILE)
settings.register_profile("slow", max_examples=2000, **_PROFILE)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# The test command installs every extra, so an optional suite must never skip for a missing
# package there: the modules that use pytest.importorskip are imported here first, and a missing
# one fails the whole run instead of silently skipping its tests.
if os.environ.get("LEXMETRICS_REQUIRE_EXTRAS") == "1":
    for _name in (
        "torch",
        "peft",
        "transformers",
        "safetensors",
        "tokenizers",
        "bitsandbytes",
        "pyspark",
        "pyarrow",
        "polars",
        "pandas",
        "rouge_score",
        "sacrebleu",
        "nltk",
    ):
        importlib.import_module(_name)
