"""One active writer per store: the lease holder's guard, checked before every write step.

The store grants the lease (``store.base.Lease``): an exclusive file lock beside an SQLite
database, a lease row with an epoch (fencing token) in PostgreSQL. ``Keeper`` renews it on
every tick and remembers the epoch it holds; ``Keeper.guard`` is what ``reconcile_once``
calls before applying and ``FencedAdapter`` calls before each step and before the bookkeeping
write, so a writer whose epoch went stale (it paused past its lease, a standby took over)
stops at the next step boundary instead of writing alongside the new holder. A shutdown stops
the same way: the step in flight finishes, no new one starts.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from typing import TypeVar

from orchestrator.errors import ProviderError, StoreError
from orchestrator.reconcile.store.base import Lease
from orchestrator.state import (
    Change,
    DesiredScope,
    NativeRef,
    ObservedScope,
    Scope,
    ScopeInventory,
    Step,
    TransitInventory,
)
from providers.base import Adapter, ChangeResult, Report, TransitReader

Guard = Callable[[], None]
T = TypeVar("T")
log = logging.getLogger("eastwest.reconcile")


class LeaseLostError(ProviderError):
    """This instance no longer holds the store's lease with the epoch it had: it must not
    write. A ``ProviderError`` so that ``apply_plan`` stops the scope like any failed call."""


class ShuttingDownError(ProviderError):
    """A shutdown was requested: the step in flight finished, no further step starts."""


class Keeper:
    """The lease as this process holds it. ``renew`` runs on the scheduler's lease job."""

    def __init__(self, lease: Lease, stopping: threading.Event) -> None:
        self.lease = lease
        self.stopping = stopping
        self.epoch: int | None = None

    @property
    def active(self) -> bool:
        return self.epoch is not None

    def renew(self) -> bool:
        before = self.epoch
        try:
            self.epoch = self.lease.acquire()
        except StoreError as exc:
            # An unreachable store proves nothing about who holds the lease: stop writing.
            log.error("lease: the store cannot be reached (%s); standing by", exc)
            self.epoch = None
        if self.epoch != before:
            self._announce(before)
        return self.active

    def guard(self) -> None:
        if self.stopping.is_set():
            raise ShuttingDownError("shutting down: no new write step is started")
        epoch = self.epoch
        try:
            held = epoch is not None and self.lease.holds(epoch)
        except StoreError as exc:
            # Unanswered is not proven: a writer that cannot show its epoch is current stops.
            raise LeaseLostError(
                f"the store cannot confirm the lease (epoch {epoch}): {exc}"
            ) from exc
        if not held:
            self.epoch = None
            raise LeaseLostError(f"the store's lease (epoch {epoch}) is no longer held")

    def release(self) -> None:
        if self.epoch is not None:
            self.lease.release()
            self.epoch = None

    def _announce(self, before: int | None) -> None:
        if self.epoch is not None:
            log.info("lease: active (epoch %s); this instance reconciles", self.epoch)
        elif before is not None:
            log.warning("lease: lost (epoch %s); standing by", before)
        else:
            log.info("lease: held by another instance; standing by")


class FencedAdapter:
    """An adapter whose writes each pass the guard first. Reads go straight through, and the
    cloud errors they raise are kept in ``failures`` (the plan turns them into diagnostics;
    the reconciler needs their type to tell a transient failure from a permanent one)."""

    def __init__(self, inner: Adapter, guard: Guard, failures: list[ProviderError]) -> None:
        self.inner = inner
        self.guard = guard
        self.failures = failures
        self.target = inner.target

    def check_identity(self, region: str = "us-east-1") -> None:
        self._read(lambda: self.inner.check_identity(region))

    def inventory(self, region: str) -> ScopeInventory:
        return self._read(lambda: self.inner.inventory(region))

    def observe(self, scope: Scope, desired: DesiredScope | None) -> ObservedScope:
        return self._read(lambda: self.inner.observe(scope, desired))

    def transit_inventory(self, scope: Scope, next_hops: Sequence[str]) -> TransitInventory:
        inner = self.inner
        if not isinstance(inner, TransitReader):
            raise ProviderError(f"the {scope.cloud} adapter cannot read transit routing")
        return self._read(lambda: inner.transit_inventory(scope, next_hops))

    def _read(self, call: Callable[[], T]) -> T:
        try:
            return call()
        except ProviderError as exc:
            self.failures.append(exc)
            raise

    def apply(
        self,
        scope: Scope,
        step: Step,
        changes: Sequence[Change],
        ids: MutableMapping[str, NativeRef],
        *,
        run_id: str = "",
        report: Report | None = None,
    ) -> list[ChangeResult]:
        self.guard()
        return self.inner.apply(scope, step, changes, ids, run_id=run_id, report=report)

    def record_applied(
        self, scope: Scope, applied: Mapping[str, str], ids: Mapping[str, NativeRef]
    ) -> None:
        self.guard()
        self.inner.record_applied(scope, applied, ids)
