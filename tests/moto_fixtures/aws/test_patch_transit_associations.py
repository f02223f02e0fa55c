"""TGW associations, propagations and default-table options, as EC2 keeps them."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

import pytest
from botocore.exceptions import ClientError

from tests.moto_fixtures.aws.transit_fixtures import error_code, hub, isolated, new_table, routes

if TYPE_CHECKING:
    from mypy_boto3_ec2.client import EC2Client

pytestmark = pytest.mark.sandbox

Clients = Callable[..., "EC2Client"]
UNKNOWN_TABLE = "tgw-rtb-0123456789abcdef0"
UNKNOWN_ATTACHMENT = "tgw-attach-0123456789abcdef0"


def _association(ec2: EC2Client, attachment: str) -> Any:
    found = ec2.describe_transit_gateway_attachments(TransitGatewayAttachmentIds=[attachment])
    return found["TransitGatewayAttachments"][0].get("Association")


CALLS = [
    "associate_transit_gateway_route_table",
    "disassociate_transit_gateway_route_table",
    "enable_transit_gateway_route_table_propagation",
    "disable_transit_gateway_route_table_propagation",
]


@pytest.mark.parametrize("operation", CALLS)
@pytest.mark.parametrize(
    ("unknown", "code"),
    [
        ("table", "InvalidRouteTableID.NotFound"),
        ("attachment", "InvalidTransitGatewayAttachmentID.NotFound"),
    ],
    ids=["unknown-table", "unknown-attachment"],
)
def test_unknown_ids_answer_not_found(
    ec2_client: Clients, operation: str, unknown: str, code: str
) -> None:
    ec2 = ec2_client()
    spokes = isolated(ec2, ["10.1.0.0/16"])
    table = new_table(ec2, spokes.tgw)
    params = {
        "TransitGatewayRouteTableId": UNKNOWN_TABLE if unknown == "table" else table,
        "TransitGatewayAttachmentId": UNKNOWN_ATTACHMENT
        if unknown == "attachment"
        else spokes.attachments[0],
    }

    with pytest.raises(ClientError) as caught:
        getattr(ec2, operation)(**params)

    assert error_code(caught) == code


@pytest.mark.parametrize(
    "operation",
    [
        "get_transit_gateway_route_table_associations",
        "get_transit_gateway_route_table_propagations",
    ],
)
def test_listing_an_unknown_table_answers_not_found(ec2_client: Clients, operation: str) -> None:
    with pytest.raises(ClientError) as caught:
        getattr(ec2_client(), operation)(TransitGatewayRouteTableId=UNKNOWN_TABLE)

    assert error_code(caught) == "InvalidRouteTableID.NotFound"


@pytest.mark.parametrize("second", ["other-table", "same-table"])
def test_an_attachment_is_associated_with_one_table_at_most(
    ec2_client: Clients, second: str
) -> None:
    ec2 = ec2_client()
    spokes = isolated(ec2, ["10.1.0.0/16"])
    first, other = new_table(ec2, spokes.tgw), new_table(ec2, spokes.tgw)
    attachment = spokes.attachments[0]
    ec2.associate_transit_gateway_route_table(
        TransitGatewayRouteTableId=first, TransitGatewayAttachmentId=attachment
    )

    with pytest.raises(ClientError) as caught:
        ec2.associate_transit_gateway_route_table(
            TransitGatewayRouteTableId=other if second == "other-table" else first,
            TransitGatewayAttachmentId=attachment,
        )

    assert error_code(caught) == "Resource.AlreadyAssociated"
    assert _association(ec2, attachment)["TransitGatewayRouteTableId"] == first
    listed = ec2.get_transit_gateway_route_table_associations(TransitGatewayRouteTableId=other)
    assert listed["Associations"] == []


def test_disassociate_then_associate_elsewhere(ec2_client: Clients) -> None:
    ec2 = ec2_client()
    spokes = isolated(ec2, ["10.1.0.0/16"])
    first, other = new_table(ec2, spokes.tgw), new_table(ec2, spokes.tgw)
    attachment = spokes.attachments[0]
    pair: dict[str, Any] = {"TransitGatewayAttachmentId": attachment}
    ec2.associate_transit_gateway_route_table(TransitGatewayRouteTableId=first, **pair)

    gone = ec2.disassociate_transit_gateway_route_table(TransitGatewayRouteTableId=first, **pair)
    between = _association(ec2, attachment)
    ec2.associate_transit_gateway_route_table(TransitGatewayRouteTableId=other, **pair)

    assert gone["Association"]["State"] == "disassociated"
    assert between is None
    assert _association(ec2, attachment) == {
        "TransitGatewayRouteTableId": other,
        "State": "associated",
    }
    with pytest.raises(ClientError) as caught:
        ec2.disassociate_transit_gateway_route_table(TransitGatewayRouteTableId=first, **pair)
    assert error_code(caught) == "InvalidAssociation.NotFound"


def test_a_default_association_can_be_moved_to_a_segment_table(ec2_client: Clients) -> None:
    # moto could not disassociate what it had associated by default (HTTP 500).
    ec2 = ec2_client()
    spokes = hub(ec2, ["10.1.0.0/16"])
    segment = new_table(ec2, spokes.tgw)
    pair: dict[str, Any] = {"TransitGatewayAttachmentId": spokes.attachments[0]}
    assert spokes.default_table is not None

    ec2.disassociate_transit_gateway_route_table(
        TransitGatewayRouteTableId=spokes.default_table, **pair
    )
    ec2.associate_transit_gateway_route_table(TransitGatewayRouteTableId=segment, **pair)

    assert _association(ec2, spokes.attachments[0])["TransitGatewayRouteTableId"] == segment


def test_propagation_into_several_tables_once_each(ec2_client: Clients) -> None:
    ec2 = ec2_client()
    spokes = isolated(ec2, ["10.1.0.0/16"])
    tables = [new_table(ec2, spokes.tgw) for _ in range(2)]
    pair: dict[str, Any] = {"TransitGatewayAttachmentId": spokes.attachments[0]}
    for table in tables:
        ec2.enable_transit_gateway_route_table_propagation(TransitGatewayRouteTableId=table, **pair)

    with pytest.raises(ClientError) as duplicate:
        ec2.enable_transit_gateway_route_table_propagation(
            TransitGatewayRouteTableId=tables[0], **pair
        )
    ec2.disable_transit_gateway_route_table_propagation(
        TransitGatewayRouteTableId=tables[0], **pair
    )
    with pytest.raises(ClientError) as absent:
        ec2.disable_transit_gateway_route_table_propagation(
            TransitGatewayRouteTableId=tables[0], **pair
        )

    assert error_code(duplicate) == "TransitGatewayRouteTablePropagation.Duplicate"
    assert error_code(absent) == "TransitGatewayRouteTablePropagation.NotFound"
    listed = [
        ec2.get_transit_gateway_route_table_propagations(TransitGatewayRouteTableId=t)[
            "TransitGatewayRouteTablePropagations"
        ]
        for t in tables
    ]
    assert listed[0] == []
    assert [(p["TransitGatewayAttachmentId"], p["State"]) for p in listed[1]] == [
        (spokes.attachments[0], "enabled")
    ]


def test_with_both_defaults_off_there_is_no_default_table(ec2_client: Clients) -> None:
    ec2 = ec2_client()
    spokes = isolated(ec2, ["10.1.0.0/16"])

    gateway = ec2.describe_transit_gateways(TransitGatewayIds=[spokes.tgw])["TransitGateways"][0]
    tables = ec2.describe_transit_gateway_route_tables(
        Filters=[{"Name": "transit-gateway-id", "Values": [spokes.tgw]}]
    )["TransitGatewayRouteTables"]

    assert gateway["Options"]["DefaultRouteTableAssociation"] == "disable"
    assert gateway["Options"]["DefaultRouteTablePropagation"] == "disable"
    assert "AssociationDefaultRouteTableId" not in gateway["Options"]
    assert "PropagationDefaultRouteTableId" not in gateway["Options"]
    assert tables == []
    assert _association(ec2, spokes.attachments[0]) is None


@pytest.mark.parametrize(
    ("association", "propagation"),
    [("enable", "enable"), ("enable", "disable"), ("disable", "enable")],
)
def test_new_attachments_follow_the_default_options(
    ec2_client: Clients, association: str, propagation: str
) -> None:
    ec2 = ec2_client()
    spokes = hub(
        ec2,
        ["10.1.0.0/16"],
        DefaultRouteTableAssociation=association,
        DefaultRouteTablePropagation=propagation,
    )
    default = spokes.default_table
    assert default is not None

    associated = ec2.get_transit_gateway_route_table_associations(
        TransitGatewayRouteTableId=default
    )["Associations"]
    propagated = routes(ec2, default, {"type": ["propagated"]})

    assert [a["TransitGatewayAttachmentId"] for a in associated] == (
        spokes.attachments if association == "enable" else []
    )
    assert [r["DestinationCidrBlock"] for r in propagated] == (
        ["10.1.0.0/16"] if propagation == "enable" else []
    )


def test_modify_turns_the_defaults_off_for_later_attachments(ec2_client: Clients) -> None:
    ec2 = ec2_client()
    spokes = hub(ec2, ["10.1.0.0/16"])
    assert spokes.default_table is not None

    ec2.modify_transit_gateway(
        TransitGatewayId=spokes.tgw,
        Options={
            "DefaultRouteTableAssociation": "disable",
            "DefaultRouteTablePropagation": "disable",
        },
    )
    vpc = ec2.create_vpc(CidrBlock="10.2.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.2.0.0/24")["Subnet"]["SubnetId"]
    late = ec2.create_transit_gateway_vpc_attachment(
        TransitGatewayId=spokes.tgw, VpcId=vpc, SubnetIds=[subnet]
    )["TransitGatewayVpcAttachment"]["TransitGatewayAttachmentId"]

    options = ec2.describe_transit_gateways(TransitGatewayIds=[spokes.tgw])["TransitGateways"][0][
        "Options"
    ]
    assert options["DefaultRouteTableAssociation"] == "disable"
    assert options["DefaultRouteTablePropagation"] == "disable"
    assert _association(ec2, late) is None
    assert _association(ec2, spokes.attachments[0])["TransitGatewayRouteTableId"] == (
        spokes.default_table
    )
    assert [r["DestinationCidrBlock"] for r in routes(ec2, spokes.default_table)] == ["10.1.0.0/16"]


def test_modify_turning_a_default_on_creates_the_default_table(ec2_client: Clients) -> None:
    ec2 = ec2_client()
    spokes = isolated(ec2, [])

    ec2.modify_transit_gateway(
        TransitGatewayId=spokes.tgw, Options={"DefaultRouteTableAssociation": "enable"}
    )

    options = ec2.describe_transit_gateways(TransitGatewayIds=[spokes.tgw])["TransitGateways"][0][
        "Options"
    ]
    tables = ec2.describe_transit_gateway_route_tables(
        Filters=[{"Name": "transit-gateway-id", "Values": [spokes.tgw]}]
    )["TransitGatewayRouteTables"]
    assert [t["TransitGatewayRouteTableId"] for t in tables] == [
        options["AssociationDefaultRouteTableId"]
    ]
    assert tables[0]["DefaultAssociationRouteTable"] is True


def test_modify_an_unknown_gateway_answers_not_found(ec2_client: Clients) -> None:
    with pytest.raises(ClientError) as caught:
        ec2_client().modify_transit_gateway(
            TransitGatewayId="tgw-0123456789abcdef0",
            Options={"DefaultRouteTableAssociation": "disable"},
        )

    assert error_code(caught) == "InvalidTransitGatewayID.NotFound"


def test_deleting_an_attachment_drops_its_association_and_propagations(
    ec2_client: Clients,
) -> None:
    ec2 = ec2_client()
    spokes = hub(ec2, ["10.1.0.0/16"])
    assert spokes.default_table is not None

    ec2.delete_transit_gateway_vpc_attachment(TransitGatewayAttachmentId=spokes.attachments[0])

    table: dict[str, Any] = {"TransitGatewayRouteTableId": spokes.default_table}
    assert ec2.get_transit_gateway_route_table_associations(**table)["Associations"] == []
    propagations = ec2.get_transit_gateway_route_table_propagations(**table)
    assert propagations["TransitGatewayRouteTablePropagations"] == []
    assert routes(ec2, spokes.default_table) == []


@pytest.mark.parametrize("mode", ["enable", "disable"])
def test_appliance_mode_reads_back(ec2_client: Clients, mode: Literal["enable", "disable"]) -> None:
    # Not a gap in moto 5.2.5: pinned because the inspection VPC attachment relies on it.
    ec2 = ec2_client()
    spokes = isolated(ec2, ["10.100.0.0/16"])
    attachment = spokes.attachments[0]
    other: Literal["enable", "disable"] = "disable" if mode == "enable" else "enable"
    ec2.modify_transit_gateway_vpc_attachment(
        TransitGatewayAttachmentId=attachment, Options={"ApplianceModeSupport": other}
    )

    answer = ec2.modify_transit_gateway_vpc_attachment(
        TransitGatewayAttachmentId=attachment, Options={"ApplianceModeSupport": mode}
    )

    described = ec2.describe_transit_gateway_vpc_attachments(
        TransitGatewayAttachmentIds=[attachment]
    )["TransitGatewayVpcAttachments"][0]
    assert answer["TransitGatewayVpcAttachment"]["Options"]["ApplianceModeSupport"] == mode
    assert described["Options"]["ApplianceModeSupport"] == mode
    assert described["Options"]["DnsSupport"] == "enable"
