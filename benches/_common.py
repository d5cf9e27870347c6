"""Shared helpers for the side-by-side benchmarks (release builds only; speed is never asserted)."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable


def require_release() -> None:
    """Refuses to benchmark a debug build of the native module."""
    from lexmetrics import _native

    if _native.BUILD_PROFILE != "release" and not os.environ.get("LEXMETRICS_BENCH_ALLOW_DEBUG"):
        sys.exit(
            "benchmarks need a release build (pip install . builds one); got "
            + _native.BUILD_PROFILE
        )


def best_time(fn: Callable[[], object], repeat: int = 3) -> tuple[float, object]:
    """Best wall time of ``repeat`` runs and the last result."""
    best = float("inf")
    out = None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out


def table(rows: list[dict], cols: list[str]) -> str:
    """A GitHub-markdown table of ``rows`` restricted to ``cols``."""

    def fmt(v: object) -> str:
        if isinstance(v, float):
            return f"{v:,.1f}" if v >= 100 else f"{v:.3g}"
        return str(v)

    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for r in rows:
        lines.append("| " + " | ".join(fmt(r.get(c, "")) for c in cols) + " |")
    return "\n".join(lines)
