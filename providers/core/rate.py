"""Client-side token buckets: each cloud's published request-rate limit, per scope.

In: a key naming where the cloud counts requests (cloud, account, region, and reads apart from
writes) and the bucket's published size and refill rate. Out: ``take()``, which returns at once
while the bucket holds a token and otherwise sleeps until the refill gives one. Always: one
bucket per key in the process (``Buckets``), shared by every thread and adapter that calls that
account and region, so concurrent scopes of one account never exceed the cloud's budget between
them; every attempt of a call takes a token (the SDKs' retries included), so a retry storm
cannot outrun the limit either; the clock and sleep are injectable, so tests do not wait.

Staying under the bucket is not a guarantee: the cloud's bucket is shared with consoles and
other tools, so throttling still happens and the retry policies (botocore ``adaptive``,
``providers/alibaba/retry.py``, azure-core's) still handle it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Limit:
    """A token bucket as the clouds publish them: at most ``size`` requests in a burst, then
    ``rate`` per second."""

    size: float
    rate: float


class TokenBucket:
    def __init__(
        self,
        limit: Limit,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.limit = limit
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()
        self._tokens = limit.size
        self._at = clock()
        self.taken = 0  # tokens taken, and seconds slept in total (for tests and benchmarks)
        self.waited = 0.0

    def take(self) -> None:
        """One token, sleeping first if the bucket is empty."""
        self.taken += 1
        if self.limit.rate == float("inf"):
            return
        while True:
            with self._lock:
                wait = self._reserve()
            if wait <= 0:
                return
            self.waited += wait
            self._sleep(wait)

    def _reserve(self) -> float:
        """Take a token and return 0, or return how long until one is refilled."""
        now = self._clock()
        self._tokens = min(self.limit.size, self._tokens + (now - self._at) * self.limit.rate)
        self._at = now
        if self._tokens >= 1:
            self._tokens -= 1
            return 0.0
        return (1 - self._tokens) / self.limit.rate


BucketKey = tuple[str, ...]  # e.g. ("aws", "111111111111", "us-east-1", "read")


class Buckets:
    """The buckets of one process, made on first use."""

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        *,
        limited: bool = True,
    ) -> None:
        self._clock, self._sleep = clock, sleep
        self.limited = limited  # False: buckets that count but never wait
        self._lock = threading.Lock()
        self._buckets: dict[BucketKey, TokenBucket] = {}

    def bucket(self, key: BucketKey, limit: Limit) -> TokenBucket:
        if not self.limited:
            limit = UNLIMITED
        with self._lock:
            found = self._buckets.get(key)
            if found is None:
                found = self._buckets[key] = TokenBucket(limit, self._clock, self._sleep)
            return found


UNLIMITED = Limit(size=float("inf"), rate=float("inf"))

# The cloud counts requests per account and region for the whole process, whichever adapter
# makes them: one registry, which tests replace by passing their own ``Buckets``.
PROCESS_BUCKETS = Buckets()
# The sandbox's fake clouds impose the limits their control endpoint sets (none by default),
# so their clients hold none of their own unless the sandbox asks (``client_rate_limits``).
SANDBOX_BUCKETS = Buckets(limited=False)


def sandbox_buckets(sandbox: Mapping[str, Any]) -> Buckets:
    return PROCESS_BUCKETS if sandbox.get("client_rate_limits") else SANDBOX_BUCKETS


_READ_PREFIXES = ("Describe", "Get", "List", "Search", "Query")


def is_read(action: str) -> bool:
    """An API action that changes nothing, by the naming rule AWS and Alibaba share."""
    return action.startswith(_READ_PREFIXES)
