"""The only module that imports APScheduler (3.x).

One interval job per partition: ``max_instances=1`` so a partition never overlaps itself,
``coalesce`` so missed ticks (a long run, a suspended laptop) collapse into one, jitter so many
partitions do not hit the clouds in the same second. Jobs run in a bounded thread pool, so a
slow or failing partition holds a worker, never the others. A tick may ask for an early retry
(transient error backoff): its job's next run is moved earlier, never duplicated.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from orchestrator.reconcile.partition import Partition

# What a tick returns: seconds until an early retry, or None for the regular interval.
TickFn = Callable[[Partition], float | None]
LEASE_JOB = "lease"


class Scheduler:
    def __init__(self, *, interval: float, jitter: float, workers: int) -> None:
        self.interval = interval
        self.jitter = jitter
        self._scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(max_workers=workers)},
            job_defaults={"coalesce": True, "max_instances": 1},
            timezone=UTC,
        )
        # APScheduler logs every job start at INFO; the reconciler reports runs itself.
        logging.getLogger("apscheduler").setLevel(logging.WARNING)

    def add_lease_job(self, renew: Callable[[], object], every: float) -> None:
        self._scheduler.add_job(
            renew,
            "interval",
            seconds=every,
            id=LEASE_JOB,
            next_run_time=datetime.now(UTC),
            misfire_grace_time=None,
        )

    def add_partitions(self, partitions: Sequence[Partition], tick: TickFn) -> None:
        start = datetime.now(UTC)
        for partition in partitions:
            self._scheduler.add_job(
                self._run,
                "interval",
                args=(partition, tick),
                seconds=self.interval,
                jitter=self.jitter or None,
                id=partition.name,
                next_run_time=start,
                # A tick later than one interval is folded into the next one (coalesce).
                misfire_grace_time=max(1, int(self.interval)),
            )

    def _run(self, partition: Partition, tick: TickFn) -> None:
        retry_in = tick(partition)
        if retry_in is not None and retry_in < self.interval:
            when = datetime.now(UTC) + timedelta(seconds=retry_in)
            self._scheduler.modify_job(partition.name, next_run_time=when)

    def start(self) -> None:
        self._scheduler.start()

    @property
    def running(self) -> bool:
        return bool(self._scheduler.running)

    def stop(self) -> None:
        """Schedule nothing new; wait for the runs in flight to end (never cut an apply)."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)
