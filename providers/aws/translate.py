"""EC2 payloads ↔ neutral resources. Pure functions, tested on literal API payloads.

Ownership is proven by tags: a security group or prefix list is eastwest's when it carries
``eastwest:managed=true`` and ``eastwest:policy=<this policy>``. Every rule inside an owned group
is eastwest's (so a rule someone added there is drift); nothing outside owned objects is.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from orchestrator.state import (
    AddressSet,
    FirewallGroup,
    FlowRule,
    Network,
    Scope,
    Subnet,
)
from orchestrator.state.resources import Direction
from providers.core.marks import Marks
from providers.core.rules import Ports, observed_rule

TAG_MANAGED = "eastwest:managed"
TAG_POLICY = "eastwest:policy"
TAG_KEY = "eastwest:key"
TAG_SEGMENT = "eastwest:segment"
TAG_RULES_DIGEST = "eastwest:rules-digest"
TAG_CIDRS_DIGEST = "eastwest:cidrs-digest"
TAG_VERSION = "eastwest:version"

Payload = Mapping[str, Any]


def tags_of(item: Payload) -> dict[str, str]:
    return {t["Key"]: t.get("Value", "") for t in item.get("Tags", [])}


def is_owned(item: Payload, policy: str, scope: Scope) -> bool:
    """Owned: managed by this policy, and carrying a key of this scope (a copied object with a
    foreign key stays read-only)."""
    return Marks(policy, scope).owns(tags_of(item))


def ownership_tags(policy: str, key: str, segment: str) -> list[dict[str, str]]:
    pairs = {TAG_MANAGED: "true", TAG_POLICY: policy, TAG_KEY: key, TAG_SEGMENT: segment}
    return [{"Key": k, "Value": v} for k, v in pairs.items()]


def network_from_vpc(vpc: Payload) -> Network:
    blocks = [
        a["CidrBlock"]
        for a in vpc.get("CidrBlockAssociationSet", [])
        if a.get("CidrBlockState", {}).get("State", "associated") == "associated"
    ] or [vpc["CidrBlock"]]
    tags = tags_of(vpc)
    return Network(vpc["VpcId"], tuple(blocks), tags, tags.get("Name", ""))


def subnet_from_payload(subnet: Payload) -> Subnet:
    return Subnet(
        subnet["SubnetId"],
        subnet["VpcId"],
        (subnet["CidrBlock"],),
        subnet.get("AvailabilityZone", ""),
        tags_of(subnet),
    )


def address_set_from_prefix_list(scope: Scope, pl: Payload, cidrs: Iterable[str]) -> AddressSet:
    tags = tags_of(pl)
    return AddressSet(
        key=tags[TAG_KEY],
        scope=scope,
        segment=tags.get(TAG_SEGMENT, ""),
        name=pl.get("PrefixListName", ""),
        cidrs=frozenset(cidrs),
        max_entries=int(pl["MaxEntries"]),
    )


def group_from_security_group(scope: Scope, sg: Payload) -> FirewallGroup:
    tags = tags_of(sg)
    return FirewallGroup(
        key=tags[TAG_KEY],
        scope=scope,
        segment=tags.get(TAG_SEGMENT, ""),
        network=sg.get("VpcId", ""),
        name=sg["GroupName"],
        description=sg.get("Description", ""),
    )


def rules_from_security_group(
    group: FirewallGroup, sg: Payload, segment_of_list: Mapping[str, str]
) -> Iterator[FlowRule]:
    """Every rule of an owned group. ``segment_of_list`` maps an owned prefix list id to its
    segment, so a reference to it reads back as the same ``set:<segment>`` peer compile made."""
    sides: tuple[tuple[str, Direction], ...] = (
        ("IpPermissions", "ingress"),
        ("IpPermissionsEgress", "egress"),
    )
    for field, direction in sides:
        for perm in sg.get(field, []):
            for peer, description in _peers(perm, segment_of_list):
                yield _rule(group, direction, perm, peer, description)


def rule_from_security_group_rule(
    group: FirewallGroup, sgr: Payload, segment_of_list: Mapping[str, str]
) -> FlowRule:
    """One rule as ``DescribeSecurityGroupRules`` answers it, with the same key as the rule read
    from ``DescribeSecurityGroups`` (both go through the same permission shape)."""
    perm: dict[str, Any] = {k: sgr[k] for k in ("IpProtocol", "FromPort", "ToPort") if k in sgr}
    described = {"Description": sgr["Description"]} if sgr.get("Description") else {}
    if "CidrIpv4" in sgr:
        perm["IpRanges"] = [{"CidrIp": sgr["CidrIpv4"], **described}]
    elif "CidrIpv6" in sgr:
        perm["Ipv6Ranges"] = [{"CidrIpv6": sgr["CidrIpv6"], **described}]
    elif "PrefixListId" in sgr:
        perm["PrefixListIds"] = [{"PrefixListId": sgr["PrefixListId"], **described}]
    else:
        referenced = sgr.get("ReferencedGroupInfo", {}).get("GroupId", "")
        perm["UserIdGroupPairs"] = [{"GroupId": referenced, **described}]
    peer, description = next(_peers(perm, segment_of_list))
    direction: Direction = "egress" if sgr.get("IsEgress") else "ingress"
    return _rule(group, direction, perm, peer, description)


def _rule(
    group: FirewallGroup, direction: Direction, perm: Payload, peer: str, description: str
) -> FlowRule:
    protocol = _protocol(str(perm.get("IpProtocol", "-1")))
    lo, hi = (-1, -1) if protocol == "all" else (perm.get("FromPort", -1), perm.get("ToPort", -1))
    return observed_rule(group, direction, Ports(protocol, lo, hi), peer, description)


def _protocol(raw: str) -> str:
    # EC2 answers names for tcp/udp/icmp and "-1" for everything; numbers otherwise.
    return {"-1": "all", "6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}.get(raw, raw)


def _peers(perm: Payload, segment_of_list: Mapping[str, str]) -> Iterator[tuple[str, str]]:
    for item in perm.get("IpRanges", []):
        yield f"cidr:{item['CidrIp']}", item.get("Description", "")
    for item in perm.get("Ipv6Ranges", []):
        yield f"cidr:{item['CidrIpv6']}", item.get("Description", "")
    for item in perm.get("PrefixListIds", []):
        pl_id = item["PrefixListId"]
        segment = segment_of_list.get(pl_id)
        peer = f"set:{segment}" if segment is not None else f"ref:{pl_id}"
        yield peer, item.get("Description", "")
    for item in perm.get("UserIdGroupPairs", []):
        yield f"ref:{item['GroupId']}", item.get("Description", "")


def ip_permission(rule: FlowRule, peer_id: str | None) -> dict[str, Any]:
    """One rule as an EC2 IpPermission. ``peer_id`` is the native id behind a ``set:`` peer."""
    perm: dict[str, Any] = {"IpProtocol": "-1" if rule.protocol == "all" else rule.protocol}
    if rule.protocol != "all":
        perm |= {"FromPort": rule.from_port, "ToPort": rule.to_port}
    described = {"Description": rule.description} if rule.description else {}
    kind, _, value = rule.peer.partition(":")
    if kind == "set":
        if peer_id is None:
            raise ValueError(f"no prefix list is known for {rule.peer} ({rule.key})")
        perm["PrefixListIds"] = [{"PrefixListId": peer_id, **described}]
    elif kind == "cidr" and ":" in value:
        perm["Ipv6Ranges"] = [{"CidrIpv6": value, **described}]
    elif kind == "cidr":
        perm["IpRanges"] = [{"CidrIp": value, **described}]
    elif value.startswith("pl-"):
        perm["PrefixListIds"] = [{"PrefixListId": value}]
    else:
        perm["UserIdGroupPairs"] = [{"GroupId": value}]
    return perm
