"""One partition tick as a queue job runs it (``eastwest worker``): the embedded runner's code
path (``reconcile_once``, recorded in the history and reported the same way), under the
partition's own lease.

In: a ``queue.PartitionJob`` (policy name, partition, mode, interval). Out: the run recorded
in the store; seconds until an early retry after a transient failure, else ``None``.

What always holds: the job takes the partition's lease (``lease_name(policy, scope)``, the
one ``eastwest run`` takes) before it reads, checks it before every write step and renews it
there, and gives it up at the end, so a worker, a second worker and an embedded ``run`` never
write one partition at once, and a worker paused past its lease writes nothing more. A job
whose policy is not the one this worker was started with is refused, never guessed.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Mapping
from typing import Any

from orchestrator.errors import EastwestError, StoreError
from orchestrator.firewall_plan import FirewallReach
from orchestrator.model.policy import Policy
from orchestrator.reconcile.backoff import Backoff
from orchestrator.reconcile.lease import Keeper
from orchestrator.reconcile.metrics import Metrics
from orchestrator.reconcile.once import Adapters, Mode, Tick, reconcile_once
from orchestrator.reconcile.partition import Partition, partitions_of
from orchestrator.reconcile.queue import PartitionJob, RetryLater
from orchestrator.reconcile.service import ProcessAdapters, record_of, report
from orchestrator.reconcile.snapshot import SharedCompile, SnapshotStore
from orchestrator.reconcile.source import PolicySource
from orchestrator.reconcile.store import Store, lease_name

log = logging.getLogger("eastwest.reconcile")


class JobRefusedError(EastwestError):
    """A job this worker must not run (another policy): it fails, it is not retried."""


class PartitionRunner:
    """Executes jobs for one policy; one per worker process, shared by its job threads."""

    def __init__(
        self,
        source: PolicySource,
        store: Store,
        sandbox: Mapping[str, Any] | None,
        *,
        lease_period: float,
        adapters: Adapters | None = None,
        metrics: Metrics | None = None,
        snapshots: SnapshotStore | None = None,
    ) -> None:
        self.source = source
        self.store = store
        self.lease_period = lease_period
        # The embedded runner's metrics, for the jobs this process ran (`worker --listen`).
        self.metrics = metrics or Metrics()
        self.jobs_run = 0
        # The interval's reads shared with the other workers (snapshot_store.py); None: each
        # process reads for itself.
        self.snapshots = snapshots
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        shared = ProcessAdapters(dict(sandbox) if sandbox is not None else None)
        self.adapters: Adapters = adapters or shared.for_policy
        self.firewalls = FirewallReach(shared.sandbox)  # the hubs' PAN-OS, as `run` plans them
        self._shared: dict[float, SharedCompile] = {}
        # The partitions of the policy in force by name, built once per ``Policy`` object
        # (``PolicySource`` keeps the same one while the files' digest holds): listing them is
        # O(P log P), which per job would make an interval's jobs O(P² log P) between them.
        self._index: tuple[Policy, dict[str, Partition]] | None = None
        self.indexed = 0  # how many times the index was built (tests, benchmarks)
        self._lock = threading.Lock()
        self.stopping = threading.Event()  # never set: procrastinate lets jobs finish

    def __call__(self, job: PartitionJob) -> float | None:
        partition = self._partition(job)
        if partition is None:
            log.info("%s: no longer governed by the policy; job dropped", job.partition)
            return None
        name = lease_name(job.policy, job.partition)
        keeper = Keeper(self.store.lease(self.holder, self.lease_period, name), self.stopping)
        if not keeper.renew():
            # Another instance writes this partition (or a dead worker's lease has not
            # expired yet): try again once it may have.
            raise RetryLater(self.lease_period / 2, f"{name} is held elsewhere")
        try:
            return self._tick(partition, job, keeper)
        finally:
            self._release(keeper)

    def _partition(self, job: PartitionJob) -> Partition | None:
        policy = self.source.load().loaded.policy
        if policy.name != job.policy:
            raise JobRefusedError(
                f"job for policy {job.policy!r}; this worker reconciles {policy.name!r}"
            )
        return self._partitions(policy).get(job.partition)

    def _partitions(self, policy: Policy) -> dict[str, Partition]:
        with self._lock:
            if self._index is None or self._index[0] is not policy:
                self._index = (policy, {p.name: p for p in partitions_of(policy)})
                self.indexed += 1
            return self._index[1]

    def _tick(self, partition: Partition, job: PartitionJob, keeper: Keeper) -> float | None:
        def guard() -> None:
            keeper.guard()  # still ours, same epoch, not expired: then extend it
            keeper.renew()

        backoff = Backoff(base=min(1.0, job.interval / 4), cap=job.interval)
        tick = Tick(
            Mode(job.mode),
            guard,
            job.attempt,
            backoff,
            compile=self._compile(job),
            firewalls=self.firewalls,
        )
        epoch = keeper.epoch
        result = reconcile_once(partition, self.source, self.adapters, tick)
        try:
            self.store.record(record_of(result, self.holder, epoch))
        except StoreError as exc:
            log.error("history: run of %s not recorded: %s", partition.name, exc)
        self.metrics.observe(result)
        with self._lock:
            self.jobs_run += 1
        report(result)
        return result.retry_in

    def readiness(self) -> tuple[bool, dict[str, object]]:
        """``/readyz``: a worker serves once its policy is loaded (it is, once constructed)."""
        return True, {"ready": True, "role": "worker", "holder": self.holder, "jobs": self.jobs_run}

    def _compile(self, job: PartitionJob) -> SharedCompile:
        """Inventory and transit read once per interval for all the jobs of this process (and
        of every worker, with ``snapshots``)."""
        with self._lock:
            if job.interval not in self._shared:
                self._shared[job.interval] = SharedCompile(job.interval, store=self.snapshots)
            return self._shared[job.interval]

    def _release(self, keeper: Keeper) -> None:
        try:
            keeper.release()
        except StoreError as exc:
            log.warning("lease: could not be released (%s); it expires by itself", exc)
