"""Per-partition exponential backoff with full jitter, for transient errors only.

A transient failure (throttling, a 5xx, a scope that could not be read) is retried sooner than
the next tick, after ``base · 2^attempt`` seconds at most, capped by the interval so a retry
never comes later than the tick would; the jitter spreads partitions that failed together
(one throttled account) so they do not retry in lockstep. Permanent errors are not retried
before the next tick: repeating them sooner cannot help.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

Uniform = Callable[[float, float], float]


@dataclass(frozen=True, slots=True)
class Backoff:
    base: float = 1.0
    cap: float = 300.0

    def delay(self, attempt: int, uniform: Uniform = random.uniform) -> float:
        """Seconds before retry number ``attempt`` (0 for the first retry)."""
        ceiling: float = min(self.cap, self.base * 2.0 ** min(attempt, 30))
        # Half fixed, half random: never a zero delay, never in lockstep.
        return ceiling / 2 + uniform(0.0, ceiling / 2)
