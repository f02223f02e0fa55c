"""Per-subscription rate limits for the fake Azure Resource Manager, behind
``/_eastwest/limits``.

In: each ARM request's method and subscription (the path's second segment), and the settings of
``moto_fixtures.limits``. Out: a request past its subscription's read, write or delete bucket is
answered 429 ``SubscriptionRequestsThrottled`` with ``Retry-After`` (which azure-core's retry
policy honours) and changes nothing. ARM counts per subscription, so the region of the key is
empty. Latency per call is the faults' ``latency`` (``control.py``).
"""

from __future__ import annotations

from typing import Any

from moto_fixtures.azure.errors import ArmError, SubscriptionRequestsThrottledError
from moto_fixtures.limits import RateLimits, kind_of_method

PATH = "/_eastwest/limits"


def check(limits: RateLimits, method: str, path: str, retry_after: int) -> ArmError | None:
    parts = path.split("/")
    subscription = parts[2] if len(parts) > 2 else ""
    kind = kind_of_method(method)
    if limits.allow(subscription, "", kind):
        return None
    return SubscriptionRequestsThrottledError(kind, subscription, retry_after)


def control(limits: RateLimits, method: str, body: bytes) -> tuple[int, Any]:
    """``/_eastwest/limits``: (status, JSON answer)."""
    try:
        return 200, limits.control(method, body)
    except ValueError as exc:  # json.JSONDecodeError included
        return 400, {"error": {"code": "BadRequest", "message": str(exc)}}
