"""Scale-out: partition ticks as procrastinate jobs in PostgreSQL (the only module importing
procrastinate, and only when ``run --queue`` or ``worker`` starts).

In: a PostgreSQL URL (the history store's), the partitions of a policy, and what executes one
partition's tick (``worker.PartitionRunner``, the embedded runner's ``reconcile_once``). Out:
the task ``eastwest.reconcile_partition`` in the ``eastwest`` queue, a deferrer that queues one
job per partition per interval, and workers that run them.

What always holds:

- a partition never has two jobs queued (the queueing lock ``lease_name(policy, scope)``) nor
  two running (the same string as procrastinate's ``lock``: a job waits while another of its
  partition is ``doing``); the partition's lease in the store fences the writes besides;
- a transient failure is retried with the reconciler's backoff (``TickRetry``), a lease held
  elsewhere a little later, anything else waits for the next interval;
- a worker that dies mid-job (SIGKILL) stops its heartbeat; the deferrer sends the jobs of
  workers silent for ``STALLED_BEATS`` heartbeats back to the queue, and another worker takes
  the partition as soon as the dead one's lease expires.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import psycopg
from procrastinate import App, BaseRetryStrategy, JobContext, PsycopgConnector, RetryDecision
from procrastinate.exceptions import AlreadyEnqueued
from procrastinate.jobs import Job
from procrastinate.schema import SchemaManager

from orchestrator.errors import StoreError
from orchestrator.reconcile.store import lease_name

TASK = "eastwest.reconcile_partition"
QUEUE = "eastwest"
STALLED_BEATS = 3  # heartbeats missed before a worker counts as dead
MAX_ATTEMPTS = 6  # retries of one job before it waits for the next interval
_SCHEMA_LOCK = 0x65617374_71756575  # "eastqueu": the advisory lock around the schema
log = logging.getLogger("eastwest.queue")


@dataclass(frozen=True, slots=True)
class PartitionJob:
    """What a job carries: JSON only, the worker re-reads the policy files itself."""

    policy: str
    partition: str
    mode: str
    interval: float
    attempt: int = 0

    @property
    def lock(self) -> str:
        return lease_name(self.policy, self.partition)


class RetryLater(Exception):  # noqa: N818 - a signal to procrastinate, not an error
    """Raised by a job to be retried after ``delay`` seconds."""

    def __init__(self, delay: float, why: str) -> None:
        super().__init__(f"{why}; retry in {delay:.1f}s")
        self.delay = delay


class TickRetry(BaseRetryStrategy):
    def get_retry_decision(self, *, exception: BaseException, job: Job) -> RetryDecision | None:
        if not isinstance(exception, RetryLater) or job.attempts + 1 >= MAX_ATTEMPTS:
            return None
        delay_ms = max(0, int(exception.delay * 1000))
        return RetryDecision(retry_in={"milliseconds": delay_ms})


Execute = Callable[[PartitionJob], "float | None"]
# The jobs of this interval's partitions, or None while another deferrer holds the policy.
Jobs = Callable[[], "Sequence[PartitionJob] | None"]
# Told after each round: jobs queued, stalled jobs sent back (the deferrer's metrics).
Counted = Callable[[int, int], None]


def build_app(url: str, execute: Execute) -> App:
    """The procrastinate app with eastwest's one task; ``execute`` returns seconds until an
    early retry (a transient failure) or None."""
    app = App(connector=PsycopgConnector(conninfo=url))

    @app.task(name=TASK, queue=QUEUE, retry=TickRetry(), pass_context=True)
    def reconcile_partition(
        context: JobContext, policy: str, partition: str, mode: str, interval: float
    ) -> None:
        attempt = context.job.attempts if context.job is not None else 0
        job = PartitionJob(policy, partition, mode, float(interval), attempt)
        retry_in = execute(job)
        if retry_in is not None:
            raise RetryLater(retry_in, f"{partition}: transient failure")

    return app


def ensure_schema(url: str) -> None:
    """procrastinate's tables, created once: its schema script is not idempotent, and two
    processes starting together on a fresh database would race, so under an advisory lock
    and only when its jobs table is missing."""
    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=5) as db, db.transaction():
            db.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            row = db.execute("SELECT to_regclass('procrastinate_jobs')").fetchone()
            if row is None or row[0] is None:
                db.execute(SchemaManager.get_schema())
    except psycopg.Error as exc:
        raise StoreError(f"job queue schema: {type(exc).__name__}") from exc


class Deferrer:
    """Queues one job per partition per interval and sends stalled jobs back to the queue.

    Due times are kept in memory: a restarted deferrer queues every partition at once, which
    the queueing locks make harmless (a partition with a job waiting gets none more)."""

    def __init__(self, app: App, *, interval: float, heartbeat: float) -> None:
        self.app = app
        self.interval = interval
        self.heartbeat = heartbeat
        self._due: dict[str, float] = {}

    async def defer_due(self, jobs: Sequence[PartitionJob], now: float) -> int:
        queued = 0
        for job in jobs:
            if self._due.get(job.lock, 0.0) > now:
                continue
            self._due[job.lock] = now + self.interval
            queued += await self._defer(job)
        return queued

    async def _defer(self, job: PartitionJob) -> int:
        task = self.app.tasks[TASK]
        deferrer = task.configure(lock=job.lock, queueing_lock=job.lock)
        try:
            await deferrer.defer_async(
                policy=job.policy, partition=job.partition, mode=job.mode, interval=job.interval
            )
        except AlreadyEnqueued:
            return 0  # its last job still waits for a worker: one queued is enough
        return 1

    async def retry_stalled(self) -> int:
        manager = self.app.job_manager
        stalled = list(
            await manager.get_stalled_jobs(
                queue=QUEUE, seconds_since_heartbeat=STALLED_BEATS * self.heartbeat
            )
        )
        for job in stalled:
            log.warning("job %s of a dead worker (%s) back to the queue", job.id, job.lock)
            await manager.retry_job(job)
        return len(stalled)

    async def loop(
        self, jobs: Jobs, stopping: Callable[[], bool], counted: Counted | None = None
    ) -> None:
        step = min(self.heartbeat, self.interval / 4)
        while not stopping():
            due = jobs()
            if due is not None:  # None: another deferrer of this policy is active
                stalled = await self.retry_stalled()
                queued = await self.defer_due(due, time.monotonic())
                if counted is not None:
                    counted(queued, stalled)
            await asyncio.sleep(step)


def run_deferrer(
    url: str,
    jobs: Jobs,
    stopping: Callable[[], bool],
    *,
    interval: float,
    heartbeat: float,
    counted: Counted | None = None,
) -> None:
    ensure_schema(url)
    app = build_app(url, _never_executed)

    async def main() -> None:
        async with app.open_async():
            deferrer = Deferrer(app, interval=interval, heartbeat=heartbeat)
            await deferrer.loop(jobs, stopping, counted)

    asyncio.run(main())


def run_worker(url: str, execute: Execute, *, concurrency: int, heartbeat: float) -> None:
    """Until SIGTERM/SIGINT (procrastinate's handlers: the jobs in flight finish first)."""
    ensure_schema(url)
    build_app(url, execute).run_worker(
        queues=[QUEUE],
        concurrency=concurrency,
        update_heartbeat_interval=heartbeat,
        stalled_worker_timeout=STALLED_BEATS * heartbeat,
        fetch_job_polling_interval=min(heartbeat, 5.0),
    )


def _never_executed(job: PartitionJob) -> float | None:
    """The deferrer's app only queues jobs; it never runs one."""
    raise StoreError(f"the deferrer does not execute jobs ({job.partition})")
