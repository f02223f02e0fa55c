"""Calls the workload tests of the Alibaba fake share: one SDK request class with its setters,
the describes as lists, a refused call's code and status, the console of a server."""

from __future__ import annotations

from typing import Any

import pytest
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkecs.request.v20140526 import (
    DescribeInstancesRequest,
    DescribeNetworkInterfaceAttributeRequest,
    DescribeNetworkInterfacesRequest,
)

from moto_fixtures.alibaba import landing_zone as lz
from moto_fixtures.alibaba.clients import call
from moto_fixtures.alibaba.seed import SeedReport
from moto_fixtures.alibaba.server import AlibabaServer
from moto_fixtures.consoles import AlibabaConsole

Seeded = tuple[AlibabaServer, SeedReport]
WEB_H = "spoke-web-1-vm-h"
DB_H = lz.PERMISSIVE_INSTANCE
APP_ETH1 = lz.eni_name(lz.SECONDARY_INSTANCE, 1)


def send(acs: Any, server: AlibabaServer, request_class: Any, **setters: Any) -> dict[str, Any]:
    """One request of ``request_class`` (a module of aliyunsdkecs), ``set_<name>(value)`` each."""
    request = getattr(request_class, request_class.__name__.rsplit(".", 1)[-1])()
    for name, value in setters.items():
        getattr(request, f"set_{name}")(value)
    return call(acs, server, request)


def instances(acs: Any, server: AlibabaServer, **setters: Any) -> list[dict[str, Any]]:
    rows = send(acs, server, DescribeInstancesRequest, PageSize=100, **setters)
    return list(rows["Instances"]["Instance"])


def enis(acs: Any, server: AlibabaServer, **setters: Any) -> list[dict[str, Any]]:
    body = send(acs, server, DescribeNetworkInterfacesRequest, MaxResults=500, **setters)
    return list(body["NetworkInterfaceSets"]["NetworkInterfaceSet"])


def error_of(
    acs: Any, server: AlibabaServer, request_class: Any, **setters: Any
) -> tuple[str, int]:
    with pytest.raises(ServerException) as caught:
        send(acs, server, request_class, **setters)
    return caught.value.get_error_code(), caught.value.get_http_status()


def console_for(server: AlibabaServer) -> AlibabaConsole:
    """The console a user (or the demo) drives, from the fake's sandbox.json section."""
    section = {
        "endpoint_url": server.url,
        "access_key_id": server.access_key_id,
        "access_key_secret": server.access_key_secret,
        "regions": [server.backend.region],
    }
    return AlibabaConsole(section)


def groups_of(acs: Any, server: AlibabaServer, eni: str) -> list[str]:
    row = send(acs, server, DescribeNetworkInterfaceAttributeRequest, NetworkInterfaceId=eni)
    return list(row["SecurityGroupIds"]["SecurityGroupId"])
