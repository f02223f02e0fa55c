"""Per-scope work run side by side: the clouds' SDKs block, so threads overlap their waits.

In: items (scopes, accounts, hubs), a function of one item, a number of workers. Out: the
results in the items' order, whatever order the threads finished in, so everything built from
them (plans, their text and JSON) is the same as a sequential run's. Always: the function is
expected to turn its own failures into results (a scope skipped with its reason), so one
scope's failure never stops another's; anything it raises all the same is raised here, the
first in item order, after every item has run. The threads are daemons: Ctrl-C interrupts the
caller's wait at once (as it interrupted a sequential run), no new item is started after it,
and an exiting process does not wait for calls in flight (SIGKILL safety rests, as before, on
idempotent writes and the next plan's re-read). The rate of calls is bounded elsewhere: by the
token bucket of each account and region (``providers/core/rate.py``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")

# Scopes worked on at once. The waits are the clouds' (network, rate limits), not CPU, so more
# threads than cores pay; the token buckets keep each account and region under its limit, and
# each scope has its own buckets, so scopes side by side never share one. 64, not 16: a plan
# over 40 scopes then reads them in one round, not three (docs/benchmarks.md: 1.67 s to 1.31 s
# against 0.8 s for its slowest scope on the latency-injected sandbox).
SCOPE_WORKERS = 64


def fan_out(items: Iterable[T], work: Callable[[T], R], workers: int = SCOPE_WORKERS) -> list[R]:
    todo = list(items)
    if workers <= 1 or len(todo) <= 1:
        return [work(item) for item in todo]
    return _Pool(todo, work).run(min(workers, len(todo)))


class _Pool(Generic[T, R]):
    def __init__(self, items: list[T], work: Callable[[T], R]) -> None:
        self._items, self._work = items, work
        self._next = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._results: dict[int, R] = {}
        self._errors: dict[int, BaseException] = {}

    def run(self, workers: int) -> list[R]:
        threads = [
            threading.Thread(target=self._loop, name=f"eastwest-scope-{n}", daemon=True)
            for n in range(workers)
        ]
        for thread in threads:
            thread.start()
        try:
            for thread in threads:
                thread.join()
        except BaseException:
            self._stop.set()  # Ctrl-C: start nothing more; calls in flight end or die with us
            raise
        if self._errors:
            raise self._errors[min(self._errors)]
        return [self._results[i] for i in range(len(self._items))]

    def _claim(self) -> int | None:
        with self._lock:
            if self._stop.is_set() or self._next >= len(self._items):
                return None
            self._next += 1
            return self._next - 1

    def _loop(self) -> None:
        while (index := self._claim()) is not None:
            try:
                self._results[index] = self._work(self._items[index])
            except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread, raised there
                self._errors[index] = exc
