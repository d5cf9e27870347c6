"""Shared setup for the fine-tuning helper tests (tiny models built from configs, nothing downloaded)."""

from __future__ import annotations

import os

import pytest

try:
    import torch
    import transformers
except ImportError:  # the test modules skip themselves with the install hint
    torch = None
else:
    # One thread: tiny models run several times faster on the shared 2-core box, same numbers.
    torch.set_num_threads(1)
    transformers.logging.set_verbosity_error()

# LEXMETRICS_TEST_DEVICE=cuda runs the device-aware tests on a GPU (default cpu).
DEVICE = os.environ.get("LEXMETRICS_TEST_DEVICE", "cpu")


@pytest.fixture
def device() -> str:
    if DEVICE.startswith("cuda") and (torch is None or not torch.cuda.is_available()):
        pytest.fail(f"LEXMETRICS_TEST_DEVICE={DEVICE} but CUDA is not available")
    return DEVICE
