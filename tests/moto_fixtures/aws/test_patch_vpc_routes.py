"""VPC routes to a TGW, a GWLB endpoint, an ENI and a prefix list read back as EC2 shows them."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

from moto_fixtures.aws.clients import ec2_client as make_ec2_client
from moto_fixtures.aws.clients import elbv2_client
from moto_fixtures.aws.landing_zone import ACCOUNT_ID, REGION
from tests.moto_fixtures.aws.transit_fixtures import reset

if TYPE_CHECKING:
    from mypy_boto3_ec2.client import EC2Client

    from moto_fixtures.aws.server import AwsServer

pytestmark = pytest.mark.sandbox

TARGET_KEYS = ("GatewayId", "TransitGatewayId", "NetworkInterfaceId", "NatGatewayId")


def _route(ec2: EC2Client, table: str, destination: str) -> dict[str, Any]:
    found = ec2.describe_route_tables(RouteTableIds=[table])["RouteTables"][0]["Routes"]
    for route in found:
        if destination in (route.get("DestinationCidrBlock"), route.get("DestinationPrefixListId")):
            return {k: v for k, v in route.items() if k in TARGET_KEYS}
    raise AssertionError(f"no route to {destination}")


@pytest.fixture(scope="module")
def next_hops(aws_server: AwsServer) -> Iterator[dict[str, str]]:
    """Every kind of next hop eastwest routes to (two GWLB endpoints), built once per module:
    the tests below only add route tables, so they need no reset between them."""
    reset(aws_server.url)
    ec2 = make_ec2_client(aws_server.url, ACCOUNT_ID, REGION)
    yield _build(ec2, elbv2_client(aws_server.url, ACCOUNT_ID, REGION))
    reset(aws_server.url)


@pytest.fixture
def ec2(aws_server: AwsServer) -> EC2Client:
    return make_ec2_client(aws_server.url, ACCOUNT_ID, REGION)


@pytest.fixture
def world(ec2: EC2Client, next_hops: dict[str, str]) -> dict[str, str]:
    """The next hops and a fresh route table in their VPC."""
    return {
        **next_hops,
        "table": ec2.create_route_table(VpcId=next_hops["vpc"])["RouteTable"]["RouteTableId"],
    }


def _build(ec2: EC2Client, elbv2: Any) -> dict[str, str]:
    vpc = ec2.create_vpc(CidrBlock="10.100.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.100.0.0/24")["Subnet"]["SubnetId"]
    balancer = elbv2.create_load_balancer(Name="gwlb", Type="gateway", Subnets=[subnet])
    service = ec2.create_vpc_endpoint_service_configuration(
        GatewayLoadBalancerArns=[balancer["LoadBalancers"][0]["LoadBalancerArn"]],
        AcceptanceRequired=False,
    )["ServiceConfiguration"]["ServiceName"]
    endpoints = [
        ec2.create_vpc_endpoint(
            VpcEndpointType="GatewayLoadBalancer",
            VpcId=vpc,
            ServiceName=service,
            SubnetIds=[subnet],
        )["VpcEndpoint"]["VpcEndpointId"]
        for _ in range(2)
    ]
    prefix_list = ec2.create_managed_prefix_list(
        PrefixListName="corp", AddressFamily="IPv4", MaxEntries=5
    )["PrefixList"]["PrefixListId"]
    return {
        "vpc": vpc,
        "tgw": ec2.create_transit_gateway()["TransitGateway"]["TransitGatewayId"],
        "vpce": endpoints[0],
        "vpce-b": endpoints[1],
        "eni": ec2.create_network_interface(SubnetId=subnet)["NetworkInterface"][
            "NetworkInterfaceId"
        ],
        "pl": prefix_list,
    }


TARGETS = {
    "vpce": ("VpcEndpointId", "GatewayId"),  # EC2 shows a GWLB endpoint as GatewayId too
    "vpce-b": ("VpcEndpointId", "GatewayId"),
    "tgw": ("TransitGatewayId", "TransitGatewayId"),
    "eni": ("NetworkInterfaceId", "NetworkInterfaceId"),
}


@pytest.mark.parametrize("kind", ["vpce", "tgw", "eni"])
@pytest.mark.parametrize("destination", ["cidr", "prefix-list"])
def test_create_route_reads_back_its_target(
    ec2: EC2Client, world: dict[str, str], kind: str, destination: str
) -> None:
    # Not a gap in moto 5.2.5: pinned because eastwest writes exactly these routes.
    where = (
        {"DestinationCidrBlock": "10.0.0.0/8"}
        if destination == "cidr"
        else {"DestinationPrefixListId": world["pl"]}
    )
    parameter, shown = TARGETS[kind]

    ec2.create_route(RouteTableId=world["table"], **where, **{parameter: world[kind]})  # type: ignore[arg-type]

    assert _route(ec2, world["table"], next(iter(where.values()))) == {shown: world[kind]}


@pytest.mark.parametrize(
    ("before", "after"),
    [("tgw", "vpce"), ("vpce", "vpce-b"), ("vpce", "tgw"), ("eni", "vpce"), ("vpce", "eni")],
)
def test_replace_route_keeps_exactly_the_new_target(
    ec2: EC2Client, world: dict[str, str], before: str, after: str
) -> None:
    table = world["table"]
    old_parameter, _ = TARGETS[before]
    ec2.create_route(
        RouteTableId=table,
        DestinationCidrBlock="0.0.0.0/0",
        **{old_parameter: world[before]},  # type: ignore[arg-type]
    )
    parameter, shown = TARGETS[after]

    target: dict[str, Any] = {parameter: world[after]}
    ec2.replace_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", **target)

    assert _route(ec2, table, "0.0.0.0/0") == {shown: world[after]}


@pytest.mark.parametrize(
    ("target", "code"),
    [
        ({"TransitGatewayId": "tgw-0123456789abcdef0"}, "InvalidTransitGatewayID.NotFound"),
        ({"VpcEndpointId": "vpce-0123456789abcdef0"}, "InvalidVpcEndpointId.NotFound"),
    ],
    ids=["tgw", "vpce"],
)
@pytest.mark.parametrize("operation", ["create_route", "replace_route"])
def test_an_unknown_target_is_refused(
    ec2: EC2Client, world: dict[str, str], target: dict[str, str], code: str, operation: str
) -> None:
    table = world["table"]
    ec2.create_route(
        RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", TransitGatewayId=world["tgw"]
    )

    with pytest.raises(ClientError) as caught:
        getattr(ec2, operation)(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", **target)

    assert caught.value.response["Error"]["Code"] == code
    assert _route(ec2, table, "0.0.0.0/0") == {"TransitGatewayId": world["tgw"]}


@pytest.mark.parametrize(
    ("operation", "code"),
    [("delete_route", "InvalidRoute.NotFound"), ("replace_route", "InvalidParameterValue")],
)
def test_an_absent_route_cannot_be_deleted_or_replaced(
    ec2: EC2Client, world: dict[str, str], operation: str, code: str
) -> None:
    # Not a gap in moto 5.2.5 (EC2 answers ReplaceRoute of an absent route with
    # InvalidParameterValue, "Use CreateRoute instead"): pinned.
    extra = {"TransitGatewayId": world["tgw"]} if operation == "replace_route" else {}

    with pytest.raises(ClientError) as caught:
        getattr(ec2, operation)(
            RouteTableId=world["table"], DestinationCidrBlock="10.66.0.0/16", **extra
        )

    assert caught.value.response["Error"]["Code"] == code
