"""The fake's control plane: the call log and faults on demand.

In: each ARM request (method, path, status) and fault settings, given at start or through
``POST /_eastwest/faults``. Out: ``GET /_eastwest/calls`` as JSON, and the fault (429 throttle,
503, latency) a request should suffer, if any. Always: faults are drawn from a seeded generator,
so a test with a given seed and share sees the same sequence; a faulted request changes nothing.
"""

from __future__ import annotations

import random
import threading
from dataclasses import asdict, dataclass, replace
from typing import Any

from moto_fixtures.azure.errors import (
    ArmError,
    ServiceUnavailableError,
    SubscriptionRequestsThrottledError,
)


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    status: int


@dataclass(frozen=True)
class Faults:
    """Shares (0-1) of ARM calls answered 429 or 503, and seconds added to every call."""

    throttle: float = 0.0
    server_error: float = 0.0
    latency: float = 0.0
    retry_after: int = 1
    seed: int = 0

    def updated(self, changes: dict[str, Any]) -> Faults:
        allowed = set(asdict(self))
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"unknown fault settings: {sorted(unknown)}")
        return replace(self, **changes)


class Control:
    def __init__(self, faults: Faults) -> None:
        self._lock = threading.Lock()
        self._calls: list[Call] = []
        self.set_faults(faults)

    def set_faults(self, faults: Faults) -> None:
        with self._lock:
            self.faults = faults
            self._random = random.Random(faults.seed)  # noqa: S311 (fault draws, not secrets)

    def record(self, call: Call) -> None:
        with self._lock:
            self._calls.append(call)

    def calls(self) -> list[dict[str, Any]]:
        with self._lock:
            return [asdict(c) for c in self._calls]

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()

    def fault(self, method: str, subscription: str) -> ArmError | None:
        with self._lock:
            faults, draw = self.faults, self._random.random()
        if draw < faults.throttle:
            kind = "read" if method == "GET" else "write"
            return SubscriptionRequestsThrottledError(kind, subscription, faults.retry_after)
        if draw < faults.throttle + faults.server_error:
            return ServiceUnavailableError()
        return None
