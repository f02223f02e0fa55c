"""``metadata.problems()`` on its own: literal requests against the published API metadata."""

from __future__ import annotations

import pytest

from moto_fixtures.alibaba import metadata

ECS, VPC, CBN = "2014-05-26", "2016-04-28", "2017-09-12"
ROUTE = {"RegionId": "cn-hangzhou", "RouteTableId": "vtb-1", "DestinationCidrBlock": "10.0.0.0/8"}


@pytest.mark.parametrize(
    ("version", "action", "params", "expected"),
    [
        (VPC, "CreateRouteEntry", ROUTE, []),
        (VPC, "CreateVpc", {}, ["CreateVpc is not documented for vpc 2016-04-28"]),
        (
            CBN,
            "CreateRouteEntry",
            ROUTE,
            ["CreateRouteEntry is not documented for cbn 2017-09-12"],
        ),
        ("2099-01-01", "DescribeVpcs", {}, ["Version '2099-01-01' is not ECS, VPC or CBN"]),
        (
            VPC,
            "CreateRouteEntry",
            {**ROUTE, "Bogus": "1"},
            ["Bogus is not documented for CreateRouteEntry"],
        ),
        (
            VPC,
            "CreateRouteEntry",
            {"RouteTableId": "vtb-1"},
            ["MissingParameter DestinationCidrBlock"],
        ),
        (
            ECS,
            "AuthorizeSecurityGroup",
            {
                "RegionId": "cn-hangzhou",
                "SecurityGroupId": "sg-1",
                "Permissions.1.IpProtocol": "TCP",
                "Permissions.1.PortRange": "22/22",
                "Permissions.2.SourceGroupId": "sg-2",
            },
            [],
        ),
        (
            CBN,
            "CreateTransitRouterVpcAttachment",
            {
                "VpcId": "vpc-1",
                "ZoneMappings.1.ZoneId": "cn-hangzhou-h",
                "ZoneMappings.2.VSwitchId": "vsw-1",
                "Tag.1.Key": "segment",
            },
            [],
        ),
        (
            ECS,
            "AuthorizeSecurityGroup",
            {"RegionId": "cn-hangzhou", "SecurityGroupId": "sg-1", "Permissions.0.Policy": "x"},
            ["Permissions.0.Policy is not documented for AuthorizeSecurityGroup"],
        ),
        (
            ECS,
            "AuthorizeSecurityGroup",
            {"RegionId": "cn-hangzhou", "SecurityGroupId": "sg-1", "Permissions.1.Colour": "x"},
            ["Permissions.1.Colour is not documented for AuthorizeSecurityGroup"],
        ),
        (
            ECS,
            "AuthorizeSecurityGroup",
            {"RegionId": "cn-hangzhou", "SecurityGroupId": "sg-1", "Permissions": "x"},
            ["Permissions is not documented for AuthorizeSecurityGroup"],
        ),
    ],
    ids=[
        "conforms",
        "undocumented-action",
        "action-of-another-product",
        "unknown-version",
        "undocumented-parameter",
        "missing-required",
        "flattened-permissions",
        "flattened-zone-mappings-and-tags",
        "list-index-zero",
        "unknown-list-field",
        "unflattened-list",
    ],
)
def test_problems(version: str, action: str, params: dict[str, str], expected: list[str]) -> None:
    assert metadata.problems(version, action, params) == expected


def test_protocol_and_sdk_parameters_are_accepted_everywhere() -> None:
    signed = {
        "Action": "ListTransitRouterRouteTables",
        "Version": CBN,
        "Format": "JSON",
        "AccessKeyId": "k",
        "Signature": "s",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureVersion": "1.0",
        "SignatureNonce": "n",
        "Timestamp": "t",
        "RegionId": "cn-hangzhou",
    }
    assert metadata.problems(CBN, "ListTransitRouterRouteTables", signed) == []


def test_assert_conforms_names_every_problem() -> None:
    with pytest.raises(AssertionError, match=r"Bogus.*MissingParameter DestinationCidrBlock"):
        metadata.assert_conforms(VPC, "CreateRouteEntry", {"RouteTableId": "v", "Bogus": "1"})
