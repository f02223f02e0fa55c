"""Faults on demand for the Alibaba Cloud fake, with the settings and draws of the AWS fake.

In: the settings posted to ``/_eastwest/faults`` (``throttle``, ``server_error``, ``lost``
shares, ``latency`` seconds, ``actions``, ``seed``: ``moto_fixtures.aws.faults.Faults``; the
older names ``unavailable`` and ``latency_s`` are read as ``server_error`` and ``latency``), and
the action of each authenticated, well-formed call. Out: the fault that call suffers, raised as
the answer the real gateway gives: throttling is ``Throttling`` (HTTP 400) on reads
(``Describe*``/``List*``, which the SDK itself retries on ECS) and ``Throttling.User`` (400,
never retried by the SDK) on writes; a server error is ``ServiceUnavailable`` (503) on reads and
``InternalError`` (500) on writes; a lost answer is ``True`` from ``before``: the server then
carries the call out and hangs up without answering.
Always: one seeded draw per call of a faulted action, so the same seed, settings and calls give
the same faults; a throttled or failed call changes nothing.
"""

from __future__ import annotations

import time
from typing import Any

from moto_fixtures.alibaba import errors
from moto_fixtures.aws.faults import FaultInjector, Faults

_ALIASES = {"unavailable": "server_error", "latency_s": "latency"}  # the first settings' names
_READS = ("Describe", "List", "Get")


class AlibabaFaults:
    """The faults in force for one fake, shared by its request threads."""

    def __init__(self, settings: Faults | None = None) -> None:
        self._injector = FaultInjector(settings)

    @property
    def settings(self) -> Faults:
        return self._injector.faults

    def set(self, body: dict[str, Any]) -> Faults:
        """Change some settings (``ValueError`` on an unknown key or bad shares) and restart
        the seeded draws."""
        changes = {_ALIASES.get(k, k): v for k, v in body.items()}
        self._injector.set(self.settings.updated(changes))
        return self.settings

    def clear(self) -> Faults:
        self._injector.set(Faults())
        return self.settings

    def before(self, action: str) -> bool:
        """Raise the throttling or server error ``action`` suffers now; True when its answer
        is to be lost once it is carried out."""
        faults, kind = self._injector.draw(action)
        if faults.latency and (not faults.actions or action in faults.actions):
            time.sleep(faults.latency)
        read = action.startswith(_READS)
        if kind == "throttle":
            raise errors.Throttling() if read else errors.ThrottlingUser()
        if kind == "error":
            raise errors.ServiceUnavailable() if read else errors.AlibabaError()
        return kind == "lost"
