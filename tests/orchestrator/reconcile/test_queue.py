"""Queue mode on a real PostgreSQL (started in a temporary directory by conftest.py, stopped
after) and real procrastinate workers in subprocesses (queue_harness.py): one run of a
partition at a time, and a SIGKILLed worker's partition taken over within one interval."""

from __future__ import annotations

import asyncio
import itertools
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import psycopg
import pytest

from orchestrator.reconcile.queue import PartitionJob, run_deferrer

Span = tuple[str, int, float, float]  # partition, pid, start, end


@pytest.fixture
def queue_url(pg_store: str) -> str:
    with psycopg.connect(pg_store, autocommit=True) as db:
        db.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    return pg_store


@pytest.fixture
def workers(queue_url: str, tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []

    def launch(hold: float, lease: float) -> subprocess.Popen[bytes]:
        command = [sys.executable, "-m", "tests.orchestrator.reconcile.queue_harness"]
        command += [queue_url, str(tmp_path / "ticks.log"), str(hold), str(lease)]
        with (tmp_path / f"worker-{len(started)}.log").open("wb") as log:
            started.append(subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT))
        return started[-1]

    yield launch
    for proc in started:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=10)


class DeferrerThread:
    """``run --queue``'s deferrer loop, in a thread of the test."""

    def __init__(self, url: str, partitions: Sequence[str], interval: float) -> None:
        jobs = [PartitionJob("shop", p, "audit", interval) for p in partitions]
        self.stop = threading.Event()
        self.thread = threading.Thread(
            target=run_deferrer,
            args=(url, lambda: jobs, self.stop.is_set),
            kwargs={"interval": interval, "heartbeat": 0.5},
        )

    def __enter__(self) -> DeferrerThread:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join(timeout=10)


def spans(log: Path) -> list[Span]:
    started: dict[tuple[str, int], float] = {}
    done: list[Span] = []
    for line in log.read_text().splitlines() if log.exists() else []:
        what, partition, pid, at = line.split()
        if what == "start":
            started[(partition, int(pid))] = float(at)
        else:
            done.append((partition, int(pid), started.pop((partition, int(pid))), float(at)))
    return done


def starts(log: Path) -> list[tuple[str, int, float]]:
    lines = (line.split() for line in (log.read_text().splitlines() if log.exists() else []))
    return [(p, int(pid), float(at)) for what, p, pid, at in lines if what == "start"]


def wait_for(what: str, check: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def test_two_workers_never_reconcile_one_partition_at_once(
    queue_url: str, workers: Callable[..., subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    partitions = ["aws/111111111111/us-east-1", "aws/111111111111/eu-west-1", "azure/s/eastus"]
    for _ in range(2):
        workers(hold=0.4, lease=0)  # no lease: only the queue's locks keep runs apart
    log = tmp_path / "ticks.log"
    # An interval shorter than a tick: a new job is due while the last one still runs.
    with DeferrerThread(queue_url, partitions, interval=0.15):
        wait_for("4 runs of every partition", lambda: _runs_each(log, partitions) >= 4, 60)
    done = spans(log)
    for partition in partitions:
        mine = sorted((s for s in done if s[0] == partition), key=lambda s: s[2])
        overlaps = [(a, b) for a, b in itertools.pairwise(mine) if b[2] < a[3]]
        assert overlaps == [], f"{partition} ran twice at once: {overlaps}"
    assert len({pid for _, pid, _, _ in done}) == 2  # both workers took jobs


def _runs_each(log: Path, partitions: Sequence[str]) -> int:
    done = spans(log)
    return min(sum(1 for s in done if s[0] == p) for p in partitions)


def test_a_worker_killed_mid_job_leaves_the_partition_to_another_within_an_interval(
    queue_url: str, workers: Callable[..., subprocess.Popen[bytes]], tmp_path: Path
) -> None:
    interval, lease = 6.0, 2.0
    partition = "aws/111111111111/us-east-1"
    log = tmp_path / "ticks.log"
    first = workers(hold=60, lease=lease)  # holds the partition until killed
    with DeferrerThread(queue_url, [partition], interval=interval):
        wait_for("the first worker's run", lambda: bool(starts(log)), 30)
        second = workers(hold=0.2, lease=lease)
        time.sleep(1.0)  # the second is up and polling; the first is mid-job
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
        killed = time.time()
        wait_for(
            "another worker's run of the partition",
            lambda: any(pid == second.pid for _, pid, _ in starts(log)),
            interval + 5,
        )
    took = next(at for _, pid, at in starts(log) if pid == second.pid) - killed
    assert next(pid for _, pid, _ in starts(log)) == first.pid
    assert took <= interval, f"taken over {took:.1f}s after the kill"


def test_the_schema_is_created_once_by_processes_starting_together(queue_url: str) -> None:
    from orchestrator.reconcile.queue import ensure_schema

    async def all_at_once() -> None:
        await asyncio.gather(*(asyncio.to_thread(ensure_schema, queue_url) for _ in range(6)))

    asyncio.run(all_at_once())
    with psycopg.connect(queue_url) as db:
        row = db.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()
    assert row is not None
    assert row[0] == "procrastinate_jobs"
