"""The throwaway PostgreSQL of pg.py dies with the process that started it, teardown or not:
a run killed by a timeout leaves no server behind."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

from moto_fixtures.daemon import alive
from tests.missing_tool import missing_tool

ROOT = Path(__file__).parents[3]
# Starts a server, prints the postmaster's pid, then waits to be killed (no teardown runs).
STARTER = """
import time
import psycopg
from tests.orchestrator.reconcile.pg import postgres_server
with postgres_server() as url, psycopg.connect(url) as db:
    data = db.execute("SHOW data_directory").fetchone()[0]
    print(open(data + "/postmaster.pid").readline().strip(), flush=True)
    time.sleep(600)
"""


def test_the_server_dies_with_its_starter_killed_without_teardown() -> None:
    if not shutil.which("initdb"):
        missing_tool("PostgreSQL cannot be started: initdb is not on PATH")
    starter = subprocess.Popen(
        [sys.executable, "-c", STARTER], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    try:
        assert starter.stdout is not None
        postmaster = int(starter.stdout.readline())
        assert alive(postmaster)
    finally:
        starter.send_signal(signal.SIGKILL)
        starter.wait()
        assert starter.stdout is not None
        starter.stdout.close()

    deadline = time.monotonic() + 30
    while alive(postmaster) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(postmaster), f"postgres {postmaster} outlived the process that started it"
