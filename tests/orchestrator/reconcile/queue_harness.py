"""A worker process for the queue tests: ``queue.run_worker`` with an instrumented tick.

``python -m tests.orchestrator.reconcile.queue_harness URL LOG HOLD LEASE`` runs procrastinate
workers (2 jobs at a time) whose tick takes the partition's lease in the store as
``worker.PartitionRunner`` does, appends ``start``/``end`` lines (partition, pid, time) to LOG,
and holds the partition HOLD seconds: long enough that two overlapping runs would show.
LEASE 0 takes no lease, so that only the queue's locks keep runs of a partition apart.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

from orchestrator.reconcile.lease import Keeper
from orchestrator.reconcile.queue import PartitionJob, RetryLater, run_worker
from orchestrator.reconcile.store import open_store


def main(url: str, log: Path, hold: float, lease_period: float) -> None:
    store = open_store(url)
    holder = f"harness:{os.getpid()}"

    def tick(job: PartitionJob) -> float | None:
        if not lease_period:
            _hold(log, job.partition, hold)
            return None
        keeper = Keeper(store.lease(holder, lease_period, job.lock), threading.Event())
        if not keeper.renew():
            raise RetryLater(lease_period / 4, f"{job.lock} is held elsewhere")
        try:
            _hold(log, job.partition, hold)
        finally:
            keeper.release()
        return None

    run_worker(url, tick, concurrency=2, heartbeat=0.5)


def _hold(log: Path, partition: str, hold: float) -> None:
    _line(log, "start", partition)
    time.sleep(hold)
    _line(log, "end", partition)


def _line(log: Path, what: str, partition: str) -> None:
    with log.open("a") as sink:
        sink.write(f"{what} {partition} {os.getpid()} {time.time():.3f}\n")


if __name__ == "__main__":
    main(sys.argv[1], Path(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]))
