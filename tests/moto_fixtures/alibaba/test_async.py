"""Asynchronous CBN objects in the fake: Creating → Active after the configured delay, writes
on an object still in transition refused with the documented conflict codes."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest

from moto_fixtures.alibaba.server import (
    ACCESS_KEY_ID,
    ACCESS_KEY_SECRET,
    AlibabaServer,
    start_alibaba_server,
)

DELAY = 0.8  # long enough that a loaded CI machine still sees the in-between state


@pytest.fixture
def server() -> Iterator[AlibabaServer]:
    with start_alibaba_server(async_delay=DELAY) as srv:
        yield srv


def cbn(server: AlibabaServer, action: str, **params: str) -> dict[str, Any]:
    client = AcsClient(
        ACCESS_KEY_ID, ACCESS_KEY_SECRET, "cn-hangzhou", proxy={"http": None, "https": None}
    )
    request = CommonRequest(domain=server.endpoint, version="2017-09-12", action_name=action)
    request.set_method("POST")
    for key, value in params.items():
        request.add_query_param(key, value)
    return json.loads(client.do_action_with_exception(request))  # type: ignore[no-any-return]


def tables(server: AlibabaServer, router: str) -> list[dict[str, Any]]:
    body = cbn(server, "ListTransitRouterRouteTables", TransitRouterId=router)
    return list(body["TransitRouterRouteTables"])


def test_a_route_table_is_creating_then_active(server: AlibabaServer) -> None:
    router, _ = server.backend.cbn.add_transit_router(server.backend.cbn.add_cen("cen"))
    table = cbn(server, "CreateTransitRouterRouteTable", TransitRouterId=router)[
        "TransitRouterRouteTableId"
    ]
    assert [
        t["TransitRouterRouteTableStatus"]
        for t in tables(server, router)
        if t["TransitRouterRouteTableId"] == table
    ] == ["Creating"]
    with pytest.raises(ServerException) as refused:
        cbn(
            server,
            "CreateTransitRouterRouteEntry",
            TransitRouterRouteTableId=table,
            TransitRouterRouteEntryDestinationCidrBlock="10.0.0.0/16",
            TransitRouterRouteEntryNextHopType="BlackHole",
        )
    assert refused.value.get_error_code().startswith(("IncorrectStatus", "OperationConflict"))
    time.sleep(DELAY * 2)
    assert [
        t["TransitRouterRouteTableStatus"]
        for t in tables(server, router)
        if t["TransitRouterRouteTableId"] == table
    ] == ["Active"]
    entry = cbn(
        server,
        "CreateTransitRouterRouteEntry",
        TransitRouterRouteTableId=table,
        TransitRouterRouteEntryDestinationCidrBlock="10.0.0.0/16",
        TransitRouterRouteEntryNextHopType="BlackHole",
    )
    assert entry["TransitRouterRouteEntryId"]
