"""Benchmark: queue-mode throughput with 1, 2 and 4 ``eastwest worker`` processes.

The estate and the sandbox are reconcile_scale.py's: the local AWS answers every call 50 ms
late and holds each account and region to EC2's published request buckets; eastwest's
clients hold themselves to the same buckets. PostgreSQL runs in a temporary directory. For
each worker count: the procrastinate schema is made afresh, the workers (one job at a time
each, ``--concurrency 1``) start and register, then one interval's jobs (one per partition,
audit mode) are queued at once and the clock runs until every job has finished: the cold
round, where each worker builds its SDK clients in its jobs. Then ``--warm N`` (default 1)
more intervals on the same processes: the snapshot is dropped and the jobs queued again, as
the next interval's are. Reported per round: wall time, partitions per second, the speed-up
over one worker, API calls per partition, the throttled calls, the CPU per partition of the
workers, PostgreSQL and this process (moto's server), how long the first job (the snapshot's
reader, whom the other workers wait for) took, and each worker's idle time between its jobs
(worker_probe.py; ``EASTWEST_BENCH_PROFILE=DIR`` writes a cProfile of each worker's jobs,
CPU time, into DIR). The workers share the interval's snapshot through PostgreSQL, as
``eastwest worker`` does (``snapshot_store.py``); ``--per-process`` gives each worker its own
(the code before the shared snapshot) for comparison.

Run: ``make bench`` (or ``.venv/bin/python -m tests.benchmarks.worker_scale [--per-process]
[--warm N] [P] [W…]``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

import psycopg
import yaml

from moto_fixtures.aws.server import AwsServer, start_aws_server
from orchestrator.reconcile.queue import Deferrer, PartitionJob, build_app, ensure_schema
from orchestrator.reconcile.source import PolicySource
from orchestrator.reconcile.store import open_store
from tests.benchmarks.reconcile_scale import INTERVAL, calm, estate_body, prepare
from tests.benchmarks.worker_probe import PROFILE_ENV, cpu_seconds, postgres_cpu, profiled, timeline
from tests.orchestrator.reconcile.pg import postgres_server

HEARTBEAT = 5.0


def run_one_worker(
    url: str, policy: Path, sandbox_file: Path, shared: bool, threads: int = 1
) -> None:
    """One worker process (``--worker``): what ``eastwest worker --concurrency T`` runs."""
    from orchestrator.reconcile.queue import run_worker
    from orchestrator.reconcile.snapshot_store import StoredSnapshots
    from orchestrator.reconcile.worker import PartitionRunner

    logging.basicConfig(level=logging.ERROR)
    sandbox = json.loads(sandbox_file.read_text())
    snapshots = StoredSnapshots(url) if shared else None
    runner = PartitionRunner(
        PolicySource([policy]), open_store(url), sandbox, lease_period=30, snapshots=snapshots
    )
    execute, dump = profiled(runner, os.environ.get(PROFILE_ENV))
    if threads > 1 and dump is not None:
        raise SystemExit("profile one job at a time: cProfile follows one thread at a time")
    run_worker(url, execute, concurrency=threads, heartbeat=HEARTBEAT)
    if dump is not None:
        dump()


def _sql(url: str, query: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url, autocommit=True) as db:
        cursor = db.execute(query)
        return cursor.fetchall() if cursor.description else []


def _fresh_queue(url: str) -> None:
    _sql(url, "DROP SCHEMA public CASCADE")
    _sql(url, "CREATE SCHEMA public")
    ensure_schema(url)
    open_store(url)  # the history tables


def _start(
    count: int, url: str, policy: Path, sandbox: Path, *, shared: bool, threads: int
) -> list[subprocess.Popen[bytes]]:
    command = [sys.executable, "-m", "tests.benchmarks.worker_scale", "--worker", url]
    command += [str(policy), str(sandbox), "shared" if shared else "own", str(threads)]
    procs = [
        subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(count)
    ]
    deadline = time.monotonic() + 60
    while _sql(url, "SELECT count(*) FROM procrastinate_workers")[0][0] < count:
        if time.monotonic() > deadline:
            raise SystemExit("the workers did not register within 60 s")
        time.sleep(0.2)
    return procs


def _queue_all(url: str, jobs: list[PartitionJob]) -> None:
    app = build_app(url, lambda job: None)

    async def defer() -> None:
        async with app.open_async():
            deferrer = Deferrer(app, interval=INTERVAL, heartbeat=HEARTBEAT)
            await deferrer.defer_due(jobs, time.monotonic())

    asyncio.run(defer())


def _finished(db: psycopg.Connection[Any]) -> int:
    query = "SELECT count(*) FROM procrastinate_jobs WHERE status IN ('succeeded', 'failed')"
    row = db.execute(query).fetchone()
    return 0 if row is None else int(row[0])


def measure(
    server: AwsServer,
    url: str,
    workers: int,
    partitions: int,
    tmp: Path,
    *,
    shared: bool = True,
    warm: int = 0,
    threads: int = 1,
) -> dict[str, Any]:
    """One interval on freshly started workers (cold: every client and cache is built in the
    jobs); then ``warm`` more intervals on the same processes, in ``"warm"`` (a list)."""
    sandbox = tmp / "sandbox.json"
    sandbox.write_text(json.dumps(prepare(server, partitions)))
    policy = tmp / "policy.yaml"
    policy.write_text(yaml.safe_dump(estate_body(partitions), sort_keys=False))
    _fresh_queue(url)
    procs = _start(workers, url, policy, sandbox, shared=shared, threads=threads)
    names = [p.name for p in _partitions(policy)]
    try:
        got = _interval(server, url, procs, names, INTERVAL)
        got["warm"] = []
        for later in range(1, warm + 1):
            # The next interval: its jobs carry another interval, so each worker's snapshot
            # of the last is not used, and the stored one is gone, as if it had expired.
            _sql(url, "DELETE FROM eastwest_snapshots")
            got["warm"].append(_interval(server, url, procs, names, INTERVAL / (1 + later)))
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait(timeout=60)
        limits = json.loads(_get(f"{server.url}/_eastwest/limits"))
        calm(server.url)
    outcomes = Counter(r.outcome for r in open_store(url).runs(limit=10 * partitions))
    label = f"{workers}x{threads}" if threads > 1 else workers  # processes x jobs at once each
    got.update(workers=label, throttled=limits["throttled"], outcomes=dict(outcomes))
    # procrastinate's side of the same jobs: a failed job (or one still waiting for a retry)
    # has no run in the history, so the two together account for every job queued.
    got["jobs"] = dict(
        _sql(url, "SELECT status::text, count(*) FROM procrastinate_jobs GROUP BY 1")
    )
    for later in got["warm"]:
        later.update(workers=got["workers"], throttled=limits["throttled"])
    return got


def _interval(
    server: AwsServer,
    url: str,
    procs: list[subprocess.Popen[bytes]],
    names: list[str],
    interval: float,
) -> dict[str, Any]:
    """Queue one job per partition at once and wait for them all: the figures of the round."""
    server.calls.clear()
    # One connection for the polling: a connection per poll would cost PostgreSQL a backend
    # (about 4 ms of its CPU) ten times a second and show up in its share.
    with psycopg.connect(url, autocommit=True) as db:
        done = _finished(db)
        cpu = _cpu(procs)
        start = time.perf_counter()
        _queue_all(url, [PartitionJob("scale", n, "audit", interval) for n in names])
        while _finished(db) < done + len(names):
            time.sleep(0.1)
        wall = time.perf_counter() - start
        cpu = {k: v - cpu[k] for k, v in _cpu(procs).items()}
    calls = server.calls.calls()
    return {
        "partitions": len(names),
        "wall_s": wall,
        "per_s": len(names) / wall,
        "calls_per_partition": len(calls) / len(names),
        "calls": Counter(c.action for c in calls),
        "cpu": cpu,
        "timeline": timeline(url, interval),
    }


def _cpu(procs: list[subprocess.Popen[bytes]]) -> dict[str, float]:
    """CPU seconds so far: the workers' together, PostgreSQL's, and this process's (moto's
    server threads, the queueing and the polling)."""
    return {
        "workers": sum(cpu_seconds(p.pid) for p in procs),
        "postgres": postgres_cpu(),
        "bench": time.process_time(),
    }


def _partitions(policy: Path) -> tuple[Any, ...]:
    from orchestrator.reconcile.partition import partitions_of

    return partitions_of(PolicySource([policy]).load().loaded.policy)


def _get(url: str) -> str:
    import urllib.request

    with urllib.request.urlopen(url, timeout=60) as answer:
        return str(answer.read().decode())


_COLUMNS = (
    "round workers partitions wall_s partitions_per_s speed-up calls_per_partition throttled "
    "cpu_ms_per_partition(workers/postgres/bench) first_job_s idle_s_per_worker"
)


def row(name: str, got: dict[str, Any], base: float) -> str:
    """One line of the table: CPU per partition of each process kind (the figure comparable
    under load), how long the first job (the snapshot's reader) held the others up, and how
    long a worker sat idle between its jobs on average."""
    n = got["partitions"]
    cpu = "/".join(f"{1000 * got['cpu'][k] / n:.0f}" for k in ("workers", "postgres", "bench"))
    jobs = got["timeline"]
    idle = sum(jobs.idle_s.values()) / max(1, len(jobs.idle_s))
    return (
        f"| {name} | {got['workers']} | {n} | {got['wall_s']:.1f} | {got['per_s']:.2f} | "
        f"{got['per_s'] / base:.2f}x | {got['calls_per_partition']:.1f} | {got['throttled']} | "
        f"{cpu} | {jobs.first_job_s:.1f} | {idle:.1f} |"
    )


def main(
    partitions: int, counts: tuple[int, ...], *, shared: bool, warm: int, threads: int
) -> None:
    """The cold round (fresh workers) and ``warm`` more (the next intervals) per worker count;
    the speed-ups are over the first count's round of the same kind."""
    server = start_aws_server()
    try:
        with postgres_server() as url, TemporaryDirectory() as tmp:
            print(f"| {' | '.join(_COLUMNS.split())} |")
            print("|" + "---|" * len(_COLUMNS.split()))
            base: dict[str, float] = {}
            for workers in counts:
                got = measure(
                    server, url, workers, partitions, Path(tmp), shared=shared, warm=warm,
                    threads=threads,
                )  # fmt: skip
                rounds = [("cold", got), *((f"warm {i}", w) for i, w in enumerate(got["warm"], 1))]
                for name, one in rounds:
                    base.setdefault(name, one["per_s"])
                    print(
                        row(name, one, base[name]),
                        f" <!-- {got['outcomes']} {got['jobs']} -->",
                        flush=True,
                    )
    finally:
        server.stop()


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="worker_scale", description=__doc__.split("\n")[0])
    parser.add_argument("partitions", type=int, nargs="?", default=100)
    parser.add_argument("workers", type=int, nargs="*", default=[1, 2, 4])
    parser.add_argument("--per-process", action="store_true", help="a snapshot per worker")
    parser.add_argument("--warm", type=int, default=1, help="intervals after the cold one")
    parser.add_argument("--threads", type=int, default=1, help="jobs at once per worker")
    return parser.parse_args()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        url, policy, sandbox, snapshot, threads = sys.argv[2:7]
        run_one_worker(url, Path(policy), Path(sandbox), snapshot == "shared", int(threads))
    else:
        given = _arguments()
        main(
            given.partitions, tuple(given.workers), shared=not given.per_process,
            warm=given.warm, threads=given.threads,
        )  # fmt: skip
