"""Bounded waits for a cloud's asynchronous operations, the same on every cloud.

A create or modify that answers at once may still be running (a prefix list ``Modifying``, a
route table ``Creating``): the next write would be refused or would race it. ``wait_until``
polls with a doubling delay, capped at 5 s, and gives up with a ``PermanentError`` after
``timeout`` seconds, so a stuck operation fails its change instead of hanging the apply.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from orchestrator.errors import PermanentError

CAP = 5.0  # seconds between two polls at the most


def wait_until(
    done: Callable[[], bool],
    what: str,
    *,
    timeout: float,
    sleep: Callable[[float], None] = time.sleep,
    first: float = 0.2,
    where: str = "",
) -> None:
    """Poll ``done`` until it is true; ``where`` (``"aws …: "``) opens the error's message."""
    deadline, delay = time.monotonic() + timeout, first
    while not done():
        if time.monotonic() > deadline:
            raise PermanentError(f"{where}gave up waiting for {what} after {timeout:.0f}s")
        sleep(delay)
        delay = min(delay * 2, CAP)
