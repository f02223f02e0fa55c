"""SearchTransitGatewayRoutes filters over static, blackhole and propagated routes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

from moto_fixtures.aws.clients import ec2_client
from moto_fixtures.aws.landing_zone import ACCOUNT_ID, REGION
from tests.moto_fixtures.aws.transit_fixtures import (
    Hub,
    error_code,
    isolated,
    new_table,
    reset,
    routes,
)

if TYPE_CHECKING:
    from mypy_boto3_ec2.client import EC2Client

    from moto_fixtures.aws.server import AwsServer

pytestmark = pytest.mark.sandbox


def _static(ec2: EC2Client, table: str, cidr: str, attachment: str | None = None) -> Any:
    target: dict[str, Any] = (
        {"TransitGatewayAttachmentId": attachment} if attachment else {"Blackhole": True}
    )
    return ec2.create_transit_gateway_route(
        TransitGatewayRouteTableId=table, DestinationCidrBlock=cidr, **target
    )["Route"]


@pytest.fixture(scope="module")
def searchable(aws_server: AwsServer) -> Iterator[tuple[EC2Client, Hub, str]]:
    """Static 0.0.0.0/0 → spoke 0, 10.0.0.0/8 → spoke 0, 10.2.1.0/24 blackhole, spoke 1
    propagated (10.2.0.0/16). Built once: every test here only searches."""
    reset(aws_server.url)
    ec2 = ec2_client(aws_server.url, ACCOUNT_ID, REGION)
    spokes = isolated(ec2, ["10.1.0.0/16", "10.2.0.0/16"])
    table = new_table(ec2, spokes.tgw)
    _static(ec2, table, "0.0.0.0/0", spokes.attachments[0])
    _static(ec2, table, "10.0.0.0/8", spokes.attachments[0])
    _static(ec2, table, "10.2.1.0/24")
    ec2.enable_transit_gateway_route_table_propagation(
        TransitGatewayRouteTableId=table, TransitGatewayAttachmentId=spokes.attachments[1]
    )
    yield ec2, spokes, table
    reset(aws_server.url)


SEARCHES = [
    ("type", ["static"], ["0.0.0.0/0", "10.0.0.0/8", "10.2.1.0/24"]),
    ("type", ["propagated"], ["10.2.0.0/16"]),
    ("state", ["blackhole"], ["10.2.1.0/24"]),
    ("state", ["active"], ["0.0.0.0/0", "10.0.0.0/8", "10.2.0.0/16"]),
    ("route-search.exact-match", ["10.2.0.0/16"], ["10.2.0.0/16"]),
    ("route-search.longest-prefix-match", ["10.2.1.7/32"], ["10.2.1.0/24"]),
    ("route-search.longest-prefix-match", ["10.3.0.0/16"], ["10.0.0.0/8"]),
    ("route-search.subnet-of-match", ["10.2.0.0/16"], ["10.2.0.0/16", "10.2.1.0/24"]),
    (
        "route-search.supernet-of-match",
        ["10.2.1.0/24"],
        ["0.0.0.0/0", "10.0.0.0/8", "10.2.0.0/16", "10.2.1.0/24"],
    ),
    ("prefix-list-id", ["pl-0123456789abcdef0"], []),
]


@pytest.mark.parametrize(
    ("name", "values", "expected"), SEARCHES, ids=[f"{n}={v[0]}" for n, v, _ in SEARCHES]
)
def test_search_filters(
    searchable: tuple[EC2Client, Hub, str], name: str, values: list[str], expected: list[str]
) -> None:
    ec2, _, table = searchable

    found = routes(ec2, table, {name: values})

    assert [r["DestinationCidrBlock"] for r in found] == expected


@pytest.mark.parametrize("key", ["transit-gateway-attachment-id", "resource-id"])
def test_search_by_attachment(searchable: tuple[EC2Client, Hub, str], key: str) -> None:
    ec2, spokes, table = searchable
    value = spokes.attachments[1] if key == "transit-gateway-attachment-id" else spokes.vpcs[1]

    found = routes(ec2, table, {f"attachment.{key}": [value], "type": ["propagated", "static"]})

    assert [r["DestinationCidrBlock"] for r in found] == ["10.2.0.0/16"]


def test_search_with_an_unknown_filter_or_table_is_refused(
    searchable: tuple[EC2Client, Hub, str],
) -> None:
    ec2, _, table = searchable

    with pytest.raises(ClientError) as bad_filter:
        routes(ec2, table, {"destination": ["10.0.0.0/8"]})
    with pytest.raises(ClientError) as bad_table:
        routes(ec2, "tgw-rtb-0123456789abcdef0")

    assert error_code(bad_filter) == "InvalidParameterValue"
    assert error_code(bad_table) == "InvalidRouteTableID.NotFound"
