"""Small transit-gateway builders shared by the transit and VPC routing patch tests."""

from __future__ import annotations

import urllib.request
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pytest
    from botocore.exceptions import ClientError
    from mypy_boto3_ec2.client import EC2Client


def reset(url: str) -> None:
    """Empty the local AWS, for module-scoped worlds that do without ``aws_endpoint``."""
    request = urllib.request.Request(f"{url}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        response.read()


@dataclass(frozen=True)
class Hub:
    """A transit gateway and one VPC attachment per spoke CIDR (spoke index → ids)."""

    tgw: str
    vpcs: list[str]
    attachments: list[str]
    default_table: str | None


def hub(ec2: EC2Client, cidrs: list[str], **options: str) -> Hub:
    """A TGW with ``options`` and one VPC (one subnet) attached per CIDR, in order."""
    gateway: Any = ec2.create_transit_gateway(Options=options)["TransitGateway"]  # type: ignore[arg-type]
    tgw = gateway["TransitGatewayId"]
    vpcs, attachments = [], []
    for cidr in cidrs:
        vpc = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
        subnet = ec2.create_subnet(VpcId=vpc, CidrBlock=cidr.replace("/16", "/24"))["Subnet"]
        attachment = ec2.create_transit_gateway_vpc_attachment(
            TransitGatewayId=tgw, VpcId=vpc, SubnetIds=[subnet["SubnetId"]]
        )["TransitGatewayVpcAttachment"]
        vpcs.append(vpc)
        attachments.append(attachment["TransitGatewayAttachmentId"])
    return Hub(tgw, vpcs, attachments, gateway["Options"].get("AssociationDefaultRouteTableId"))


def isolated(ec2: EC2Client, cidrs: list[str]) -> Hub:
    """A hub whose TGW neither associates nor propagates by default (segmented routing)."""
    return hub(
        ec2, cidrs, DefaultRouteTableAssociation="disable", DefaultRouteTablePropagation="disable"
    )


def new_table(ec2: EC2Client, tgw: str) -> str:
    table = ec2.create_transit_gateway_route_table(TransitGatewayId=tgw)
    return table["TransitGatewayRouteTable"]["TransitGatewayRouteTableId"]


def routes(
    ec2: EC2Client, table: str, filters: dict[str, list[str]] | None = None
) -> list[dict[str, Any]]:
    """SearchTransitGatewayRoutes with ``filters`` (by default: every static and propagated)."""
    wanted = filters or {"type": ["static", "propagated"]}
    found: list[dict[str, Any]] = ec2.search_transit_gateway_routes(
        TransitGatewayRouteTableId=table,
        Filters=[{"Name": name, "Values": values} for name, values in wanted.items()],
    )["Routes"]  # type: ignore[assignment]
    return found


def error_code(caught: pytest.ExceptionInfo[ClientError]) -> str:
    """The EC2 error code of a refused call, which must have been an HTTP 400 (not a crash)."""
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    return str(caught.value.response["Error"]["Code"])
