"""The fake's control plane: the call log and faults on demand.

In: each ARM request (method, path, status) and fault settings, given at start or through
``POST /_eastwest/faults`` (the AWS fake's keys plus ``retry_after``). Out: ``GET
/_eastwest/calls`` as JSON, and the fault a request should suffer, if any: 429
``SubscriptionRequestsThrottled`` with ``Retry-After``, 503 ``ServiceUnavailable``, or
``LOST`` (the server carries the request out, then hangs up). Always: faults are drawn from a
seeded generator, one draw per request of a faulted action (``action_of``: ``PUT
networkSecurityGroups``, ``DELETE securityRules``, ``GET operations`` …), so a test with a given
seed and shares sees the same sequence; a throttled or failed request changes nothing.
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


LOST = "lost"


@dataclass(frozen=True)
class Faults:
    """Shares (0-1) of ARM calls answered 429 or 503 or whose answer is lost, and seconds
    added to every faultable call; ``actions`` (``action_of``'s names) limits them, empty: all."""

    throttle: float = 0.0
    server_error: float = 0.0
    latency: float = 0.0
    retry_after: int = 1
    seed: int = 0
    lost: float = 0.0
    actions: tuple[str, ...] = ()

    def updated(self, changes: dict[str, Any]) -> Faults:
        allowed = set(asdict(self))
        unknown = set(changes) - allowed
        if unknown:
            raise ValueError(f"unknown fault settings: {sorted(unknown)}")
        if "actions" in changes:
            changes = {**changes, "actions": tuple(str(a) for a in changes["actions"])}
        new = replace(self, **changes)
        shares = [float(new.throttle), float(new.server_error), float(new.lost)]
        if any(s < 0 for s in shares) or sum(shares) > 1:
            raise ValueError("throttle, server_error and lost are shares: each ≥ 0, sum ≤ 1")
        return new

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "actions": list(self.actions)}

    def covers(self, action: str) -> bool:
        return not self.actions or action in self.actions


def action_of(method: str, path: str) -> str:
    """``PUT /subscriptions/…/networkSecurityGroups/n/securityRules/r`` → ``PUT
    securityRules``: the method and the last resource type named (a list's too)."""
    parts = [p for p in path.split("/") if p]
    low = [p.lower() for p in parts]
    start = low.index("microsoft.network") + 1 if "microsoft.network" in low else len(parts)
    types = parts[start::2]
    if "locations" in low[start:]:
        types = [t for t in types if t.lower() != "locations"] or types
    return f"{method} {types[-1] if types else '?'}"


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

    def fault(self, method: str, subscription: str, action: str = "") -> ArmError | str | None:
        """The error ``action`` is answered with, ``LOST``, or None."""
        with self._lock:
            faults = self.faults
            if not faults.covers(action):
                return None
            draw = self._random.random()
        if draw < faults.throttle:
            kind = "read" if method == "GET" else "write"
            return SubscriptionRequestsThrottledError(kind, subscription, faults.retry_after)
        if draw < faults.throttle + faults.server_error:
            return ServiceUnavailableError()
        if draw < faults.throttle + faults.server_error + faults.lost:
            return LOST
        return None
