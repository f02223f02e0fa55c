"""A rule referencing a prefix list keeps its description, in both describes, as on EC2."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from mypy_boto3_ec2.client import EC2Client

pytestmark = pytest.mark.sandbox

Clients = Callable[..., "EC2Client"]


@pytest.fixture
def ec2(ec2_client: Clients) -> EC2Client:
    return ec2_client()


def _setup(ec2: EC2Client) -> tuple[str, str]:
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    group = ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc)["GroupId"]
    pl = ec2.create_managed_prefix_list(
        PrefixListName="web", MaxEntries=1, AddressFamily="IPv4", Entries=[{"Cidr": "10.1.0.0/16"}]
    )["PrefixList"]["PrefixListId"]
    return group, pl


def _tcp(port: int, pl: str, **described: str) -> Any:
    entry = {"PrefixListId": pl, **described}
    return {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "PrefixListIds": [entry]}


@pytest.mark.parametrize("direction", ["ingress", "egress"])
def test_prefix_list_rules_answer_their_description(ec2: EC2Client, direction: str) -> None:
    group, pl = _setup(ec2)
    authorize = getattr(ec2, f"authorize_security_group_{direction}")
    authorize(
        GroupId=group,
        IpPermissions=[_tcp(443, pl, Description="eastwest:web"), _tcp(80, pl)],
    )

    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group]}])
    found = {
        r["FromPort"]: r.get("Description")
        for r in rules["SecurityGroupRules"]
        if r.get("PrefixListId") == pl
    }
    assert found == {443: "eastwest:web", 80: None}
    assert all("CidrIpv4" not in r for r in rules["SecurityGroupRules"] if r.get("PrefixListId"))

    sg = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]
    side = sg["IpPermissions" if direction == "ingress" else "IpPermissionsEgress"]
    entries = {p["FromPort"]: p["PrefixListIds"] for p in side if p.get("PrefixListIds")}
    assert entries == {
        443: [{"PrefixListId": pl, "Description": "eastwest:web"}],
        80: [{"PrefixListId": pl}],
    }


def test_revoking_by_permission_ignores_the_description(ec2: EC2Client) -> None:
    group, pl = _setup(ec2)
    ec2.authorize_security_group_ingress(
        GroupId=group, IpPermissions=[_tcp(443, pl, Description="eastwest:web")]
    )
    ec2.revoke_security_group_ingress(GroupId=group, IpPermissions=[_tcp(443, pl)])
    assert (
        ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]["IpPermissions"] == []
    )
