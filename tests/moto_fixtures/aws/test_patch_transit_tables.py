"""DescribeTransitGatewayRouteTables narrows by tags, as EC2 does (moto ignores tag filters)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from mypy_boto3_ec2.client import EC2Client
    from mypy_boto3_ec2.type_defs import FilterTypeDef, TagSpecificationTypeDef, TagTypeDef

pytestmark = pytest.mark.sandbox


def _table(ec2: EC2Client, tgw: str, **tags: str) -> str:
    spec: list[TagSpecificationTypeDef] = []
    if tags:
        pairs: list[TagTypeDef] = [{"Key": k, "Value": v} for k, v in tags.items()]
        spec = [{"ResourceType": "transit-gateway-route-table", "Tags": pairs}]
    created = ec2.create_transit_gateway_route_table(TransitGatewayId=tgw, TagSpecifications=spec)
    return created["TransitGatewayRouteTable"]["TransitGatewayRouteTableId"]


def test_tag_filters_narrow_the_answer(ec2_client: Callable[..., EC2Client]) -> None:
    ec2 = ec2_client()
    tgw = ec2.create_transit_gateway()["TransitGateway"]["TransitGatewayId"]
    mine = _table(ec2, tgw, owner="eastwest", team="net")
    other = _table(ec2, tgw, owner="someone")
    bare = _table(ec2, tgw)

    def ids(*filters: FilterTypeDef) -> set[str]:
        tables = ec2.describe_transit_gateway_route_tables(Filters=list(filters))
        return {t["TransitGatewayRouteTableId"] for t in tables["TransitGatewayRouteTables"]}

    assert ids({"Name": "tag:owner", "Values": ["eastwest"]}) == {mine}
    assert ids({"Name": "tag:owner", "Values": ["eastwest", "someone"]}) == {mine, other}
    assert ids({"Name": "tag-key", "Values": ["team"]}) == {mine}
    assert ids({"Name": "tag-value", "Values": ["someone"]}) == {other}
    both = ids({"Name": "tag:owner", "Values": ["eastwest"]}, {"Name": "tag:team", "Values": ["x"]})
    assert both == set()
    # Filters on the table's own attributes still work beside them.
    assert bare in ids({"Name": "transit-gateway-id", "Values": [tgw]})
    assert ids(
        {"Name": "transit-gateway-id", "Values": [tgw]}, {"Name": "tag-key", "Values": ["team"]}
    ) == {mine}
