"""An authorize call stores all of its permissions or none, and lists every rule it made."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_ec2.client import EC2Client

pytestmark = pytest.mark.sandbox

Clients = Callable[..., "EC2Client"]
DIRECTIONS = ["ingress", "egress"]


def _tcp(port: int, **peers: Any) -> Any:
    return {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, **peers}


def _cidrs(*cidrs: str) -> dict[str, Any]:
    return {"IpRanges": [{"CidrIp": cidr} for cidr in cidrs]}


@pytest.fixture
def ec2(ec2_client: Clients) -> EC2Client:
    return ec2_client()


@pytest.fixture
def group(ec2: EC2Client) -> str:
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    return ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc)["GroupId"]


def _authorize(ec2: EC2Client, direction: str, group: str, permissions: list[Any]) -> Any:
    call = getattr(ec2, f"authorize_security_group_{direction}")
    return call(GroupId=group, IpPermissions=permissions)


def _rules(ec2: EC2Client, group: str, direction: str) -> list[tuple[Any, ...]]:
    rules = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group]}])
    return sorted(
        (r["SecurityGroupRuleId"], r["IpProtocol"], r.get("FromPort"), r.get("CidrIpv4"))
        for r in rules["SecurityGroupRules"]
        if r["IsEgress"] == (direction == "egress")
    )


def _code(caught: pytest.ExceptionInfo[ClientError]) -> str:
    return str(caught.value.response["Error"]["Code"])


@pytest.mark.parametrize("direction", DIRECTIONS)
def test_an_existing_rule_late_in_the_call_stores_nothing(
    ec2: EC2Client, group: str, direction: str
) -> None:
    _authorize(ec2, direction, group, [_tcp(22, **_cidrs("10.1.0.0/16"))])
    before = _rules(ec2, group, direction)

    with pytest.raises(ClientError) as caught:
        _authorize(
            ec2,
            direction,
            group,
            [_tcp(80, **_cidrs("10.2.0.0/16", "10.3.0.0/16")), _tcp(22, **_cidrs("10.1.0.0/16"))],
        )

    assert _code(caught) == "InvalidPermission.Duplicate"
    assert _rules(ec2, group, direction) == before


@pytest.mark.parametrize("direction", DIRECTIONS)
def test_an_existing_rule_inside_one_permission_stores_nothing(
    ec2: EC2Client, group: str, direction: str
) -> None:
    _authorize(ec2, direction, group, [_tcp(443, **_cidrs("10.5.0.0/16"))])
    before = _rules(ec2, group, direction)

    with pytest.raises(ClientError) as caught:
        _authorize(ec2, direction, group, [_tcp(443, **_cidrs("10.4.0.0/16", "10.5.0.0/16"))])

    assert _code(caught) == "InvalidPermission.Duplicate"
    assert _rules(ec2, group, direction) == before


@pytest.mark.parametrize(
    "permissions",
    [
        [_tcp(443, **_cidrs("10.6.0.0/16")), _tcp(443, **_cidrs("10.6.0.0/16"))],
        [_tcp(443, **_cidrs("10.6.0.0/16", "10.6.0.0/16"))],
        [
            {"IpProtocol": "6", "FromPort": 53, "ToPort": 53, **_cidrs("10.7.0.0/16")},
            {"IpProtocol": "tcp", "FromPort": 53, "ToPort": 53, **_cidrs("10.7.0.0/16")},
        ],
    ],
    ids=["two-permissions", "one-permission", "protocol-number-and-name"],
)
@pytest.mark.parametrize("direction", DIRECTIONS)
def test_the_same_permission_twice_in_one_call_is_refused(
    ec2: EC2Client, group: str, direction: str, permissions: list[Any]
) -> None:
    before = _rules(ec2, group, direction)

    with pytest.raises(ClientError) as caught:
        _authorize(ec2, direction, group, permissions)

    assert _code(caught) == "InvalidParameterValue"
    assert "must not appear multiple times" in caught.value.response["Error"]["Message"]
    assert _rules(ec2, group, direction) == before


@pytest.mark.parametrize("direction", DIRECTIONS)
def test_an_unknown_group_reference_late_in_the_call_stores_nothing(
    ec2: EC2Client, group: str, direction: str
) -> None:
    before = _rules(ec2, group, direction)
    unknown = {"UserIdGroupPairs": [{"GroupId": "sg-00000000000000000"}]}

    with pytest.raises(ClientError) as caught:
        _authorize(ec2, direction, group, [_tcp(80, **_cidrs("10.8.0.0/16")), _tcp(81, **unknown)])

    assert _code(caught) == "InvalidGroup.NotFound"
    assert _rules(ec2, group, direction) == before


@pytest.mark.parametrize("direction", DIRECTIONS)
def test_the_response_lists_every_rule_the_call_created(
    ec2: EC2Client, group: str, direction: str
) -> None:
    before = {rule[0] for rule in _rules(ec2, group, direction)}
    prefix_list = ec2.create_managed_prefix_list(
        PrefixListName="corp", AddressFamily="IPv4", MaxEntries=5
    )["PrefixList"]["PrefixListId"]

    response = _authorize(
        ec2,
        direction,
        group,
        [
            _tcp(443, **_cidrs("10.3.0.0/16", "10.4.0.0/16")),
            _tcp(8080, PrefixListIds=[{"PrefixListId": prefix_list}]),
            {
                "IpProtocol": "udp",
                "FromPort": 53,
                "ToPort": 53,
                "UserIdGroupPairs": [{"GroupId": group}],
            },
        ],
    )

    created = {rule["SecurityGroupRuleId"] for rule in response["SecurityGroupRules"]}
    assert response["Return"] is True
    assert len(created) == 4
    assert created == {rule[0] for rule in _rules(ec2, group, direction)} - before


def test_a_failed_call_leaves_no_tags_behind(ec2: EC2Client, group: str) -> None:
    _authorize(ec2, "ingress", group, [_tcp(22, **_cidrs("10.1.0.0/16"))])
    tag_spec = [{"ResourceType": "security-group-rule", "Tags": [{"Key": "k", "Value": "v"}]}]

    with pytest.raises(ClientError):
        ec2.authorize_security_group_ingress(
            GroupId=group,
            IpPermissions=[_tcp(80, **_cidrs("10.2.0.0/16")), _tcp(22, **_cidrs("10.1.0.0/16"))],
            TagSpecifications=tag_spec,  # type: ignore[arg-type]
        )

    tags = ec2.describe_tags(Filters=[{"Name": "key", "Values": ["k"]}])["Tags"]
    assert tags == []
