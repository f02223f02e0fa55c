"""What every partition's tick starts from, read and compiled once per interval for them all.

A partition's desired state depends on the inventory of every scope (a segment's addresses
span scopes) and on the transit routing of every hub. Read per tick, that is P scopes read by
each of P partitions: O(P²) calls per interval. Here it is one snapshot per process: the
identities, inventories and transit routing of all scopes, and the desired state compiled from
them (``pipeline.Compiled``), kept with the time it was read and shared by every tick while it is
younger than ``max_age`` (the interval). A tick then reads only its own scope (``observe``) and
applies only there, so the calls per partition per interval are constant in P.

The effective-access check each tick runs rides on the same reads: the refresh's inventory
reads (ENIs, subnets, VNets) stay in the adapters' per-scope ``ScopeReads``
(``providers/core/reads.py``; the ticks share the adapters), and a tick's check uses them and
its own observation's groups instead of reading them again. Each is used by one judgement only
(forgotten after it, and after every write), so a change the check misses in one tick because
it came after a shared read is judged in the scope's next tick at the latest.

Queue workers are separate processes, each with its own ``SharedCompile``: given a ``store``
(``snapshot_store.StoredSnapshots``, the PostgreSQL store's), a refresh takes the interval's
reads from the store when another worker has read them (their age carried over, so they expire
when the reader's do) and reads and stores them itself otherwise; each process still compiles
its own desired state from them (compiling is CPU, not calls). The raw answers the reader's
inventory kept for each scope's tick (the ENIs and subnets the observation and the access check
would read again) are stored too and seeded into the other workers' adapters with their real age
(``SharesReads``), so a tick costs the same calls in every worker: without them, a worker that
did not read the snapshot read three kinds again for each of its ticks (issue 13's benchmark:
8.0 calls per partition with one worker, 9.7 with four).

Always: one refresh at a time (the ticks that ask meanwhile wait for it rather than read again);
a new policy (another ``Policy`` object from ``PolicySource``, which keeps the same one while the
files' digest holds) is compiled afresh at once; a snapshot in which a scope could not be read
lives only ``retry_age`` seconds, so a transient failure holds the other scopes' deletions back
(DESIGN.md rule 2) for a short while, not a whole interval. Addresses in other scopes may be up
to ``max_age`` old: a VPC added in one scope reaches the address sets of the others within one
interval, as it would have with per-tick reads started an interval apart.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

from orchestrator.model.policy import Policy
from orchestrator.pipeline import (
    AdapterFor,
    Compiled,
    EstateReads,
    Progress,
    compile_reads,
    policy_scopes,
    read_estate,
)
from orchestrator.state import Scope, Target
from providers.base import Load, SharesReads

Clock = Callable[[], float]
CompileFn = Callable[[Policy, AdapterFor, Progress], Compiled]


class SnapshotStore(Protocol):
    """Where processes share an interval's reads: ``read()`` when none will do; the reads and
    their age in seconds."""

    def reads(
        self,
        policy: Policy,
        max_age: float,
        retry_age: float,
        read: Callable[[Collection[Scope]], EstateReads],
    ) -> tuple[EstateReads, float]: ...


@dataclass(frozen=True, slots=True)
class Snapshot:
    policy: Policy
    compiled: Compiled
    read_at: float  # the clock's time when the reads started

    def age(self, now: float) -> float:
        return now - self.read_at


class SharedCompile:
    """A ``CompileFn`` for ``Tick.compile``: ``compile_for``, shared by every tick of a process."""

    def __init__(
        self,
        max_age: float,
        *,
        retry_age: float | None = None,
        clock: Clock = time.monotonic,
        store: SnapshotStore | None = None,
    ) -> None:
        self.max_age = max_age
        self.retry_age = max_age / 4 if retry_age is None else retry_age
        self._clock = clock
        self._store = store
        self._lock = threading.Lock()
        self._snapshot: Snapshot | None = None
        self.refreshes = 0  # how many snapshots were read (for tests and benchmarks)

    def __call__(self, policy: Policy, adapter_for: AdapterFor, progress: Progress) -> Compiled:
        with self._lock:  # one refresh at a time; the others wait and share its result
            snapshot = self._snapshot
            if snapshot is None or not self._fresh(snapshot, policy):
                snapshot = self._refresh(policy, adapter_for, progress)
            return snapshot.compiled

    @property
    def snapshot(self) -> Snapshot | None:
        return self._snapshot

    def age(self) -> float | None:
        """Seconds since the snapshot in use was read, or None before the first."""
        snapshot = self._snapshot
        return None if snapshot is None else snapshot.age(self._clock())

    def _fresh(self, snapshot: Snapshot, policy: Policy) -> bool:
        limit = self.retry_age if snapshot.compiled.skipped else self.max_age
        return snapshot.policy is policy and snapshot.age(self._clock()) < limit

    def _refresh(self, policy: Policy, adapter_for: AdapterFor, progress: Progress) -> Snapshot:
        read_at = self._clock()
        here: set[Scope] = set()  # the scopes this process read itself
        targets = policy_scopes(policy)[0]  # once, not once per share of the reads

        def read(scopes: Collection[Scope]) -> EstateReads:
            here.update(scopes)
            only = {s: targets[s] for s in scopes}
            got = read_estate(policy, adapter_for, progress, only=only)
            return with_kept(targets, got, adapter_for)

        if self._store is None:
            reads, age = read_estate(policy, adapter_for, progress), 0.0
        else:
            reads, age = self._store.reads(policy, self.max_age, self.retry_age, read)
            # Other workers' reads: their ticks' kept answers come with them.
            seed(targets, reads, adapter_for, age, here)
        snapshot = Snapshot(policy, compile_reads(policy, reads), read_at - age)
        self._snapshot = snapshot
        self.refreshes += 1
        return snapshot


def with_kept(
    targets: Mapping[Scope, Target], reads: EstateReads, adapter_for: AdapterFor
) -> EstateReads:
    """``reads`` with the raw answers each scope's inventory kept for its tick (the ENIs,
    subnets… the observation and the access check use rather than read again), so that a
    worker ticking the scope from a stored snapshot reads what the reader's ticks would."""
    kept: dict[Scope, Mapping[str, Load]] = {}
    for scope in reads.inventory:
        adapter = adapter_for(targets[scope])
        if isinstance(adapter, SharesReads):
            kept[scope] = {k: _constant(v) for k, v in adapter.kept_reads(scope.region).items()}
    return replace(reads, kept=kept)


def seed(
    targets: Mapping[Scope, Target],
    reads: EstateReads,
    adapter_for: AdapterFor,
    age: float,
    read: set[Scope],
) -> None:
    """Give this process's adapters what the readers' inventory kept, ``age`` seconds old (at
    most), for the scopes other than those it ``read`` itself."""
    for scope, inventory in reads.inventory.items():
        if scope in read:
            continue
        adapter = adapter_for(targets[scope])
        if isinstance(adapter, SharesReads):
            adapter.seed_reads(inventory, reads.kept.get(scope, {}), age)


def _constant(value: Any) -> Load:
    return lambda: value
