"""Per-account request-rate limits for the fake clouds, as the real ones enforce them.

In: settings posted to each fake's ``/_eastwest/limits`` (JSON), and per API call the account
(AWS account, Alibaba account, Azure subscription), the region where the cloud counts it, and
whether it reads, writes or deletes. Out: ``allow()`` — False means the call must be answered
with the cloud's throttling error and change nothing. Always: a token bucket per (account,
region, kind), full at first and refilled at its rate, shared by the request threads; kinds
without a limit (the default: none at all) are never throttled.

Settings::

    {"read": {"size": 100, "rate": 20}, "write": {"size": 50, "rate": 5}}   # per kind
    {"published": true}        # each kind at the cloud's published figure (``PUBLISHED``)
    {}  or DELETE              # no limits

The published figures are the ones eastwest's clients hold themselves to (EC2: "Request
throttling for the Amazon EC2 API"; ARM: the 2024 token-bucket throttling; Alibaba: a
conservative bucket, as its flow control is published per API).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

KINDS = ("read", "write", "delete")


@dataclass(frozen=True, slots=True)
class Bucket:
    size: float
    rate: float

    def to_json(self) -> dict[str, float]:
        return {"size": self.size, "rate": self.rate}


PUBLISHED: dict[str, dict[str, Bucket]] = {
    # EC2 and Alibaba count deletes among the mutating calls: no bucket of their own.
    "aws": {"read": Bucket(100, 20), "write": Bucket(50, 5)},
    "alibaba": {"read": Bucket(50, 20), "write": Bucket(20, 10)},
    "azure": {"read": Bucket(250, 25), "write": Bucket(200, 10), "delete": Bucket(200, 10)},
}


def parse(cloud: str, body: Mapping[str, Any]) -> dict[str, Bucket]:
    """The limits a POST body sets; ``ValueError`` for anything else."""
    unknown = set(body) - {*KINDS, "published"}
    if unknown:
        raise ValueError(f"unknown limit settings: {sorted(unknown)}")
    limits = dict(PUBLISHED[cloud]) if body.get("published") else {}
    for kind in KINDS:
        spec = body.get(kind)
        if spec is None:
            continue
        if not isinstance(spec, Mapping) or set(spec) != {"size", "rate"}:
            raise ValueError(f"{kind}: expected {{'size': N, 'rate': N}}")
        size, rate = float(spec["size"]), float(spec["rate"])
        if size < 1 or rate <= 0:
            raise ValueError(f"{kind}: size must be at least 1 and rate above 0")
        limits[kind] = Bucket(size, rate)
    return limits


class RateLimits:
    def __init__(self, cloud: str, clock: Callable[[], float] = time.monotonic) -> None:
        self.cloud = cloud
        self._clock = clock
        self._lock = threading.Lock()
        self.limits: dict[str, Bucket] = {}
        self._tokens: dict[tuple[str, str, str], tuple[float, float]] = {}  # key → (tokens, at)
        self.throttled = 0  # calls refused so far (for tests and benchmarks)

    def set(self, body: Mapping[str, Any]) -> dict[str, Any]:
        limits = parse(self.cloud, body)
        with self._lock:
            self.limits, self._tokens = limits, {}
        return self.to_json()

    def to_json(self) -> dict[str, Any]:
        return {kind: bucket.to_json() for kind, bucket in self.limits.items()}

    def control(self, method: str, body: bytes) -> dict[str, Any]:
        """``GET``/``POST``/``DELETE /_eastwest/limits``: the limits now, and how many calls
        were throttled since limits were last POSTed (a POST starts the count afresh, so one
        test's throttles never show in the next one's; a DELETE still reports them). Raises
        ``ValueError`` for bad settings (a 400 in each fake's words)."""
        if method == "POST":
            settings = json.loads(body or b"{}")
            if not isinstance(settings, Mapping):
                raise ValueError("the limit settings are a JSON object")
            self.set(settings)
            with self._lock:
                self.throttled = 0
        elif method == "DELETE":
            self.set({})
        return {**self.to_json(), "throttled": self.throttled}

    def allow(self, account: str, region: str, kind: str) -> bool:
        with self._lock:
            bucket = self.limits.get(kind)
            if bucket is None:
                return True
            key, now = (account, region, kind), self._clock()
            tokens, at = self._tokens.get(key, (bucket.size, now))
            tokens = min(bucket.size, tokens + (now - at) * bucket.rate)
            allowed = tokens >= 1
            self._tokens[key] = (tokens - 1 if allowed else tokens, now)
            if not allowed:
                self.throttled += 1
            return allowed


def kind_of_action(action: str) -> str:
    """AWS and Alibaba name their reads Describe/Get/List/Search/Query; the rest mutate."""
    return "read" if action.startswith(("Describe", "Get", "List", "Search", "Query")) else "write"


def kind_of_method(method: str) -> str:
    """ARM counts by HTTP method."""
    if method in ("GET", "HEAD"):
        return "read"
    return "delete" if method == "DELETE" else "write"
