"""Benchmark: PostgreSQL sessions (backend starts) per partition job of ``eastwest worker``.

worker_scale.py's rounds, each also counting the sessions the server started during the round
(``pg_stat_database.sessions``): the history store's lease and history round trips, the shared
snapshot's reads and writes, procrastinate's, and the two of the counting itself. Each backend
start costs the server a process fork and its set-up (about 4 ms of its CPU here), so the figure
to read is sessions per partition, beside the CPU per partition worker_scale.py prints.

Run: ``.venv/bin/python -m tests.benchmarks.store_sessions [worker_scale's arguments]``.
"""

from __future__ import annotations

import sys
import time
from typing import Any

import psycopg

from tests.benchmarks import worker_scale

_SESSIONS = "SELECT sum(sessions)::bigint FROM pg_stat_database"
_FLUSH_S = 1.5  # a backend's statistics reach the shared counters within a second (PG 15)


def sessions(url: str) -> int:
    time.sleep(_FLUSH_S)
    with psycopg.connect(url, autocommit=True) as db:
        row = db.execute(_SESSIONS).fetchone()
    return 0 if row is None or row[0] is None else int(row[0])


def counted(interval: Any) -> Any:
    """worker_scale's ``_interval``, printing the round's sessions per partition."""

    def run(server: Any, url: str, procs: Any, names: list[str], every: float) -> Any:
        before = sessions(url)
        got = interval(server, url, procs, names, every)
        started = sessions(url) - before - 1  # the second count's own session
        per_job = started / len(names)
        print(f"<!-- {len(procs)} worker(s): {started} sessions, {per_job:.2f} per partition -->")
        return got

    return run


if __name__ == "__main__":
    worker_scale._interval = counted(worker_scale._interval)  # wrapped, not copied
    sys.argv[0] = "worker_scale"
    given = worker_scale._arguments()
    worker_scale.main(
        given.partitions, tuple(given.workers), shared=not given.per_process,
        warm=given.warm, threads=given.threads,
    )  # fmt: skip
