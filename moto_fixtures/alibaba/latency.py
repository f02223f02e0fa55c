"""Per-account rate limits for the fake Alibaba Cloud endpoint, behind ``/_eastwest/limits``.

In: each call's action and ``RegionId`` (the fake serves one account), and the settings of
``moto_fixtures.limits``. Out: a call past its account and region's read or write bucket raises
``Throttling.User`` (HTTP 400, the gateway's flow-control answer; eastwest's own retries handle
it, the SDK's do not) before its handler runs, so it changes nothing. Latency per call is the
faults' ``latency_s`` (``faults.py``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from moto_fixtures.alibaba import errors
from moto_fixtures.limits import RateLimits, kind_of_action


def check(limits: RateLimits, account: str, params: Mapping[str, str]) -> None:
    action = params.get("Action", "")
    if not limits.allow(account, params.get("RegionId", ""), kind_of_action(action)):
        raise errors.ThrottlingUser()


def control(limits: RateLimits, method: str, body: bytes) -> tuple[int, Any]:
    """``/_eastwest/limits``: (status, JSON answer)."""
    try:
        return 200, limits.control(method, body)
    except ValueError as exc:  # json.JSONDecodeError included
        return 400, {"Code": "InvalidParameter", "Message": str(exc)}
