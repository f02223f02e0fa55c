"""Faults on demand: a share of calls throttled, a share unavailable, added latency.

``Throttling.User`` is answered with HTTP 400, as the real gateway does for flow control (the
SDK does not retry it); ``ServiceUnavailable`` with 503 (the SDK retries ECS Describe* on 5xx).
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import asdict, dataclass
from typing import Any

from moto_fixtures.alibaba import errors


@dataclass(frozen=True)
class FaultConfig:
    throttle: float = 0.0  # share of calls answered Throttling.User
    unavailable: float = 0.0  # share answered 503 ServiceUnavailable
    latency_s: float = 0.0


class Faults:
    def __init__(self, config: FaultConfig | None = None, seed: int = 0) -> None:
        self._config = config or FaultConfig()
        self._random = random.Random(seed)  # noqa: S311 (fault injection, not cryptography)
        self._lock = threading.Lock()

    @property
    def config(self) -> FaultConfig:
        return self._config

    def set(self, body: dict[str, Any]) -> FaultConfig:
        merged = {**asdict(self._config), **body}
        config = FaultConfig(
            float(merged["throttle"]), float(merged["unavailable"]), float(merged["latency_s"])
        )
        with self._lock:
            self._config = config
        return config

    def apply(self) -> None:
        config = self._config
        if config.latency_s:
            time.sleep(config.latency_s)
        with self._lock:
            roll = self._random.random()
        if roll < config.throttle:
            raise errors.ThrottlingUser()
        if roll < config.throttle + config.unavailable:
            raise errors.ServiceUnavailable()
