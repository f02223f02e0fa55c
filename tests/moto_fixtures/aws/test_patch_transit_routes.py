"""TGW static, blackhole and propagated routes, and SearchTransitGatewayRoutes, as EC2 answers."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto.ec2.models import ec2_backends

from moto_fixtures.aws.landing_zone import ACCOUNT_ID, REGION
from tests.moto_fixtures.aws.transit_fixtures import Hub, error_code, isolated, new_table, routes

if TYPE_CHECKING:
    from mypy_boto3_ec2.client import EC2Client

pytestmark = pytest.mark.sandbox

Clients = Callable[..., "EC2Client"]


def _target(spokes: Hub, index: int) -> list[dict[str, str]]:
    return [
        {
            "ResourceId": spokes.vpcs[index],
            "TransitGatewayAttachmentId": spokes.attachments[index],
            "ResourceType": "vpc",
        }
    ]


def _static(ec2: EC2Client, table: str, cidr: str, attachment: str | None = None) -> Any:
    target: dict[str, Any] = (
        {"TransitGatewayAttachmentId": attachment} if attachment else {"Blackhole": True}
    )
    return ec2.create_transit_gateway_route(
        TransitGatewayRouteTableId=table, DestinationCidrBlock=cidr, **target
    )["Route"]


@pytest.fixture
def segment(ec2_client: Clients) -> tuple[EC2Client, Hub, str]:
    """Two spokes on a TGW without defaults, and one empty segment table."""
    ec2 = ec2_client()
    spokes = isolated(ec2, ["10.1.0.0/16", "10.2.0.0/16"])
    return ec2, spokes, new_table(ec2, spokes.tgw)


def test_a_static_route_names_its_attachment(segment: tuple[EC2Client, Hub, str]) -> None:
    ec2, spokes, table = segment

    created = _static(ec2, table, "0.0.0.0/0", spokes.attachments[1])

    expected = {
        "DestinationCidrBlock": "0.0.0.0/0",
        "TransitGatewayAttachments": _target(spokes, 1),
        "Type": "static",
        "State": "active",
    }
    assert created == expected
    assert routes(ec2, table) == [expected]


def test_a_blackhole_route_names_no_attachment(segment: tuple[EC2Client, Hub, str]) -> None:
    ec2, _, table = segment

    created = _static(ec2, table, "192.168.0.0/16")

    assert created == {
        "DestinationCidrBlock": "192.168.0.0/16",
        "Type": "static",
        "State": "blackhole",
    }


@pytest.mark.parametrize("to", ["attachment", "blackhole"])
def test_replace_points_a_route_elsewhere(segment: tuple[EC2Client, Hub, str], to: str) -> None:
    ec2, spokes, table = segment
    _static(ec2, table, "0.0.0.0/0", spokes.attachments[0])
    target: dict[str, Any] = (
        {"TransitGatewayAttachmentId": spokes.attachments[1]}
        if to == "attachment"
        else {"Blackhole": True}
    )

    replaced = ec2.replace_transit_gateway_route(
        TransitGatewayRouteTableId=table, DestinationCidrBlock="0.0.0.0/0", **target
    )["Route"]

    assert routes(ec2, table) == [replaced]
    if to == "attachment":
        assert replaced["TransitGatewayAttachments"] == _target(spokes, 1)
        assert replaced["State"] == "active"
    else:
        assert "TransitGatewayAttachments" not in replaced
        assert replaced["State"] == "blackhole"


@pytest.mark.parametrize("operation", ["replace", "delete"])
def test_replacing_or_deleting_an_absent_route_answers_not_found(
    segment: tuple[EC2Client, Hub, str], operation: str
) -> None:
    ec2, _, table = segment
    where: dict[str, Any] = {
        "TransitGatewayRouteTableId": table,
        "DestinationCidrBlock": "10.9.0.0/16",
    }
    call: Callable[[], object] = {
        "replace": lambda: ec2.replace_transit_gateway_route(**where, Blackhole=True),
        "delete": lambda: ec2.delete_transit_gateway_route(**where),
    }[operation]

    with pytest.raises(ClientError) as caught:
        call()

    assert error_code(caught) == "InvalidRoute.NotFound"


def test_a_second_static_route_for_a_cidr_is_refused(segment: tuple[EC2Client, Hub, str]) -> None:
    ec2, spokes, table = segment
    _static(ec2, table, "0.0.0.0/0", spokes.attachments[0])

    with pytest.raises(ClientError) as caught:
        _static(ec2, table, "0.0.0.0/0", spokes.attachments[1])

    assert error_code(caught) == "RouteAlreadyExists"
    assert routes(ec2, table)[0]["TransitGatewayAttachments"] == _target(spokes, 0)


@pytest.mark.parametrize(
    ("table_id", "attachment", "code"),
    [
        ("tgw-rtb-0123456789abcdef0", None, "InvalidRouteTableID.NotFound"),
        (None, "tgw-attach-0123456789abcdef0", "InvalidTransitGatewayAttachmentID.NotFound"),
    ],
    ids=["unknown-table", "unknown-attachment"],
)
def test_create_with_unknown_ids_answers_not_found(
    segment: tuple[EC2Client, Hub, str], table_id: str | None, attachment: str | None, code: str
) -> None:
    ec2, spokes, table = segment

    with pytest.raises(ClientError) as caught:
        _static(ec2, table_id or table, "0.0.0.0/0", attachment or spokes.attachments[0])

    assert error_code(caught) == code


def test_a_static_route_to_a_deleted_attachment_turns_blackhole(
    segment: tuple[EC2Client, Hub, str],
) -> None:
    ec2, spokes, table = segment
    _static(ec2, table, "0.0.0.0/0", spokes.attachments[0])

    ec2.delete_transit_gateway_vpc_attachment(TransitGatewayAttachmentId=spokes.attachments[0])

    assert [r["State"] for r in routes(ec2, table)] == ["blackhole"]


def test_propagation_brings_the_vpc_cidrs_and_takes_them_away(
    segment: tuple[EC2Client, Hub, str],
) -> None:
    ec2, spokes, table = segment
    pair: dict[str, Any] = {
        "TransitGatewayRouteTableId": table,
        "TransitGatewayAttachmentId": spokes.attachments[1],
    }
    ec2.associate_vpc_cidr_block(VpcId=spokes.vpcs[1], CidrBlock="10.102.0.0/16")

    ec2.enable_transit_gateway_route_table_propagation(**pair)
    propagated = routes(ec2, table, {"type": ["propagated"]})
    ec2.disable_transit_gateway_route_table_propagation(**pair)

    assert propagated == [
        {
            "DestinationCidrBlock": cidr,
            "TransitGatewayAttachments": _target(spokes, 1),
            "Type": "propagated",
            "State": "active",
        }
        for cidr in ("10.2.0.0/16", "10.102.0.0/16")
    ]
    assert routes(ec2, table) == []


def test_a_static_route_wins_over_a_propagated_one(segment: tuple[EC2Client, Hub, str]) -> None:
    ec2, spokes, table = segment
    ec2.enable_transit_gateway_route_table_propagation(
        TransitGatewayRouteTableId=table, TransitGatewayAttachmentId=spokes.attachments[1]
    )

    _static(ec2, table, "10.2.0.0/16")  # blackhole the spoke's own CIDR

    assert [(r["DestinationCidrBlock"], r["Type"], r["State"]) for r in routes(ec2, table)] == [
        ("10.2.0.0/16", "static", "blackhole")
    ]
    ec2.delete_transit_gateway_route(
        TransitGatewayRouteTableId=table, DestinationCidrBlock="10.2.0.0/16"
    )
    assert [r["Type"] for r in routes(ec2, table)] == ["propagated"]


def test_max_results_sets_additional_routes_available(
    segment: tuple[EC2Client, Hub, str],
) -> None:
    ec2, _, table = segment
    for index in range(7):
        _static(ec2, table, f"172.16.{index}.0/24")
    search: dict[str, Any] = {
        "TransitGatewayRouteTableId": table,
        "Filters": [{"Name": "state", "Values": ["active", "blackhole"]}],
    }

    cut = ec2.search_transit_gateway_routes(MaxResults=5, **search)
    whole = ec2.search_transit_gateway_routes(MaxResults=7, **search)
    default = ec2.search_transit_gateway_routes(**search)

    assert (len(cut["Routes"]), cut["AdditionalRoutesAvailable"]) == (5, True)
    assert (len(whole["Routes"]), whole["AdditionalRoutesAvailable"]) == (7, False)
    assert (len(default["Routes"]), default["AdditionalRoutesAvailable"]) == (7, False)
    assert "NextToken" not in cut


def test_the_default_max_results_is_1000(ec2_client: Clients) -> None:
    ec2 = ec2_client()
    spokes = isolated(ec2, [])
    table = new_table(ec2, spokes.tgw)
    # 1,001 calls over HTTP take seconds; the server runs in this process, so fill its model.
    backend = ec2_backends[ACCOUNT_ID][REGION]
    for index in range(1001):
        backend.create_transit_gateway_route(
            table, f"10.{index // 256}.{index % 256}.0/24", None, True
        )

    found = ec2.search_transit_gateway_routes(
        TransitGatewayRouteTableId=table, Filters=[{"Name": "type", "Values": ["static"]}]
    )

    assert (len(found["Routes"]), found["AdditionalRoutesAvailable"]) == (1000, True)


@pytest.mark.parametrize("value", [4, 1001])
def test_max_results_outside_5_to_1000_is_refused(ec2_client: Clients, value: int) -> None:
    ec2 = ec2_client(config=Config(parameter_validation=False))
    spokes = isolated(ec2, [])
    table = new_table(ec2, spokes.tgw)

    with pytest.raises(ClientError) as caught:
        ec2.search_transit_gateway_routes(
            TransitGatewayRouteTableId=table,
            Filters=[{"Name": "type", "Values": ["static"]}],
            MaxResults=value,
        )

    assert error_code(caught) == "InvalidParameterValue"
