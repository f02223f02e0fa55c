"""EC2 routing payloads → the neutral routing model, on literal payloads."""

from __future__ import annotations

import pytest

from orchestrator.state import HopKind, SubnetRoute, TransitRoute
from providers.aws import translate_routing as tr


@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        pytest.param(
            {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "State": "active"},
            SubnetRoute("10.0.0.0/16", HopKind.LOCAL, "local"),
            id="local",
        ),
        pytest.param(
            {"DestinationCidrBlock": "0.0.0.0/0", "TransitGatewayId": "tgw-1"},
            SubnetRoute("0.0.0.0/0", HopKind.TRANSIT, "tgw-1"),
            id="transit",
        ),
        pytest.param(
            {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "vpce-1"},
            SubnetRoute("0.0.0.0/0", HopKind.FIREWALL, "vpce-1"),
            id="gwlb-endpoint-as-gateway",
        ),
        pytest.param(
            {"DestinationPrefixListId": "pl-1", "NetworkInterfaceId": "eni-1"},
            SubnetRoute("pl-1", HopKind.FIREWALL, "eni-1"),
            id="interface-to-prefix-list",
        ),
        pytest.param(
            {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1"},
            SubnetRoute("0.0.0.0/0", HopKind.OTHER, "igw-1"),
            id="internet",
        ),
        pytest.param(
            {
                "DestinationCidrBlock": "10.9.0.0/16",
                "TransitGatewayId": "tgw-1",
                "State": "blackhole",
            },
            SubnetRoute("10.9.0.0/16", HopKind.OTHER, "blackhole"),
            id="blackhole",
        ),
    ],
)
def test_subnet_route(payload: dict[str, str], expected: SubnetRoute) -> None:
    assert tr.subnet_route(payload) == expected


def test_subnets_use_their_association_else_the_main_table() -> None:
    tables = [
        {"RouteTableId": "rtb-main", "VpcId": "vpc-1", "Associations": [{"Main": True}]},
        {"RouteTableId": "rtb-a", "VpcId": "vpc-1", "Associations": [{"SubnetId": "subnet-a"}]},
    ]
    subnets = [
        {"SubnetId": s, "VpcId": "vpc-1", "CidrBlock": c, "AvailabilityZone": "us-east-1a"}
        for s, c in (("subnet-a", "10.0.0.0/24"), ("subnet-b", "10.0.1.0/24"))
    ]
    places = {p.id: p.table for p in tr.subnet_places(subnets, tables)}
    assert places == {"subnet-a": "rtb-a", "subnet-b": "rtb-main"}


def test_transit_routes() -> None:
    target = {"TransitGatewayAttachments": [{"TransitGatewayAttachmentId": "tgw-attach-1"}]}
    propagated = {"DestinationCidrBlock": "10.1.0.0/16", "Type": "propagated", **target}
    blackhole = {"DestinationCidrBlock": "10.2.0.0/16", "Type": "static", "State": "blackhole"}
    assert tr.transit_route(propagated) == TransitRoute("10.1.0.0/16", "tgw-attach-1", True)
    assert tr.transit_route(blackhole) == TransitRoute("10.2.0.0/16", None, False)
