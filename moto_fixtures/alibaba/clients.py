"""The real ``aliyunsdkcore`` client aimed at the fake endpoint.

In: a running ``AlibabaServer`` and an SDK request (a product request class or a
``CommonRequest``). Out: the decoded JSON answer, or the SDK's own ``ServerException``.
Always: the server's fake key pair signs every request; proxies are switched off, because the
SDK ignores ``NO_PROXY`` and would send loopback traffic to a configured proxy.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from aliyunsdkcore.client import AcsClient

from moto_fixtures.alibaba.models.backend import REGION

if TYPE_CHECKING:
    from moto_fixtures.alibaba.server import AlibabaServer

NO_PROXY: dict[str, str | None] = {"http": None, "https": None}


def acs_client(server: AlibabaServer, region: str = REGION) -> Any:
    """An ``AcsClient`` signing with the fake's keys (typed ``Any``: the SDK has no stubs)."""
    return AcsClient(server.access_key_id, server.access_key_secret, region, proxy=NO_PROXY)


def call(client: Any, server: AlibabaServer, request: Any) -> dict[str, Any]:
    """Send ``request`` to the fake; the endpoint is set here so callers cannot forget it."""
    request.set_endpoint(server.endpoint)
    body: dict[str, Any] = json.loads(client.do_action_with_exception(request))
    return body
