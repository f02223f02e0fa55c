"""ECS/VPC payloads ↔ neutral resources, on literal payloads shaped like the API metadata's."""

from __future__ import annotations

from typing import Any

import pytest

from orchestrator.state import FirewallGroup, FlowRule, Scope
from orchestrator.state.resources import rule_key
from providers.alibaba import translate as tr

SCOPE = Scope("alibaba", "5123456789012345", "cn-hangzhou")
GKEY = f"{SCOPE}/fwgroup/web@vpc-1"
GROUP = FirewallGroup(GKEY, SCOPE, "web", "vpc-1", "eastwest-p-web", "eastwest: segment web")


def _perm(**fields: str) -> dict[str, Any]:
    base = {
        "SecurityGroupRuleId": "sgr-1",
        "Direction": "ingress",
        "IpProtocol": "TCP",
        "PortRange": "443/443",
        "Policy": "Accept",
        "Priority": "1",
        "NicType": "intranet",
        "SourceCidrIp": "",
        "SourcePrefixListId": "",
        "SourceGroupId": "",
        "DestCidrIp": "",
        "DestPrefixListId": "",
        "DestGroupId": "",
        "Ipv6SourceCidrIp": "",
        "Ipv6DestCidrIp": "",
    }
    return base | fields


@pytest.mark.parametrize(
    ("perm", "peer", "ports"),
    [
        (_perm(SourcePrefixListId="pl-db"), "set:db", "tcp/443"),
        (_perm(SourcePrefixListId="pl-other"), "ref:pl-other", "tcp/443"),
        (
            _perm(SourceCidrIp="10.0.0.0/8", PortRange="8000/8100"),
            "cidr:10.0.0.0/8",
            "tcp/8000-8100",
        ),
        (_perm(SourceGroupId="sg-x", IpProtocol="ALL", PortRange="-1/-1"), "ref:sg-x", "any"),
        (
            _perm(SourceCidrIp="1.2.3.0/24", IpProtocol="ICMP", PortRange="-1/-1"),
            "cidr:1.2.3.0/24",
            "icmp",
        ),
        (_perm(SourceCidrIp="1.2.3.0/24", Policy="Drop"), "ref:drop@1:cidr:1.2.3.0/24", "tcp/443"),
        (_perm(SourcePrefixListId="pl-db", Priority="5"), "ref:accept@5:set:db", "tcp/443"),
        (
            _perm(
                Direction="egress", DestPrefixListId="pl-db", IpProtocol="UDP", PortRange="53/53"
            ),
            "set:db",
            "udp/53",
        ),
    ],
    ids=[
        "set",
        "foreign-list",
        "cidr-range",
        "group-all",
        "icmp",
        "drop",
        "other-priority",
        "egress",
    ],
)
def test_rules_read_back_with_their_peer_and_ports(
    perm: dict[str, Any], peer: str, ports: str
) -> None:
    [(rule, rule_id)] = list(tr.rules_from_permissions(GROUP, [perm], {"pl-db": "db"}))
    assert (rule.peer, rule.ports, rule_id) == (peer, ports, "sgr-1")
    assert rule.key == rule_key(GKEY, rule.direction, ports, peer)


def test_the_baseline_is_part_of_the_group_not_a_rule() -> None:
    baseline = _perm(
        Direction="egress", **{k: v for k, v in tr.BASELINE.items() if k != "Policy"}, Policy="Drop"
    )
    assert tr.is_baseline(baseline)
    assert list(tr.rules_from_permissions(GROUP, [baseline], {})) == []
    # The same drop at another priority, or to another peer, is a rule (drift) instead.
    for other in (baseline | {"Priority": "99"}, baseline | {"DestCidrIp": "10.0.0.0/8"}):
        assert not tr.is_baseline(other)
        assert len(list(tr.rules_from_permissions(GROUP, [other], {}))) == 1


def test_a_group_without_its_baseline_reads_as_changed() -> None:
    sg = {
        "SecurityGroupName": "n",
        "Description": "d",
        "VpcId": "vpc-1",
        "Tags": {
            "Tag": [
                {"TagKey": tr.TAG_KEY, "TagValue": GKEY},
                {"TagKey": tr.TAG_SEGMENT, "TagValue": "web"},
            ]
        },
    }
    kept = tr.group_from_security_group(SCOPE, sg, baseline=True)
    lost = tr.group_from_security_group(SCOPE, sg, baseline=False)
    assert kept.description == "d"
    assert lost.description == "d" + tr.BASELINE_MISSING
    assert kept != lost
    assert kept.key == lost.key


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (
            FlowRule("k", SCOPE, GKEY, "ingress", "tcp", 443, 443, "set:db"),
            {"IpProtocol": "TCP", "PortRange": "443/443", "SourcePrefixListId": "pl-db"},
        ),
        (
            FlowRule("k", SCOPE, GKEY, "egress", "all", -1, -1, "set:db"),
            {"IpProtocol": "ALL", "PortRange": "-1/-1", "DestPrefixListId": "pl-db"},
        ),
        (
            FlowRule("k", SCOPE, GKEY, "ingress", "icmp", -1, -1, "cidr:10.0.0.0/8"),
            {"IpProtocol": "ICMP", "PortRange": "-1/-1", "SourceCidrIp": "10.0.0.0/8"},
        ),
        (
            FlowRule("k", SCOPE, GKEY, "egress", "udp", 53, 54, "cidr:2001:db8::/32"),
            {"IpProtocol": "UDP", "PortRange": "53/54", "Ipv6DestCidrIp": "2001:db8::/32"},
        ),
    ],
    ids=["set-ingress", "all-egress", "icmp-cidr", "ipv6"],
)
def test_permissions_are_accepts_at_priority_1(rule: FlowRule, expected: dict[str, str]) -> None:
    perm = tr.permission(rule, "pl-db")
    assert perm == {**expected, "Policy": "accept", "Priority": "1", "NicType": "intranet"}
    # Priority travels as a string, as the API documents it.
    assert isinstance(perm["Priority"], str)


def test_what_an_ecs_rule_cannot_say_is_refused() -> None:
    with pytest.raises(ValueError, match="ICMP"):
        tr.permission(FlowRule("k", SCOPE, GKEY, "ingress", "icmp", 8, 0, "cidr:10.0.0.0/8"), None)
    with pytest.raises(ValueError, match="prefix list"):
        tr.permission(FlowRule("k", SCOPE, GKEY, "ingress", "tcp", 1, 2, "set:db"), None)


def test_round_trip_from_permission_to_rule() -> None:
    rule = FlowRule(
        rule_key(GKEY, "egress", "tcp/5432", "set:db"),
        SCOPE,
        GKEY,
        "egress",
        "tcp",
        5432,
        5432,
        "set:db",
    )
    perm = {"Direction": "egress", "SecurityGroupRuleId": "sgr-9", **tr.permission(rule, "pl-db")}
    [(back, _)] = list(tr.rules_from_permissions(GROUP, [perm], {"pl-db": "db"}))
    assert back == rule


@pytest.mark.parametrize(
    "item",
    [
        {"Tags": {"Tag": [{"TagKey": "a", "TagValue": "1"}]}},
        {"Tags": {"Tag": [{"Key": "a", "Value": "1"}]}},
        {"Tags": [{"Key": "a", "Value": "1"}]},
    ],
    ids=["ecs", "vpc", "prefix-list"],
)
def test_tags_in_every_shape(item: dict[str, Any]) -> None:
    assert tr.tags_of(item) == {"a": "1"}


def test_ownership_needs_policy_managed_and_a_key_of_this_scope() -> None:
    tags = tr.ownership_tags("p", GKEY, "web")
    assert tr.is_owned(tags, "p", SCOPE)
    assert not tr.is_owned(tags, "other", SCOPE)
    assert not tr.is_owned(tags | {tr.TAG_KEY: "alibaba/1/cn-beijing/fwgroup/x"}, "p", SCOPE)
    assert not tr.is_owned({k: v for k, v in tags.items() if k != tr.TAG_MANAGED}, "p", SCOPE)
    with pytest.raises(ValueError, match="128"):
        tr.ownership_tags("p" * 129, GKEY, "web")


def test_flat_parameters() -> None:
    assert tr.flatten("Permissions", [{"Policy": "accept"}, {"Policy": "drop"}]) == {
        "Permissions.1.Policy": "accept",
        "Permissions.2.Policy": "drop",
    }
    assert tr.repeat("ResourceId", ["a", "b"]) == {"ResourceId.1": "a", "ResourceId.2": "b"}
