"""The typed stubs of the native module match what the extension really exports (mypy stubtest)."""

from __future__ import annotations

import subprocess
import sys

import pytest


def test_native_stubs_match_the_extension(tmp_path):
    pytest.importorskip("mypy")
    # Run outside the source tree so the installed package (with its built extension) is checked.
    proc = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "lexmetrics._native"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Success" in proc.stdout
