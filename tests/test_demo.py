"""`eastwest demo` (the README's first command, `make demo`) runs end to end and converges:
its own sandbox, every step's plan and apply, firewalls included, and the sandbox stopped."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.sandbox


def test_the_demo_converges_and_stops_its_sandbox(tmp_path: Path) -> None:
    sandbox = tmp_path / "sandbox"
    done = subprocess.run(
        [sys.executable, "-m", "orchestrator", "demo", "--dir", str(sandbox), "--no-color"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-4000:]
    assert "The demo did not converge" not in out
    assert "Demo complete: applied in three clouds" in out
    assert "Sandbox stopped." in out
