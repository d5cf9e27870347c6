"""Shared test configuration."""

from __future__ import annotations

import os

# Deterministic, small thread counts on the 2-core CI machine.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
