"""ECS/VPC payloads ↔ neutral resources. Pure functions, tested on literal API payloads.

In: the JSON of ``DescribeVpcs``, ``DescribeVSwitches``, ``DescribeSecurityGroups``,
``DescribeSecurityGroupAttribute`` and ``ListPrefixLists``. Out: ``Network``, ``Subnet``,
``FirewallGroup``, ``FlowRule`` and ``AddressSet`` values, and the flat RPC parameters that write
them (``Permissions.1.IpProtocol``…). Always: ownership is proven by tags, as on AWS: an object is
eastwest's when it carries ``eastwest:managed=true``, ``eastwest:policy=<policy>`` and an
``eastwest:key`` of this scope (Alibaba allows ``:`` in tag keys; only the prefixes ``aliyun`` and
``acs:`` are reserved). Every rule inside an owned group is eastwest's, so a rule someone else
added there is drift; nothing outside owned objects ever is.

Alibaba semantics kept here: eastwest writes every allow as ``accept`` at priority 1 (the
highest), and gives each group one ``drop`` rule, egress ``ALL`` to ``0.0.0.0/0`` at priority 100
(the lowest): a basic group lets all egress out while it has no egress rule, and drop wins over
accept only at equal priority, so the two never share one. That baseline is part of the group,
not a rule of the policy: when it is missing, the group reads back with ``BASELINE_MISSING``
appended to its description, which the plan shows as a change to the group. Any other rule of
an owned group with another policy or priority reads back with the peer
``ref:<policy>@<priority>:<peer>``, which no desired rule has, so it is removed as drift.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from orchestrator.state import AddressSet, FirewallGroup, FlowRule, Network, Scope, Subnet
from orchestrator.state.resources import Direction
from providers.core.marks import Marks
from providers.core.rules import Ports, observed_rule

TAG_MANAGED = "eastwest:managed"
TAG_POLICY = "eastwest:policy"
TAG_KEY = "eastwest:key"
TAG_SEGMENT = "eastwest:segment"
TAG_RULES_DIGEST = "eastwest:rules-digest"
TAG_VALUE_MAX = 128

ACCEPT_PRIORITY = "1"
BASELINE_PRIORITY = "100"
BASELINE: dict[str, str] = {
    "IpProtocol": "ALL",
    "PortRange": "-1/-1",
    "DestCidrIp": "0.0.0.0/0",
    "Policy": "drop",
    "Priority": BASELINE_PRIORITY,
    "NicType": "intranet",
    "Description": "eastwest: deny egress not allowed by the policy",
}
BASELINE_MISSING = " [eastwest: egress default-deny rule missing]"
# A group attached in add mode holds no baseline (providers/alibaba/attach.py).
BASELINE_UNWANTED = " [eastwest: egress drop present, attached in add mode]"

Payload = Mapping[str, Any]

_TO_WIRE = {"tcp": "TCP", "udp": "UDP", "icmp": "ICMP", "icmpv6": "ICMPV6", "gre": "GRE"}
_FROM_WIRE = {v: k for k, v in _TO_WIRE.items()} | {"ALL": "all"}
_PEERS: dict[Direction, tuple[str, str, str, str]] = {
    "ingress": ("SourceCidrIp", "Ipv6SourceCidrIp", "SourcePrefixListId", "SourceGroupId"),
    "egress": ("DestCidrIp", "Ipv6DestCidrIp", "DestPrefixListId", "DestGroupId"),
}


# -- tags ---------------------------------------------------------------------------------


def tags_of(item: Payload) -> dict[str, str]:
    """Tags in any of the three shapes: ECS ``{"Tag": [{"TagKey", "TagValue"}]}``, VPC
    ``{"Tag": [{"Key", "Value"}]}`` and ListPrefixLists' plain ``[{"Key", "Value"}]``."""
    raw = item.get("Tags") or []
    listed = raw.get("Tag", []) if isinstance(raw, Mapping) else raw
    return {
        str(t.get("TagKey", t.get("Key", ""))): str(t.get("TagValue", t.get("Value", "")))
        for t in listed
    }


def is_owned(tags: Mapping[str, str], policy: str, scope: Scope) -> bool:
    """Owned: managed by this policy, and carrying a key of this scope (a copied object with a
    foreign key stays read-only)."""
    return Marks(policy, scope).owns(tags)


def ownership_tags(policy: str, key: str, segment: str) -> dict[str, str]:
    tags = {TAG_MANAGED: "true", TAG_POLICY: policy, TAG_KEY: key, TAG_SEGMENT: segment}
    too_long = [k for k, v in tags.items() if len(v) > TAG_VALUE_MAX]
    if too_long:
        raise ValueError(
            f"tag {too_long[0]} would be longer than Alibaba's {TAG_VALUE_MAX} characters; "
            "use shorter policy or segment names"
        )
    return tags


def tag_params(tags: Mapping[str, str], name: str = "Tag") -> dict[str, str]:
    return flatten(name, [{"Key": k, "Value": v} for k, v in tags.items()])


def flatten(name: str, items: Iterable[Mapping[str, str]]) -> dict[str, str]:
    """``[{"Policy": "accept"}]`` → ``{"Permissions.1.Policy": "accept"}``."""
    return {
        f"{name}.{n}.{field}": value
        for n, item in enumerate(items, start=1)
        for field, value in item.items()
    }


def repeat(name: str, values: Iterable[str]) -> dict[str, str]:
    """``["a", "b"]`` → ``{"ResourceId.1": "a", "ResourceId.2": "b"}``."""
    return {f"{name}.{n}": v for n, v in enumerate(values, start=1)}


# -- inventory ----------------------------------------------------------------------------


def network_from_vpc(vpc: Payload) -> Network:
    blocks = [vpc["CidrBlock"], *vpc.get("SecondaryCidrBlocks", {}).get("SecondaryCidrBlock", [])]
    return Network(vpc["VpcId"], tuple(blocks), tags_of(vpc), vpc.get("VpcName", ""))


def subnet_from_vswitch(vsw: Payload) -> Subnet:
    return Subnet(
        vsw["VSwitchId"], vsw["VpcId"], (vsw["CidrBlock"],), vsw.get("ZoneId", ""), tags_of(vsw)
    )


# -- address sets (VPC prefix lists) ------------------------------------------------------


def address_set_from_prefix_list(scope: Scope, pl: Payload) -> AddressSet:
    tags = tags_of(pl)
    return AddressSet(
        key=tags[TAG_KEY],
        scope=scope,
        segment=tags.get(TAG_SEGMENT, ""),
        name=pl.get("PrefixListName", ""),
        cidrs=frozenset(pl.get("CidrBlocks", [])),
        max_entries=int(pl["MaxEntries"]),
    )


# -- firewall groups (ECS security groups) and their rules ---------------------------------


def group_from_security_group(scope: Scope, sg: Payload, baseline: bool) -> FirewallGroup:
    tags = tags_of(sg)
    description = sg.get("Description", "")
    return FirewallGroup(
        key=tags[TAG_KEY],
        scope=scope,
        segment=tags.get(TAG_SEGMENT, ""),
        network=sg.get("VpcId", ""),
        name=sg["SecurityGroupName"],
        description=description if baseline else description + BASELINE_MISSING,
    )


def is_baseline(perm: Payload) -> bool:
    return (
        perm.get("Direction") == "egress"
        and str(perm.get("Policy", "")).lower() == "drop"
        and str(perm.get("Priority")) == BASELINE_PRIORITY
        and str(perm.get("IpProtocol", "")).upper() == "ALL"
        and perm.get("DestCidrIp") == BASELINE["DestCidrIp"]
        and not any(perm.get(f) for f in _PEERS["egress"][1:])
    )


def rules_from_permissions(
    group: FirewallGroup, perms: Iterable[Payload], segment_of_list: Mapping[str, str]
) -> Iterator[tuple[FlowRule, str]]:
    """Every rule of an owned group but the baseline, each with its ``SecurityGroupRuleId``.
    ``segment_of_list`` maps an owned prefix list id to its segment, so a reference to it reads
    back as the same ``set:<segment>`` peer compile made."""
    for perm in perms:
        if is_baseline(perm):
            continue
        direction: Direction = "egress" if perm.get("Direction") == "egress" else "ingress"
        protocol, lo, hi = _ports(perm)
        peer = _peer(direction, perm, segment_of_list)
        policy = str(perm.get("Policy", "accept")).lower()
        priority = str(perm.get("Priority", ACCEPT_PRIORITY))
        if policy != "accept" or priority != ACCEPT_PRIORITY:
            peer = f"ref:{policy}@{priority}:{peer.removeprefix('ref:')}"
        description = str(perm.get("Description", ""))
        rule = observed_rule(group, direction, Ports(protocol, lo, hi), peer, description)
        yield rule, str(perm.get("SecurityGroupRuleId", ""))


def _ports(perm: Payload) -> tuple[str, int, int]:
    wire = str(perm.get("IpProtocol", "ALL")).upper()
    protocol = _FROM_WIRE.get(wire, wire.lower())
    if protocol not in ("tcp", "udp"):
        return protocol, -1, -1
    low, _, high = str(perm.get("PortRange", "-1/-1")).partition("/")
    return protocol, int(low), int(high or low)


def _peer(direction: Direction, perm: Payload, segment_of_list: Mapping[str, str]) -> str:
    cidr, cidr6, prefix_list, group = (str(perm.get(f) or "") for f in _PEERS[direction])
    if cidr or cidr6:
        return f"cidr:{cidr or cidr6}"
    if prefix_list:
        segment = segment_of_list.get(prefix_list)
        return f"set:{segment}" if segment is not None else f"ref:{prefix_list}"
    return f"ref:{group}"


def permission(rule: FlowRule, peer_id: str | None) -> dict[str, str]:
    """One desired rule as an accept permission. ``peer_id`` is the prefix list behind a
    ``set:`` peer. Raises ValueError for what an ECS rule cannot say."""
    if rule.protocol == "all":
        wire, ports = "ALL", "-1/-1"
    elif rule.protocol in ("tcp", "udp"):
        wire, ports = _TO_WIRE[rule.protocol], f"{rule.from_port}/{rule.to_port}"
    elif rule.protocol in _TO_WIRE and (rule.from_port, rule.to_port) == (-1, -1):
        wire, ports = _TO_WIRE[rule.protocol], "-1/-1"
    else:
        raise ValueError(f"an ECS rule cannot match {rule.ports} (only whole ICMP, GRE, ALL)")
    cidr, cidr6, prefix_list, group = _PEERS[rule.direction]
    perm = {
        "IpProtocol": wire,
        "PortRange": ports,
        "Policy": "accept",
        "Priority": ACCEPT_PRIORITY,
        "NicType": "intranet",
    }
    if rule.description:
        perm["Description"] = rule.description[:512]
    kind, _, value = rule.peer.partition(":")
    if kind == "set":
        if peer_id is None:
            raise ValueError(f"no prefix list is known for {rule.peer}")
        perm[prefix_list] = peer_id
    elif kind == "cidr":
        perm[cidr6 if ":" in value else cidr] = value
    elif value.startswith("pl-"):
        perm[prefix_list] = value
    elif value.startswith("sg-"):
        perm[group] = value
    else:
        raise ValueError(f"eastwest does not write rules with the peer {rule.peer}")
    return perm
