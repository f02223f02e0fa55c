"""translate.py on literal EC2 payloads (the shapes botocore returns)."""

from __future__ import annotations

from typing import Any

import pytest

from orchestrator.state import FirewallGroup, FlowRule, Scope
from providers.aws import translate as tr

SCOPE = Scope("aws", "111111111111", "us-east-1")
KEY = f"{SCOPE}/fwgroup/web@vpc-1"

OWNED_SG: dict[str, Any] = {
    "GroupId": "sg-0123",
    "GroupName": "eastwest-p-web",
    "Description": "eastwest: segment web of policy p",
    "VpcId": "vpc-1",
    "OwnerId": "111111111111",
    "Tags": [
        {"Key": "eastwest:managed", "Value": "true"},
        {"Key": "eastwest:policy", "Value": "p"},
        {"Key": "eastwest:key", "Value": KEY},
        {"Key": "eastwest:segment", "Value": "web"},
    ],
    "IpPermissions": [
        {
            "IpProtocol": "tcp",
            "FromPort": 443,
            "ToPort": 443,
            "PrefixListIds": [{"PrefixListId": "pl-db", "Description": "eastwest:r1"}],
            "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "rogue"}],
            "Ipv6Ranges": [],
            "UserIdGroupPairs": [{"GroupId": "sg-other", "UserId": "111111111111"}],
        },
        {"IpProtocol": "icmp", "FromPort": 8, "ToPort": -1, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]},
    ],
    "IpPermissionsEgress": [
        {"IpProtocol": "-1", "IpRanges": [], "PrefixListIds": [{"PrefixListId": "pl-web"}]},
        {"IpProtocol": "50", "Ipv6Ranges": [{"CidrIpv6": "::/0"}]},
    ],
}


def _rules() -> dict[str, FlowRule]:
    group = tr.group_from_security_group(SCOPE, OWNED_SG)
    segments = {"pl-db": "db", "pl-web": "web"}
    return {r.key: r for r in tr.rules_from_security_group(group, OWNED_SG, segments)}


def test_group_reads_back_with_its_key_and_segment() -> None:
    group = tr.group_from_security_group(SCOPE, OWNED_SG)
    assert group == FirewallGroup(
        KEY, SCOPE, "web", "vpc-1", "eastwest-p-web", "eastwest: segment web of policy p"
    )


def test_every_peer_of_every_permission_becomes_one_rule() -> None:
    assert sorted(_rules()) == sorted(
        [
            f"{KEY}/ingress/tcp:443/set:db",
            f"{KEY}/ingress/tcp:443/cidr:0.0.0.0/0",
            f"{KEY}/ingress/tcp:443/ref:sg-other",
            f"{KEY}/ingress/icmp:8:-1/cidr:10.0.0.0/8",
            f"{KEY}/egress/any/set:web",
            f"{KEY}/egress/50/cidr:::/0",
        ]
    )


@pytest.mark.parametrize("key", sorted(_rules()), ids=lambda k: k.split("web@vpc-1/")[1])
def test_ip_permission_round_trips_every_observed_rule(key: str) -> None:
    """What eastwest would send to revoke a rule is the rule it read."""
    rule = _rules()[key]
    native = {"set:db": "pl-db", "set:web": "pl-web"}.get(rule.peer)
    perm = tr.ip_permission(rule, native)
    group = tr.group_from_security_group(SCOPE, OWNED_SG)
    sg = {**OWNED_SG, "IpPermissions": [], "IpPermissionsEgress": []}
    sg["IpPermissions" if rule.direction == "ingress" else "IpPermissionsEgress"] = [perm]
    again = list(tr.rules_from_security_group(group, sg, {"pl-db": "db", "pl-web": "web"}))
    assert [r.key for r in again] == [key]


def test_a_set_peer_without_a_known_prefix_list_is_an_error() -> None:
    rule = _rules()[f"{KEY}/ingress/tcp:443/set:db"]
    with pytest.raises(ValueError, match="no prefix list is known"):
        tr.ip_permission(rule, None)


@pytest.mark.parametrize(
    ("tags", "owned"),
    [
        pytest.param(OWNED_SG["Tags"], True, id="owned"),
        pytest.param(
            [t for t in OWNED_SG["Tags"] if t["Key"] != "eastwest:policy"], False, id="no-policy"
        ),
        pytest.param(
            [
                {**t, "Value": "other"} if t["Key"] == "eastwest:policy" else t
                for t in OWNED_SG["Tags"]
            ],
            False,
            id="other-policy",
        ),
        pytest.param(
            [
                {**t, "Value": "aws/2/us-east-1/fwgroup/x"} if t["Key"] == "eastwest:key" else t
                for t in OWNED_SG["Tags"]
            ],
            False,
            id="foreign-scope-key",
        ),
        pytest.param([], False, id="untagged"),
    ],
)
def test_ownership_needs_every_tag(tags: list[dict[str, str]], owned: bool) -> None:
    assert tr.is_owned({"Tags": tags}, "p", SCOPE) is owned


def test_vpc_reads_all_associated_blocks_only() -> None:
    vpc = {
        "VpcId": "vpc-1",
        "CidrBlock": "10.0.0.0/16",
        "CidrBlockAssociationSet": [
            {"CidrBlock": "10.0.0.0/16", "CidrBlockState": {"State": "associated"}},
            {"CidrBlock": "10.1.0.0/16", "CidrBlockState": {"State": "associated"}},
            {"CidrBlock": "10.2.0.0/16", "CidrBlockState": {"State": "disassociated"}},
        ],
        "Tags": [{"Key": "Name", "Value": "spoke"}],
    }
    net = tr.network_from_vpc(vpc)
    assert net.cidrs == ("10.0.0.0/16", "10.1.0.0/16")
    assert net.name == "spoke"


@pytest.mark.parametrize(
    ("sgr", "key_tail", "description"),
    [
        (
            {
                "IsEgress": False,
                "IpProtocol": "tcp",
                "FromPort": 443,
                "ToPort": 443,
                "PrefixListId": "pl-db",
                "Description": "eastwest:r1",
            },
            "ingress/tcp:443/set:db",
            "eastwest:r1",
        ),
        (
            {
                "IsEgress": True,
                "IpProtocol": "-1",
                "FromPort": -1,
                "ToPort": -1,
                "PrefixListId": "pl-unknown",
            },
            "egress/any/ref:pl-unknown",
            "",
        ),
        (
            {
                "IsEgress": False,
                "IpProtocol": "icmp",
                "FromPort": 8,
                "ToPort": -1,
                "CidrIpv4": "10.0.0.0/8",
            },
            "ingress/icmp:8:-1/cidr:10.0.0.0/8",
            "",
        ),
        (
            {
                "IsEgress": False,
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "CidrIpv6": "::/0",
            },
            "ingress/tcp:22/cidr:::/0",
            "",
        ),
        (
            {
                "IsEgress": False,
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "ReferencedGroupInfo": {"GroupId": "sg-other", "UserId": "111111111111"},
            },
            "ingress/tcp:22/ref:sg-other",
            "",
        ),
    ],
    ids=["prefix-list", "any-to-foreign-list", "icmp-cidr", "ipv6", "group-reference"],
)
def test_a_rule_from_describe_rules_has_the_key_of_the_same_rule_in_the_group(
    sgr: dict[str, Any], key_tail: str, description: str
) -> None:
    group = tr.group_from_security_group(SCOPE, OWNED_SG)
    payload = {"SecurityGroupRuleId": "sgr-1", "GroupId": "sg-0123", **sgr}
    rule = tr.rule_from_security_group_rule(group, payload, {"pl-db": "db"})
    assert rule.key == f"{KEY}/{key_tail}"
    assert rule.description == description


def test_rule_keys_agree_between_the_two_describes() -> None:
    group = tr.group_from_security_group(SCOPE, OWNED_SG)
    from_group = {r.key for r in tr.rules_from_security_group(group, OWNED_SG, {"pl-db": "db"})}
    as_rules = [
        {
            "IsEgress": False,
            "IpProtocol": "tcp",
            "FromPort": 443,
            "ToPort": 443,
            "PrefixListId": "pl-db",
        },
        {
            "IsEgress": False,
            "IpProtocol": "tcp",
            "FromPort": 443,
            "ToPort": 443,
            "CidrIpv4": "0.0.0.0/0",
        },
        {
            "IsEgress": False,
            "IpProtocol": "tcp",
            "FromPort": 443,
            "ToPort": 443,
            "ReferencedGroupInfo": {"GroupId": "sg-other"},
        },
        {
            "IsEgress": False,
            "IpProtocol": "icmp",
            "FromPort": 8,
            "ToPort": -1,
            "CidrIpv4": "10.0.0.0/8",
        },
    ]
    keys = {tr.rule_from_security_group_rule(group, r, {"pl-db": "db"}).key for r in as_rules}
    assert keys <= from_group
    assert {k for k in from_group if "/ingress/" in k} == keys
