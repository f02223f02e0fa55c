"""A sandbox daemon started with a pid to watch (``$EASTWEST_SANDBOX_WATCH_PID``: the test
suite's own) stops once that process is gone, teardown or not; one started without it (a user's
``eastwest sandbox up``) outlives whoever started it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from moto_fixtures.daemon import WATCH_PID_ENV, alive
from moto_fixtures.sandbox import load_sandbox, sandbox_down

pytestmark = pytest.mark.sandbox

ROOT = Path(__file__).parents[2]
# Starts a sandbox as the test run does, prints its daemon's pid, then waits to be killed.
STARTER = """
import os, sys, time
from pathlib import Path
from moto_fixtures.daemon import WATCH_PID_ENV
from moto_fixtures.sandbox import sandbox_up
if sys.argv[2] == "watched":
    os.environ[WATCH_PID_ENV] = str(os.getpid())
else:
    os.environ.pop(WATCH_PID_ENV, None)
print(sandbox_up(Path(sys.argv[1])).pid, flush=True)
time.sleep(600)
"""


def _start_then_kill_the_starter(directory: Path, watched: bool) -> int:
    mode = "watched" if watched else "unwatched"
    command = [sys.executable, "-c", STARTER, str(directory), mode]
    env = {k: v for k, v in os.environ.items() if k != WATCH_PID_ENV}
    starter = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert starter.stdout is not None
        daemon = int(starter.stdout.readline())
    finally:
        starter.send_signal(signal.SIGKILL)
        starter.wait()
        assert starter.stdout is not None
        starter.stdout.close()
    return daemon


@pytest.mark.parametrize("watched", [True, False], ids=["watched", "unwatched"])
def test_the_daemon_dies_with_the_process_it_watches_only(tmp_path: Path, watched: bool) -> None:
    daemon = _start_then_kill_the_starter(tmp_path, watched)
    try:
        # The daemon looks once a second: 5 s is ample for the unwatched one to have stopped
        # were it watching; the watched one may take longer on a loaded machine.
        deadline = time.monotonic() + (20 if watched else 5)
        while alive(daemon) and time.monotonic() < deadline:
            time.sleep(0.1)
        if watched:
            assert not alive(daemon), "the daemon outlived the process it watched"
            log = (tmp_path / "sandbox.log").read_text()
            assert "is gone, stopping" in log
            assert "stopped" in log
        else:
            assert alive(daemon)
            assert load_sandbox(tmp_path)["pid"] == daemon  # still serving
    finally:
        sandbox_down(tmp_path)
