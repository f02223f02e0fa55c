"""The history store's contract: one row per run, and the lease that makes one instance active.

``Store`` records and lists runs; ``Lease`` is the store's grant of the right to write to the
clouds (see ``orchestrator.reconcile.lease`` for how it is used and docs/reconciler.md for the
semantics of each backend).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

# The columns of one run, in order: shared by the SQLite and PostgreSQL schemas and queries.
COLUMNS = (
    "partition",
    "cloud",
    "started_at",
    "finished_at",
    "mode",
    "outcome",
    "drift",
    "changes",
    "errors",
    "messages",
    "plan",
    "holder",
    "epoch",
)
DEFAULT_LIMIT = 50
DEFAULT_LEASE = "reconciler"


def lease_name(policy: str, scope: str | None = None) -> str:
    """One lease per policy and scope (``policy:shop/aws/111111111111/us-east-1``): one
    writer per partition, while instances of one policy may hold different partitions, and
    instances of different policies sharing a store never wait for each other (what a policy
    writes is marked with its name, so two policies never write the same object). Without a
    scope: the policy's prefix of those names."""
    return f"policy:{policy}" if scope is None else f"policy:{policy}/{scope}"


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One reconcile of one partition as history keeps it."""

    partition: str
    cloud: str
    started_at: datetime
    finished_at: datetime
    mode: str
    outcome: str
    drift: int
    changes: int
    errors: int
    messages: tuple[str, ...]  # the errors and notes, as reported
    plan: dict[str, Any] | None  # plan_to_json of the one-scope plan, when one was made
    holder: str  # the instance that ran it
    epoch: int | None  # its lease epoch (fencing token) at the time
    id: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "partition": self.partition,
            "cloud": self.cloud,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat(),
            "mode": self.mode,
            "outcome": self.outcome,
            "drift": self.drift,
            "changes": self.changes,
            "errors": self.errors,
            "messages": list(self.messages),
            "holder": self.holder,
            "epoch": self.epoch,
            "plan": self.plan,
        }


class Lease(Protocol):
    def acquire(self) -> int | None:
        """Take or renew the lease: its epoch when this instance holds it, else ``None``.
        Raises ``StoreError`` when the store cannot answer."""

    def holds(self, epoch: int) -> bool:
        """Whether this instance still holds the lease with ``epoch``, asked of the store
        itself (the fencing check before each write step)."""

    def release(self) -> None:
        """Give the lease up now, so a standby need not wait for it to expire."""


class LeaseBook(Protocol):
    """The leases of one holder in one store, taken and renewed many at a time (a reconciler
    holds one per partition: one store round trip renews them all)."""

    def acquire(self, names: Sequence[str]) -> dict[str, int | None]:
        """Take or renew each lease: its epoch where this holder holds it, else ``None``.
        Raises ``StoreError`` when the store cannot answer."""

    def holds(self, name: str, epoch: int) -> bool:
        """Whether this holder still holds ``name`` with ``epoch`` (asked of the store)."""

    def release(self, names: Sequence[str]) -> None:
        """Give these leases up now."""


class BookLease:
    """One lease of a book: the ``Lease`` contract for a single name."""

    def __init__(self, book: LeaseBook, name: str) -> None:
        self.book = book
        self.name = name

    def acquire(self) -> int | None:
        return self.book.acquire([self.name])[self.name]

    def holds(self, epoch: int) -> bool:
        return self.book.holds(self.name, epoch)

    def release(self) -> None:
        self.book.release([self.name])


class Store(Protocol):
    location: str  # for messages: a path, or a URL without its password

    def record(self, run: RunRecord) -> None: ...

    def runs(self, *, partition: str | None = None, limit: int = DEFAULT_LIMIT) -> list[RunRecord]:
        """The latest runs, newest first."""

    def lease(self, holder: str, period: float, name: str = DEFAULT_LEASE) -> Lease:
        """The lease ``name`` of this store for ``holder``; ``period`` is how long a grant
        lasts without renewal. Leases of different names are independent."""

    def leases(self, holder: str, period: float) -> LeaseBook:
        """All the leases of ``holder`` in this store, taken and renewed together."""

    def close(self) -> None: ...
