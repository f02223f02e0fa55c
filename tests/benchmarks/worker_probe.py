"""Where a queue worker benchmark's CPU and wall time go (tests/benchmarks/worker_scale.py).

- ``cpu_seconds``: user + system CPU of a live process from ``/proc`` (Linux), so that a
  worker's, PostgreSQL's and the benchmark's own share can be told apart under load, where
  wall times are noise.
- ``postgres_cpu``: every process of the PostgreSQL server this process started (the postmaster
  and its live backends, plus the backends that have exited, which the postmaster reaped).
- ``timeline``: each job's start and end from procrastinate's own event table, per worker: how
  long the first job (the one that read the interval's snapshot) took, how busy each worker was
  and how long it sat idle between jobs.
- ``profiled``: cProfile around each job of a worker when ``EASTWEST_BENCH_PROFILE`` names a
  directory (one ``.prof`` per worker process, written when the worker stops).
"""

from __future__ import annotations

import cProfile
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import psycopg

_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
PROFILE_ENV = "EASTWEST_BENCH_PROFILE"
T = TypeVar("T")
R = TypeVar("R")


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces: the fields after it follow the last ')'.
    return text[text.rindex(")") + 2 :].split()


def cpu_seconds(pid: int, *, reaped: bool = False) -> float:
    """utime + stime (and, with ``reaped``, cutime + cstime: its exited children) in seconds;
    0.0 for a process that is gone."""
    fields = _stat(pid)
    if fields is None:
        return 0.0
    # fields[0] is /proc's field 3 (state): utime, stime, cutime, cstime are fields 14 to 17.
    ticks = int(fields[11]) + int(fields[12])
    if reaped:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / _TICK


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields is not None and int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def postgres_cpu(parent: int | None = None) -> float:
    """CPU of the PostgreSQL servers started by ``parent`` (default: this process)."""
    total = 0.0
    for child in _children(os.getpid() if parent is None else parent):
        if Path(f"/proc/{child}/comm").read_text().strip() != "postgres":
            continue
        total += cpu_seconds(child, reaped=True)
        total += sum(cpu_seconds(backend) for backend in _children(child))
    return total


@dataclass(frozen=True, slots=True)
class Timeline:
    """From the first job's start: seconds until the first job ended (the snapshot's reader),
    the busy and idle seconds of each worker between its first start and its last end."""

    first_job_s: float
    busy_s: dict[int, float]
    idle_s: dict[int, float]
    jobs: dict[int, int]


_EVENTS = """
SELECT j.worker_id,
       EXTRACT(EPOCH FROM min(e.at) FILTER (WHERE e.type = 'started'))::float8,
       EXTRACT(EPOCH FROM max(e.at) FILTER (WHERE e.type IN ('succeeded', 'failed')))::float8
FROM procrastinate_jobs j JOIN procrastinate_events e ON e.job_id = j.id
WHERE j.worker_id IS NOT NULL AND (j.args->>'interval')::float8 = %s
GROUP BY j.id, j.worker_id
"""


def timeline(url: str, interval: float) -> Timeline:
    """The jobs of one interval's round. Read before the workers stop: procrastinate forgets a
    job's worker when it leaves."""
    with psycopg.connect(url, autocommit=True) as db:
        found = db.execute(_EVENTS, (interval,)).fetchall()
    rows = [(int(w), float(s), float(e)) for w, s, e in found]
    return timeline_of(rows)


def timeline_of(rows: list[tuple[int, float, float]]) -> Timeline:
    """``rows``: (worker, started, ended) per job, in seconds. A worker running jobs at once
    (``--concurrency``) is busy while any of them runs: its busy time is their union."""
    if not rows:
        return Timeline(0.0, {}, {}, {})
    _, origin, first_end = min(rows, key=lambda row: row[1])
    spans: dict[int, list[tuple[float, float]]] = {}
    for worker, started, ended in sorted(rows):
        spans.setdefault(worker, []).append((started, ended))
    busy = {w: _union(s) for w, s in spans.items()}
    idle = {w: max(e for _, e in s) - s[0][0] - busy[w] for w, s in spans.items()}
    return Timeline(first_end - origin, busy, idle, {w: len(s) for w, s in spans.items()})


def _union(spans: list[tuple[float, float]]) -> float:
    """Seconds covered by ``spans`` (sorted by start)."""
    total, reach = 0.0, float("-inf")
    for started, ended in spans:
        if ended > reach:
            total += ended - max(started, reach)
            reach = ended
    return total


def profiled(run: Callable[[T], R], directory: str | None) -> tuple[Callable[[T], R], Any]:
    """``run`` under one cProfile per process, enabled only inside each call (procrastinate
    runs a synchronous job on a thread of its own; cProfile follows the enabling thread)."""
    if not directory:
        return run, None
    profile = cProfile.Profile(time.thread_time)  # CPU, not wall: waits are not the cost

    def call(job: T) -> R:
        profile.enable()
        try:
            return run(job)
        finally:
            profile.disable()

    def dump() -> None:
        profile.dump_stats(str(Path(directory) / f"worker-{os.getpid()}.prof"))

    return call, dump
