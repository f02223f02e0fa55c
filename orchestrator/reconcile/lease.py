"""One active writer per partition: the lease holder's guard, checked before every write step.

The store grants the lease (``store.base.Lease``), one per policy and scope (``lease_name``):
an exclusive file lock beside an SQLite database, a lease row with an epoch (fencing token) in
PostgreSQL. ``Keepers`` renews a process's leases together (one store round trip); ``Keeper``
remembers the epoch it holds for one partition. ``Keeper.guard`` is what ``reconcile_once``
calls before applying and ``FencedAdapter`` calls before each step and before the bookkeeping
write, so a writer whose epoch went stale (it paused past its lease, a standby took over)
stops at the next step boundary instead of writing alongside the new holder. A shutdown stops
the same way: the step in flight finishes, no new one starts.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from typing import Any, TypeVar

from orchestrator.errors import ProviderError, StoreError
from orchestrator.reconcile.store.base import BookLease, Lease, LeaseBook
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
from providers.base import Adapter, ChangeResult, Load, Report, SharesReads, TransitReader

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
        try:
            epoch = self.lease.acquire()
        except StoreError as exc:
            # An unreachable store proves nothing about who holds the lease: stop writing.
            log.error("lease: the store cannot be reached (%s); standing by", exc)
            epoch = None
        return self.update(epoch)

    def update(self, epoch: int | None, *, announce: bool = True) -> bool:
        """Take the epoch the store just granted (``None``: not held)."""
        before, self.epoch = self.epoch, epoch
        if announce and self.epoch != before:
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
        name = getattr(self.lease, "name", "the store's lease")
        if self.epoch is not None:
            log.info("lease %s: active (epoch %s); this instance reconciles", name, self.epoch)
        elif before is not None:
            log.warning("lease %s: lost (epoch %s); standing by", name, before)
        else:
            log.info("lease %s: held by another instance; standing by", name)


class Keepers:
    """The partition leases of one process (``Keeper`` each), renewed together."""

    def __init__(self, book: LeaseBook, stopping: threading.Event) -> None:
        self.book = book
        self.stopping = stopping
        self._keepers: dict[str, Keeper] = {}
        self._renewed = False  # the first renewal is always told

    def add(self, name: str) -> Keeper:
        return self._keepers.setdefault(name, Keeper(BookLease(self.book, name), self.stopping))

    def __getitem__(self, name: str) -> Keeper:
        return self._keepers[name]

    @property
    def held(self) -> int:
        return sum(1 for keeper in self._keepers.values() if keeper.active)

    def renew(self) -> None:
        names = sorted(self._keepers)
        try:
            epochs = self.book.acquire(names)
        except StoreError as exc:
            # An unreachable store proves nothing about who holds the leases: stop writing.
            log.error("leases: the store cannot be reached (%s); standing by", exc)
            epochs = {}
        before = self.held if self._renewed else -1
        self._renewed = True
        for name in names:
            # One line for the process, not one per partition (a thousand at start-up).
            self._keepers[name].update(epochs.get(name), announce=False)
        if self.held != before:
            role = "reconciles" if self.held else "stands by for all"
            log.info("leases: this instance %s %s of %s partition(s)", role, self.held, len(names))

    def release(self) -> None:
        held = [name for name, keeper in self._keepers.items() if keeper.active]
        for name in held:
            self._keepers[name].epoch = None
        if held:
            self.book.release(held)


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

    def kept_reads(self, region: str) -> dict[str, Any]:
        inner = self.inner
        return inner.kept_reads(region) if isinstance(inner, SharesReads) else {}

    def seed_reads(self, inventory: ScopeInventory, kept: Mapping[str, Load], age: float) -> None:
        if isinstance(self.inner, SharesReads):
            self.inner.seed_reads(inventory, kept, age)

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
