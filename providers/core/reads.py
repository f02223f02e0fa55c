"""One scope's raw reads, shared by the readers of one plan: the inventory, the observation and
the effective-access check read each kind of thing once (issue 13).

In: the answers of read calls (lists of payloads), each under a kind (``"enis"``,
``"groups"``…) and the reader that asks (``"inventory"``, ``"observe"``, ``"access"``). Out: a
kept answer, or a fresh read that is kept in its place.
Always: a reader uses a kept answer at most once (asking again reads again: an adapter lives
across reconciler ticks, and a tick must see what changed since the last); an answer older than
``fresh`` seconds is read again; ``forget()`` makes every answer read before it unusable. The
adapter calls ``forget()`` after any write to the scope and after the access check judged it,
so no two judgements of a scope ever share a read: a change the check missed because it came
after a shared read is seen by the next judgement at the latest. Another process's answers
(``seed``, the queue workers' shared snapshot) keep their real read time and first reader, so
they are used exactly as this process's own would be.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar, cast

T = TypeVar("T")
INVENTORY = "inventory"  # the reader whose answers another process may seed (``kept``)
Clock = Callable[[], float]


class Shared(Protocol):
    """How a reader function reads one kind: through a scope's ``ScopeReads`` as one reader,
    or directly (``UNSHARED``, for callers with nothing to share)."""

    def __call__(self, kind: str, read: Callable[[], T]) -> T: ...


def _unshared(kind: str, read: Callable[[], T]) -> T:
    return read()


UNSHARED: Shared = _unshared


@dataclass(slots=True)
class _Kept:
    read_at: float  # the clock when the read started
    value: Any
    used_by: set[str] = field(default_factory=set)
    load: Callable[[], Any] | None = None  # a seeded answer not decoded yet (``seed``)

    def loaded(self) -> Any:
        if self.load is not None:
            self.value, self.load = self.load(), None
        return self.value


class ScopeReads:
    """The kept answers of one scope (an adapter holds one per region)."""

    def __init__(self, clock: Clock = time.monotonic, fresh: float = 60.0) -> None:
        self._clock, self._fresh = clock, fresh
        self._lock = threading.Lock()  # the reconciler's snapshot and ticks share an adapter
        self._kept: dict[str, _Kept] = {}
        self._floor = float("-inf")  # answers read before it are never used

    def share(self, kind: str, reader: str, read: Callable[[], T]) -> T:
        """The kept ``kind`` if ``reader`` has not used it yet and it is fresh, else ``read()``
        (kept for the others)."""
        now = self._clock()
        with self._lock:
            kept = self._kept.get(kind)
            if kept is not None and reader not in kept.used_by and now - kept.read_at < self._fresh:
                try:
                    value = kept.loaded()
                except ValueError:  # a seeded answer that does not decode: read it instead
                    del self._kept[kind]
                else:
                    kept.used_by.add(reader)
                    return cast(T, value)
        value = read()
        with self._lock:
            if now >= self._floor:
                self._kept[kind] = _Kept(now, value, {reader})
        return value

    def by(self, reader: str) -> Shared:
        """``share`` as ``reader``, for the reader functions that take a ``Shared``."""

        def shared(kind: str, read: Callable[[], T]) -> T:
            return self.share(kind, reader, read)

        return shared

    def kept(self, reader: str) -> dict[str, Any]:
        """The fresh answers ``reader`` read or used: what another process may ``seed`` (the
        queue workers' shared snapshot, issue 13)."""
        now = self._clock()
        with self._lock:
            found = {
                kind: kept
                for kind, kept in self._kept.items()
                if reader in kept.used_by and now - kept.read_at < self._fresh
            }
        return {kind: kept.value for kind, kept in found.items() if kept.load is None}

    def seed(self, kind: str, load: Callable[[], Any], age: float, reader: str) -> None:
        """Keep an answer another process read ``age`` seconds ago as ``reader`` (``kept``), to
        be decoded by ``load`` when first used (a ``ValueError`` from it: read instead): as if
        this process had read it then, so the readers after ``reader`` use it once each, and
        ``fresh`` counts from its real read."""
        read_at = self._clock() - age
        with self._lock:
            if read_at >= self._floor:
                self._kept[kind] = _Kept(read_at, None, {reader}, load)

    def forget(self) -> None:
        """Nothing read before now is used again (after a write, or a judgement)."""
        with self._lock:
            self._floor = self._clock()
            self._kept.clear()

    def kinds(self) -> frozenset[str]:
        """What is kept now (for tests)."""
        with self._lock:
            return frozenset(self._kept)


class RegionReads:
    """An adapter's ``ScopeReads``, one per region (an adapter is one account), and ``account``:
    the answers of reads that are not per region (Azure lists a resource group's NICs for all
    its regions at once), shared by the adapter's region scopes. Each region reads those as its
    own reader (``by_region``), so one region's judgement never shares a read with its next,
    while another region may use the same answer once; the adapter forgets them after every
    write to any of its scopes, as it forgets a region's after a write there."""

    def __init__(self, clock: Clock = time.monotonic, fresh: float = 60.0) -> None:
        self._clock, self._fresh = clock, fresh
        self._lock = threading.Lock()
        self._by_region: dict[str, ScopeReads] = {}
        self.account = ScopeReads(clock, fresh)

    def by_region(self, reader: str, region: str) -> Shared:
        """``account``'s answers as ``reader`` of ``region``."""
        return self.account.by(f"{reader} in {region}")

    def __call__(self, region: str) -> ScopeReads:
        with self._lock:
            if region not in self._by_region:
                self._by_region[region] = ScopeReads(self._clock, self._fresh)
            return self._by_region[region]
