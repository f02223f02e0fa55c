"""MaxResults / NextToken on the transit-gateway, route-table and VPC-endpoint describes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from moto_fixtures.aws.clients import ec2_client
from moto_fixtures.aws.landing_zone import ACCOUNT_ID, REGION
from tests.moto_fixtures.aws.transit_fixtures import hub, new_table, reset

if TYPE_CHECKING:
    from mypy_boto3_ec2.client import EC2Client

    from moto_fixtures.aws.server import AwsServer

pytestmark = pytest.mark.sandbox

SPOKES = [f"10.{index}.0.0/16" for index in range(1, 13)]


@dataclass(frozen=True)
class Case:
    operation: str
    result_key: str
    params: Callable[[dict[str, str]], dict[str, Any]]  # the world's ids → request parameters
    item_id: Callable[[dict[str, Any]], str]
    bounds: tuple[int, int | None]  # None: EC2 caps at 1,000 instead of refusing


@pytest.fixture(scope="module")
def world(aws_server: AwsServer) -> Iterator[dict[str, str]]:
    """Twelve of everything, built once: the tests only read."""
    reset(aws_server.url)
    ec2 = ec2_client(aws_server.url, ACCOUNT_ID, REGION)
    spokes = hub(ec2, SPOKES)  # twelve attachments, associated and propagated by default
    for _ in range(11):  # beside the default table
        new_table(ec2, spokes.tgw)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    for _ in range(11):  # beside the main table
        ec2.create_route_table(VpcId=vpc)
    for _ in range(12):
        ec2.create_vpc_endpoint(
            VpcEndpointType="Gateway", VpcId=vpc, ServiceName="com.amazonaws.us-east-1.s3"
        )
    yield {"tgw": spokes.tgw, "default_table": str(spokes.default_table), "vpc": vpc}
    reset(aws_server.url)


def _by_tgw(world: dict[str, str]) -> dict[str, Any]:
    return {"Filters": [{"Name": "transit-gateway-id", "Values": [world["tgw"]]}]}


def _default_table(world: dict[str, str]) -> dict[str, Any]:
    return {"TransitGatewayRouteTableId": world["default_table"]}


def _by_vpc(world: dict[str, str]) -> dict[str, Any]:
    return {"Filters": [{"Name": "vpc-id", "Values": [world["vpc"]]}]}


def _attachment_id(item: dict[str, Any]) -> str:
    return str(item["TransitGatewayAttachmentId"])


CASES = [
    Case(
        "describe_transit_gateway_route_tables",
        "TransitGatewayRouteTables",
        _by_tgw,
        lambda i: i["TransitGatewayRouteTableId"],
        (5, 1000),
    ),
    Case(
        "describe_transit_gateway_attachments",
        "TransitGatewayAttachments",
        _by_tgw,
        _attachment_id,
        (5, 1000),
    ),
    Case(
        "describe_transit_gateway_vpc_attachments",
        "TransitGatewayVpcAttachments",
        _by_tgw,
        _attachment_id,
        (5, 1000),
    ),
    Case(
        "get_transit_gateway_route_table_associations",
        "Associations",
        _default_table,
        _attachment_id,
        (5, 1000),
    ),
    Case(
        "get_transit_gateway_route_table_propagations",
        "TransitGatewayRouteTablePropagations",
        _default_table,
        _attachment_id,
        (5, 1000),
    ),
    Case("describe_route_tables", "RouteTables", _by_vpc, lambda i: i["RouteTableId"], (5, 100)),
    Case(
        "describe_vpc_endpoints",
        "VpcEndpoints",
        _by_vpc,
        lambda i: i["VpcEndpointId"],
        (1, None),
    ),
]
IDS = [case.operation for case in CASES]


def _call(ec2: EC2Client, case: Case, **params: Any) -> dict[str, Any]:
    response: dict[str, Any] = getattr(ec2, case.operation)(**params)
    return response


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_pages_bounds_and_tokens(aws_server: AwsServer, world: dict[str, str], case: Case) -> None:
    # botocore would refuse a too-small value itself; turn that off to see what the fake says.
    ec2 = ec2_client(aws_server.url, ACCOUNT_ID, REGION, config=Config(parameter_validation=False))
    params = case.params(world)
    whole = _call(ec2, case, **params)
    everything = [case.item_id(i) for i in whole[case.result_key]]
    low, high = case.bounds

    pages = ec2.get_paginator(case.operation).paginate(  # type: ignore[call-overload]
        **params, PaginationConfig={"PageSize": 5}
    )
    paged = [[case.item_id(i) for i in page[case.result_key]] for page in pages]
    with pytest.raises(ClientError) as too_small:
        _call(ec2, case, MaxResults=low - 1, **params)
    with pytest.raises(ClientError) as forged:
        _call(ec2, case, MaxResults=5, NextToken="garbage", **params)

    assert len(everything) == 12
    assert "NextToken" not in whole
    assert [len(page) for page in paged] == [5, 5, 2]
    assert [item for page in paged for item in page] == everything
    assert too_small.value.response["Error"]["Code"] == "InvalidParameterValue"
    assert forged.value.response["Error"]["Code"] == "InvalidNextToken"
    if high is None:
        assert len(_call(ec2, case, MaxResults=5000, **params)[case.result_key]) == 12
    else:
        with pytest.raises(ClientError) as too_big:
            _call(ec2, case, MaxResults=high + 1, **params)
        assert too_big.value.response["Error"]["Code"] == "InvalidParameterValue"
