"""sacrebleu ``metrics``: BLEU, chrF and TER."""

from __future__ import annotations

from typing import Any

from .bleu import BLEU, BLEUScore  # noqa: F401
from .chrf import CHRF, CHRFScore  # noqa: F401
from .ter import TER, TERScore  # noqa: F401

# Any: each class has its own constants (BLEU.SMOOTH_DEFAULTS, CHRF.CHAR_ORDER) read by the CLI.
METRICS: dict[str, Any] = {"BLEU": BLEU, "CHRF": CHRF, "TER": TER}
