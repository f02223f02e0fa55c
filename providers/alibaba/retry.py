"""Retrying Alibaba Cloud calls: exponential backoff with full jitter, bounded in tries and time.

In: a zero-argument call that raises ``ApiError``; a ``Backoff`` (its sleep, clock and random
source are injectable so tests neither wait nor depend on luck). Out: the call's answer, or the
last ``ApiError`` once the error is not retryable, the attempts are used up or the deadline
has passed. Always: only what ``errors.is_retryable`` allows is retried (the SDK itself retries
almost nothing: not ``Throttling.User``, no write, nothing of VPC), and a retry never sleeps past
the deadline.

Every retried request is signed again with a fresh nonce and timestamp (the SDK signs per send),
so a replay is never refused as one.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from providers.alibaba.errors import ApiError, is_retryable

T = TypeVar("T")


@dataclass(frozen=True)
class Backoff:
    base_s: float = 0.25
    cap_s: float = 8.0
    attempts: int = 8
    deadline_s: float = 120.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    rand: Callable[[], float] = random.random  # jitter, not cryptography

    def delay(self, attempt: int) -> float:
        """Full jitter: a uniform wait below ``base * 2**attempt``, capped."""
        return self.rand() * min(self.cap_s, self.base_s * 2.0**attempt)


def with_retries(
    call: Callable[[], T],
    backoff: Backoff,
    retryable: Callable[[ApiError], bool] = is_retryable,
) -> T:
    started = backoff.clock()
    attempt = 0
    while True:
        try:
            return call()
        except ApiError as error:
            attempt += 1
            if not retryable(error) or attempt >= backoff.attempts:
                raise
            wait = backoff.delay(attempt)
            if backoff.clock() + wait - started > backoff.deadline_s:
                raise
            backoff.sleep(wait)
