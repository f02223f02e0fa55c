"""``.ci/run``: it tests a clone of the committed HEAD, alone in a temporary directory, with
the README's ``make test``, shows make's output and exits with make's status. A stand-in
``make`` first on PATH reports where it ran instead of running the suite (that takes minutes)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FAKE_MAKE = """#!/bin/sh
echo "args: $*"
echo "cwd: $(pwd)"
echo "beside: $(ls -A ..)"
echo "head: $(git rev-parse HEAD)"
echo "dirty: $(git status --porcelain)"
exit 3
"""

pytestmark = pytest.mark.skipif(
    shutil.which("git") is None or not (ROOT / ".git").exists(), reason="needs a git checkout"
)


def test_ci_runs_make_test_on_a_lone_clone_of_head(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "make").write_text(FAKE_MAKE)
    (bin_dir / "make").chmod(0o755)
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ['PATH']}", TMPDIR=str(tmp_path))
    env.pop("CI_KEEP", None)  # a CI run kept for a look must not keep this test's clone too
    head = subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()

    done = subprocess.run(
        [str(ROOT / ".ci" / "run")], capture_output=True, text=True, env=env, check=False
    )

    lines = dict(line.split(": ", 1) for line in done.stdout.splitlines() if ": " in line)
    assert done.returncode == 3, done.stderr
    assert lines["args"] == "test"
    assert lines["head"] == head
    assert lines["beside"] == "eastwest"
    assert Path(lines["cwd"]).parent.parent == tmp_path
    assert lines["dirty"] == ""
    assert list(tmp_path.glob("eastwest-ci.*")) == []  # cleaned up after itself
