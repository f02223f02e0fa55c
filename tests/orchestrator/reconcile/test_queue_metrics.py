"""Queue mode serves the embedded runner's endpoints: a worker's jobs and a deferrer's
rounds, scraped over HTTP from ``http.serve`` as ``eastwest worker --listen`` and
``eastwest run --queue --listen`` start it (fake cloud, SQLite; the process test with
PostgreSQL is test_queue_process.py)."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from orchestrator.errors import EastwestError
from orchestrator.reconcile.http import serve
from orchestrator.reconcile.once import Mode
from orchestrator.reconcile.queue_service import Deferral
from orchestrator.reconcile.service import Settings
from orchestrator.reconcile.source import PolicySource
from orchestrator.reconcile.store import Store, lease_name, open_store
from orchestrator.reconcile.worker import PartitionRunner
from tests.orchestrator.reconcile.fakes import FakeCloud, write_policy
from tests.orchestrator.reconcile.test_observability import get
from tests.orchestrator.reconcile.test_worker import PARTITION, drifted, job

RUNS = 'eastwest_reconcile_runs_total{cloud="aws",mode="%s",outcome="%s",partition="%s"} 1.0'


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return open_store(str(tmp_path / "history.sqlite3"))


@contextmanager
def served(metrics: object, ready: object) -> Iterator[str]:
    server = serve(("127.0.0.1", 0), metrics, ready)  # type: ignore[arg-type]
    assert server is not None
    try:
        host, port = server.address
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("cloud", "mode", "outcome"),
    [(drifted(), "enforce", "applied"), (FakeCloud.converged(), "audit", "in_sync")],
    ids=["drift-applied", "in-sync"],
)
def test_a_worker_serves_the_runs_of_its_jobs(
    tmp_path: Path, store: Store, cloud: FakeCloud, mode: str, outcome: str
) -> None:
    source = PolicySource([write_policy(tmp_path / "policy.yaml")])
    runner = PartitionRunner(source, store, None, lease_period=30, adapters=cloud.adapters)
    with served(runner.metrics.exposition, runner.readiness) as url:
        assert RUNS % (mode, outcome, PARTITION) not in get(f"{url}/metrics")[1]
        runner(job(mode))
        status, text = get(f"{url}/metrics")
        assert status == 200
        assert RUNS % (mode, outcome, PARTITION) in text
        success = f'eastwest_last_success_timestamp_seconds{{cloud="aws",partition="{PARTITION}"}}'
        assert success in text
        status, body = get(f"{url}/readyz")
        assert (status, json.loads(body)["role"], json.loads(body)["jobs"]) == (200, "worker", 1)


def deferral(tmp_path: Path, store: Store) -> Deferral:
    source = PolicySource([write_policy(tmp_path / "policy.yaml")])
    settings = Settings(60, Mode.AUDIT, ("127.0.0.1", 0), 30, lease=lease_name("test"))
    return Deferral(settings, source, store, heartbeat=1)


@pytest.mark.parametrize("held_elsewhere", [False, True], ids=["active", "standby"])
def test_the_deferrer_serves_its_lease_and_the_jobs_it_queued(
    tmp_path: Path, store: Store, held_elsewhere: bool
) -> None:
    if held_elsewhere:
        assert store.lease("other", 30, f"{lease_name('test')}/deferrer").acquire() is not None
    queue = deferral(tmp_path, store)
    jobs = queue.jobs()
    queue.counted(0 if jobs is None else len(jobs), 2)
    with served(queue.metrics.exposition, queue.readiness) as url:
        text = get(f"{url}/metrics")[1]
        assert f"eastwest_lease_active {0.0 if held_elsewhere else 1.0}" in text
        assert f"eastwest_queue_jobs_queued_total {0.0 if held_elsewhere else 1.0}" in text
        assert "eastwest_queue_jobs_stalled_total 2.0" in text
        role = json.loads(get(f"{url}/readyz")[1])["role"]
        assert role == ("standby" if held_elsewhere else "active")


def test_a_port_in_use_stops_the_command_with_what_to_do() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(EastwestError, match=f"127.0.0.1:{port}.*--listen"):
            serve(("127.0.0.1", port), lambda _: (b"", "text/plain"), lambda: (True, {}))


def test_off_serves_nothing() -> None:
    assert serve(None, lambda _: (b"", "text/plain"), lambda: (True, {})) is None
