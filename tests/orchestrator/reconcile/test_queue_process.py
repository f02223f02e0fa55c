"""Queue mode as a user runs it: ``eastwest run --queue`` and ``eastwest worker`` processes
against the sandbox daemon and a PostgreSQL store (conftest.py), stopped by SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from orchestrator.cli import main
from orchestrator.reconcile.store import RunRecord, open_store
from tests.orchestrator.reconcile.conftest import free_port
from tests.orchestrator.reconcile.test_observability import get

POLICY = str(Path(__file__).parents[3] / "policies" / "examples" / "sandbox.yaml")


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


def eastwest(sandbox: Path, log: Path, *args: str) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "orchestrator", "--sandbox", str(sandbox), *args]
    with log.open("wb") as sink:
        return subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)


def test_run_queue_and_a_worker_reconcile_the_sandbox_and_stop_on_sigterm(
    sandbox_dir: Path, pg_store: str, tmp_path: Path, processes: list[subprocess.Popen[bytes]]
) -> None:
    with psycopg.connect(pg_store, autocommit=True) as db:
        db.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    common = ("--store", pg_store, "--heartbeat", "1s")
    ports = {"run": free_port(), "worker": free_port()}
    processes.append(
        eastwest(
            sandbox_dir,
            tmp_path / "run.log",
            "run",
            POLICY,
            "--queue",
            "--interval",
            "2s",
            "--mode",
            "enforce",
            "--listen",
            f"127.0.0.1:{ports['run']}",
            *common,
        )
    )
    listen = ("--listen", f"127.0.0.1:{ports['worker']}")
    processes.append(
        eastwest(sandbox_dir, tmp_path / "worker.log", "worker", POLICY, *listen, *common)
    )
    deadline = time.monotonic() + 60
    runs: list[RunRecord] = []
    while time.monotonic() < deadline and len(runs) < 2:
        time.sleep(0.5)
        runs = open_store(pg_store).runs() if _has_runs(pg_store) else []
    logs = "\n".join(p.read_text(errors="replace")[-3000:] for p in tmp_path.glob("*.log"))
    assert len(runs) >= 2, logs
    # The first run applies the policy, the next finds only the seeded DBA group's finding.
    assert {r.outcome for r in runs} <= {"applied", "findings"}, logs
    assert {r.partition for r in runs} == {"aws/111111111111/us-east-1"}
    assert all(r.epoch is not None for r in runs)
    # Both serve the embedded runner's endpoints: the worker its jobs, the deferrer its queue.
    worker_text = get(f"http://127.0.0.1:{ports['worker']}/metrics")[1]
    assert 'eastwest_reconcile_runs_total{cloud="aws"' in worker_text, logs
    assert "eastwest_last_success_timestamp_seconds{" in worker_text, logs
    run_text = get(f"http://127.0.0.1:{ports['run']}/metrics")[1]
    assert "eastwest_lease_active 1.0" in run_text, logs
    assert "eastwest_queue_jobs_queued_total 0.0" not in run_text, logs
    for proc in processes:
        proc.send_signal(signal.SIGTERM)
    assert [proc.wait(timeout=20) for proc in processes] == [0, 0], logs


def _has_runs(url: str) -> bool:
    with psycopg.connect(url) as db:
        row = db.execute("SELECT to_regclass('eastwest_runs')").fetchone()
    return row is not None and row[0] is not None


@pytest.mark.parametrize("command", ["run", "worker"])
def test_queue_mode_needs_a_postgresql_store(command: str, tmp_path: Path) -> None:
    args = [command, POLICY, "--store", str(tmp_path / "h.sqlite3")]
    if command == "run":
        args.append("--queue")
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert "needs a PostgreSQL store" in result.output
