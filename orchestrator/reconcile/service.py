"""``eastwest run`` wired together: policy source, store and lease, metrics and health
endpoints, the scheduler, signals, and the report of every run.

Lifecycle: take (or wait for) the lease, start the endpoints and the scheduler, then sleep
until SIGTERM or SIGINT. On a signal: stop scheduling, let the runs in flight finish (an apply
stops at its next step boundary, never inside a step), give the lease up so a standby need not
wait for it to expire, exit 0.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import sys
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

from orchestrator.commands import AdapterCache
from orchestrator.errors import EastwestError, StoreError
from orchestrator.firewall_plan import FirewallReach
from orchestrator.flows.audit import FlowDryRun
from orchestrator.pipeline import AdapterFor
from orchestrator.plan.document import plan_to_json
from orchestrator.reconcile.backoff import Backoff
from orchestrator.reconcile.failover import FirewallHealthSource
from orchestrator.reconcile.http import HealthServer, serve
from orchestrator.reconcile.lease import Keepers
from orchestrator.reconcile.metrics import Metrics
from orchestrator.reconcile.once import Mode, RunResult, Tick, reconcile_once
from orchestrator.reconcile.partition import Partition, partitions_of
from orchestrator.reconcile.scheduler import Scheduler
from orchestrator.reconcile.snapshot import SharedCompile
from orchestrator.reconcile.source import PolicySource
from orchestrator.reconcile.store import RunRecord, Store
from orchestrator.reconcile.store.base import DEFAULT_LEASE
from orchestrator.reconcile.switches import SwitchRecorder

log = logging.getLogger("eastwest.reconcile")


@dataclass(frozen=True, slots=True)
class Settings:
    interval: float
    mode: Mode
    listen: tuple[str, int] | None
    lease_period: float
    workers: int = 8
    jitter: float = 0.0
    # The prefix of the partitions' lease names: lease_name(policy) for `run`; a partition's
    # lease is lease_name(policy, scope).
    lease: str = DEFAULT_LEASE
    scopes: tuple[str, ...] = ()  # only partitions named so or under these (`run --scope`)
    flows_store: Path | None = None  # audit mode: the flow dry run of each tick reads it


class Service:
    def __init__(
        self,
        settings: Settings,
        source: PolicySource,
        store: Store,
        sandbox: Mapping[str, Any] | None,
    ) -> None:
        self.settings = settings
        self.source = source
        self.store = store
        self.sandbox = dict(sandbox) if sandbox is not None else None
        self.holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.stopping = threading.Event()
        self.keepers = Keepers(store.leases(self.holder, settings.lease_period), self.stopping)
        self.metrics = Metrics()
        if isinstance(source, FirewallHealthSource):  # --probe-firewalls: switches recorded
            recorder = SwitchRecorder(self.metrics.registry, store, self.holder, str(settings.mode))
            source.failover.listeners.append(recorder)
        self.scheduler = Scheduler(
            interval=settings.interval, jitter=settings.jitter, workers=settings.workers
        )
        self.backoff = Backoff(base=min(1.0, settings.interval / 4), cap=settings.interval)
        self._attempts: dict[str, int] = {}
        self.adapters = ProcessAdapters(self.sandbox)
        self.firewalls = FirewallReach(self.sandbox)  # the hubs' PAN-OS, planned per partition
        self._scheduled: set[str] = set()
        # Inventory and transit read once per interval for all partitions (snapshot.py).
        self.shared = SharedCompile(max_age=settings.interval)

    def run(self) -> int:
        """Until a signal; returns the exit code."""
        self._on_signals()
        server = self._serve()
        self._renew()
        every = min(self.settings.interval, self.settings.lease_period / 3)
        self.scheduler.add_lease_job(self._renew, every)
        self.scheduler.start()
        log.info(
            "reconciling every %ss in %s mode; history in %s",
            f"{self.settings.interval:g}",
            self.settings.mode,
            self.store.location,
        )
        self.stopping.wait()
        log.info("shutting down: no new runs; waiting for the runs in flight")
        self.scheduler.stop()
        self._release()
        if server is not None:
            server.stop()
        log.info("stopped")
        return 0

    def stop(self) -> None:
        self.stopping.set()

    def _on_signals(self) -> None:
        def handle(signum: int, _: FrameType | None) -> None:
            log.info("received %s", signal.Signals(signum).name)
            self.stopping.set()

        signal.signal(signal.SIGTERM, handle)
        signal.signal(signal.SIGINT, handle)

    def _serve(self) -> HealthServer | None:
        return serve(self.settings.listen, self.metrics.exposition, self._readiness)

    def _readiness(self) -> tuple[bool, dict[str, object]]:
        ready = self.scheduler.running and not self.stopping.is_set()
        held = self.keepers.held
        role = "active" if held else "standby"
        return ready, {
            "ready": ready,
            "role": role,
            "held": held,
            "partitions": len(self._scheduled),
        }

    def _renew(self) -> None:
        """The lease job: take partitions the policy gained, renew every partition's lease
        (one store round trip), and schedule the partitions new to this process."""
        if self.stopping.is_set():
            return
        fresh = [p for p in self._partitions() if p.name not in self._scheduled]
        for partition in fresh:
            self.keepers.add(self._lease_of(partition))
        self.keepers.renew()
        self.metrics.active.set(1 if self.keepers.held else 0)
        if fresh:
            self._scheduled.update(p.name for p in fresh)
            self.scheduler.add_partitions(fresh, self._tick)

    def _partitions(self) -> list[Partition]:
        wanted = self.settings.scopes
        every = partitions_of(self.source.load().loaded.policy)
        return [p for p in every if not wanted or any(in_scope(p.name, w) for w in wanted)]

    def _lease_of(self, partition: Partition) -> str:
        return f"{self.settings.lease}/{partition.name}"

    def _release(self) -> None:
        try:
            self.keepers.release()
        except StoreError as exc:
            log.warning("lease: could not be released (%s); it expires by itself", exc)

    def _tick(self, partition: Partition) -> float | None:
        keeper = self.keepers[self._lease_of(partition)]
        if self.stopping.is_set() or not keeper.active:
            return None
        epoch = keeper.epoch
        attempt = self._attempts.get(partition.name, 0)
        store = self.settings.flows_store
        tick = Tick(
            self.settings.mode,
            keeper.guard,
            attempt,
            self.backoff,
            compile=self.shared,
            flows=None if store is None else FlowDryRun(store),
            firewalls=self.firewalls,
        )
        try:
            result = reconcile_once(partition, self.source, self.adapters.for_policy, tick)
        except EastwestError as exc:
            # Not a cloud error the plan could report (e.g. no adapter for a cloud): say so
            # and try again next tick; the other partitions go on.
            log.error("%s: run failed: %s", partition.name, exc)
            return None
        self._attempts[partition.name] = attempt + 1 if result.retry_in is not None else 0
        self.metrics.observe(result)
        self._record(result, epoch)
        report(result)
        return result.retry_in

    def _record(self, result: RunResult, epoch: int | None) -> None:
        try:
            self.store.record(record_of(result, self.holder, epoch))
        except StoreError as exc:
            log.error("history: run of %s not recorded: %s", result.partition.name, exc)


class ProcessAdapters:
    """One adapter per account for the whole process (the shared snapshot reads every scope
    through it; a per-partition cache would hold P adapters per partition), rebuilt if the
    policy is renamed (adapters tag what they own with the name). AdapterCache is
    thread-safe, and an adapter's state is kept per region."""

    def __init__(self, sandbox: dict[str, Any] | None) -> None:
        self.sandbox = sandbox
        self._cache: AdapterCache | None = None
        self._lock = threading.Lock()

    def for_policy(self, name: str) -> AdapterFor:
        with self._lock:
            if self._cache is None or self._cache.policy != name:
                self._cache = AdapterCache(name, self.sandbox)
            return self._cache


def in_scope(partition: str, wanted: str) -> bool:
    """``aws``, ``aws/111111111111`` or ``aws/111111111111/us-east-1`` selects that
    partition and those under it (never ``aws/1111111111112``)."""
    return partition == wanted or partition.startswith(wanted.rstrip("/") + "/")


def record_of(result: RunResult, holder: str, epoch: int | None) -> RunRecord:
    return RunRecord(
        partition=result.partition.name,
        cloud=result.partition.cloud,
        started_at=result.started_at,
        finished_at=result.finished_at,
        mode=str(result.mode),
        outcome=str(result.outcome),
        drift=result.drift,
        changes=result.changes,
        errors=len(result.errors),
        messages=(*result.errors, *result.notes),
        plan=plan_to_json(result.plan) if result.plan is not None else None,
        holder=holder,
        epoch=epoch,
    )


def report(result: RunResult) -> None:
    """One log record per run; the text form lists each change, marked drift or policy."""
    summary = (
        f"{result.partition.name} [{result.mode}] {result.outcome} in {result.duration:.2f}s: "
        f"{result.drift} drift, {result.changes} change(s), {len(result.errors)} error(s), "
        f"{len(result.findings)} access finding(s)"
    )
    lines = [summary, *_change_lines(result), *(f"  ! {e}" for e in result.errors)]
    lines += [f"  note: {n}" for n in result.notes]
    level = logging.WARNING if result.errors or result.drift or result.findings else logging.INFO
    log.log(level, "\n".join(lines), extra={"run": _run_fields(result)})


_SHOWN = 12  # changes listed per run; a first apply of a large estate would flood the log


def _change_lines(result: RunResult) -> list[str]:
    changes = sorted(result.planned, key=lambda c: not c.drift)
    shown = changes[:_SHOWN]
    lines = [f"  {c.action} {'drift ' if c.drift else 'policy'} {c.resource.key}" for c in shown]
    if len(changes) > _SHOWN:
        lines.append(f"  … and {len(changes) - _SHOWN} more (eastwest history --json)")
    return lines


def _run_fields(result: RunResult) -> dict[str, object]:
    return {
        "partition": result.partition.name,
        "cloud": result.partition.cloud,
        "mode": str(result.mode),
        "outcome": str(result.outcome),
        "duration": round(result.duration, 3),
        "drift": result.drift,
        "changes": result.changes,
        "findings": len(result.findings),
        "errors": list(result.errors),
        "notes": list(result.notes),
        "planned": [
            {"action": str(c.action), "key": c.resource.key, "drift": c.drift}
            for c in result.planned
        ],
    }


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, message (its first line), a run's fields, and
    the traceback of a logged exception (``exc_info``) and ``stack_info`` when there are, so
    a crash in a job is as diagnosable in JSON as in text."""

    def format(self, record: logging.LogRecord) -> str:
        body: dict[str, object] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage().split("\n", 1)[0],
        }
        run = getattr(record, "run", None)
        if isinstance(run, dict):
            body["run"] = run
        if record.exc_info:
            body["exc_info"] = self.formatException(record.exc_info)
        if record.stack_info:
            body["stack_info"] = self.formatStack(record.stack_info)
        return json.dumps(body)


def configure_logging(fmt: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.INFO)
