"""ARM JSON ↔ neutral resources. Pure functions, tested on literal API payloads. Here: names,
tags, ownership, rule properties (neutral → ARM), VNets, subnets and address sets; an owned
NSG read back as neutral rules (ARM → neutral) is ``translate_nsg``.

Ownership is proven by tags: an NSG is eastwest's when it carries ``eastwest:managed=true``,
``eastwest:policy=<this policy>`` and a key of this scope. Every rule inside an owned NSG is
eastwest's, so a hand-made rule there is drift. NSGs without those tags are never written.

Rules eastwest writes are named ``eastwest-<in|out>-<peer segment>-<ports>`` and say their peer
in the description (``set:<segment> …``): NSG rules carry addresses, not references, so a
segment's address set is "virtual": the prefixes its rules hold. A rule of eastwest's whose
content is not exactly what eastwest writes (an edited port, prefix or access), like a hand-made
rule, reads back with the key ``…/ref:<rule name>`` (rule names are unique per NSG, so such keys
never collide, and never equal a desired key) and, as its peer, what it lets in or out:
``cidr:<prefixes>`` or ``ref:<service tag or ASGs>``; the plan deletes it and writes the right one.
The two ``eastwest-deny-vnet-*`` rules are part of the NSG itself (see ``Problems``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from orchestrator.state import AddressSet, FirewallGroup, FlowRule, Network, Scope, Subnet
from orchestrator.state.names import bounded_name
from orchestrator.state.resources import Direction, address_set_key
from providers.core.marks import Marks

TAG_MANAGED = "eastwest:managed"
TAG_POLICY = "eastwest:policy"
TAG_KEY = "eastwest:key"
TAG_SEGMENT = "eastwest:segment"
TAG_NAME = "eastwest:name"
TAG_DESCRIPTION = "eastwest:description"
TAG_RULES_DIGEST = "eastwest:rules-digest"
TAG_ATTACH = "eastwest:attach"  # the segment's attach mode (attach.py)
TAG_ASG = "eastwest:asg"  # "members": the segment's NICs join eastwest's ASG (asg.py)

RULE_PREFIX = "eastwest-"
DENY_NAMES: Mapping[Direction, str] = {
    "ingress": "eastwest-deny-vnet-in",
    "egress": "eastwest-deny-vnet-out",
}
ARM_DIRECTION: Mapping[Direction, str] = {"ingress": "Inbound", "egress": "Outbound"}
_ARM_PROTOCOL = {"tcp": "Tcp", "udp": "Udp", "icmp": "Icmp", "all": "*"}
_DESCRIPTION_LIMIT = 140
# What ARM echoes besides what eastwest sends: ignored when comparing a rule's content.
_ECHOED = frozenset({"provisioningState"})

Payload = Mapping[str, Any]


def region_of(location: str) -> str:
    """ARM answers "eastus"; some tools write "East US"."""
    return location.replace(" ", "").lower()


def props(item: Payload) -> Payload:
    value = item.get("properties") or {}
    return value if isinstance(value, Mapping) else {}


def name_of_id(arm_id: str) -> str:
    return arm_id.rstrip("/").rsplit("/", 1)[-1]


def vnet_of_subnet_id(arm_id: str) -> str:
    parts = arm_id.rstrip("/").split("/")
    return parts[-3] if len(parts) >= 3 else ""


# -- inventory ---------------------------------------------------------------------------


def network_from_vnet(vnet: Payload) -> Network:
    """A VNet is known by its name: unique in the policy account's resource group, and what
    policies say (``vnet: spoke-app``)."""
    space = props(vnet).get("addressSpace") or {}
    tags = dict(vnet.get("tags") or {})
    return Network(vnet["name"], tuple(space.get("addressPrefixes") or ()), tags, vnet["name"])


def subnets_from_vnet(vnet: Payload) -> list[Subnet]:
    """Subnets are known by name too (unique within their VNet, which ``network`` names)."""
    return [
        Subnet(s["name"], vnet["name"], subnet_prefixes(s), "", {})
        for s in props(vnet).get("subnets") or ()
    ]


def subnet_prefixes(subnet: Payload) -> tuple[str, ...]:
    p = props(subnet)
    return tuple(
        p.get("addressPrefixes") or ([p["addressPrefix"]] if p.get("addressPrefix") else [])
    )


# -- ownership and names -------------------------------------------------------------------


def tags_of(item: Payload) -> dict[str, str]:
    return {str(k): str(v) for k, v in (item.get("tags") or {}).items()}


def is_owned(nsg: Payload, policy: str, scope: Scope, key: str | None = None) -> bool:
    """All of the marks, in this region; ``key``: the very key (adoption)."""
    return Marks(policy, scope).owns(tags_of(nsg), key, kind="fwgroup/") and (
        region_of(str(nsg.get("location", ""))) == scope.region
    )


def ownership_tags(policy: str, group: FirewallGroup) -> dict[str, str]:
    return {
        TAG_MANAGED: "true",
        TAG_POLICY: policy,
        TAG_KEY: group.key,
        TAG_SEGMENT: group.segment,
        TAG_NAME: group.name,
        TAG_DESCRIPTION: group.description[:256],
        TAG_ATTACH: group.attach or "add",
    } | ({TAG_ASG: "members"} if group.asg else {})


def nsg_name(group: FirewallGroup) -> str:
    """One NSG per segment and VNet, and names are unique per resource group: the VNet is in."""
    return bounded_name(f"{group.name}-{group.network}")


def rule_name(rule: FlowRule) -> str:
    side = "in" if rule.direction == "ingress" else "out"
    peer = rule.peer.partition(":")[2]
    ports = rule.ports.replace("/", "-").replace(":", "-")
    return bounded_name(f"{RULE_PREFIX}{side}-{peer}-{ports}")


# -- rules: neutral → ARM ----------------------------------------------------------------


def rule_properties(rule: FlowRule, prefixes: Sequence[str], priority: int) -> dict[str, Any]:
    """The writable properties of one allow, exactly as eastwest writes (and compares) them."""
    protocol = _ARM_PROTOCOL.get(rule.protocol)
    if protocol is None or (rule.protocol == "icmp" and rule.from_port != -1):
        raise ValueError(f"an NSG rule cannot express protocol {rule.ports!r}")
    if not prefixes:
        raise ValueError(f"no address prefixes are known for {rule.peer}")
    ports = "*" if rule.protocol in ("all", "icmp") else _port_range(rule.from_port, rule.to_port)
    local_side = "destination" if rule.direction == "ingress" else "source"
    return {
        "description": f"{rule.peer} {rule.description}".strip()[:_DESCRIPTION_LIMIT],
        "protocol": protocol,
        "sourcePortRange": "*",
        "destinationPortRange": ports,
        **peer_side(ARM_DIRECTION[rule.direction], prefixes),
        f"{local_side}AddressPrefix": "*",
        "access": "Allow",
        "priority": priority,
        "direction": ARM_DIRECTION[rule.direction],
    }


# A segment's "prefixes" may be one token naming its application security group instead
# (``asg_token``): rules between two opted-in segments of one VNet name the ASG (asg.py).
ASG_TOKEN = "asg:"  # noqa: S105 - a prefix marker, not a secret


def asg_token(asg_id: str) -> str:
    return f"{ASG_TOKEN}{asg_id}"


def peer_side(direction: str, prefixes: Sequence[str]) -> dict[str, Any]:
    """The peer's side of a rule (Inbound: its source): the prefixes, or the one ASG."""
    side = "source" if direction == "Inbound" else "destination"
    if len(prefixes) == 1 and prefixes[0].startswith(ASG_TOKEN):
        return {f"{side}ApplicationSecurityGroups": [{"id": prefixes[0][len(ASG_TOKEN) :]}]}
    return {f"{side}AddressPrefixes": sorted(prefixes)}


def deny_properties(direction: Direction, priority: int) -> dict[str, Any]:
    """Below eastwest's allows: without it, AllowVnetInBound/OutBound (65000) would let every
    peered VNet in, whatever the policy says."""
    return {
        "description": "eastwest: deny other VNets (and peered ones) not allowed above",
        "protocol": "*",
        "sourcePortRange": "*",
        "destinationPortRange": "*",
        "sourceAddressPrefix": "VirtualNetwork",
        "destinationAddressPrefix": "VirtualNetwork",
        "access": "Deny",
        "priority": priority,
        "direction": ARM_DIRECTION[direction],
    }


def _port_range(lo: int, hi: int) -> str:
    return str(lo) if lo == hi else f"{lo}-{hi}"


def same_content(native: Payload, wanted: Mapping[str, Any]) -> bool:
    """Whether a rule as ARM answers it is exactly ``wanted`` (ignoring the description and
    echoed empty lists)."""
    have = {k: v for k, v in props(native).items() if k not in _ECHOED and v not in ([], None)}
    want = {k: v for k, v in wanted.items() if v not in ([], None)}
    have.pop("description", None)
    want.pop("description", None)
    return have == want


def writable(rule: Payload) -> dict[str, Any]:
    """A rule as it may be sent back in a PUT: its name and writable properties, unchanged."""
    kept = {k: v for k, v in props(rule).items() if k not in _ECHOED}
    return {"name": rule["name"], "properties": kept}


# -- address sets ----------------------------------------------------------------------------


def address_set(scope: Scope, policy: str, segment: str, prefixes: Sequence[str]) -> AddressSet:
    return AddressSet(
        key=address_set_key(scope, segment),
        scope=scope,
        segment=segment,
        name=f"eastwest-{policy}-{segment}",
        cidrs=frozenset(prefixes),
        max_entries=max(1, len(prefixes)),
    )


def encode_prefixes(prefixes: Iterable[str]) -> str:
    """An address set's "native id": its prefixes, so apply can write rules that use them."""
    return ",".join(sorted(prefixes))


def decode_prefixes(text: str) -> tuple[str, ...]:
    return tuple(p for p in text.split(",") if p)


# -- subnet association ---------------------------------------------------------------------


def member_subnets(vnet: Payload, segment_prefixes: Sequence[str]) -> list[Payload]:
    """The VNet's subnets that lie inside the segment's prefixes: the NSG's members."""
    nets = [ipaddress.ip_network(p, strict=False) for p in segment_prefixes]
    members = []
    for subnet in props(vnet).get("subnets") or ():
        blocks = [ipaddress.ip_network(p, strict=False) for p in subnet_prefixes(subnet)]
        if blocks and all(_inside(b, nets) for b in blocks):
            members.append(subnet)
    return members


def _inside(block: ipaddress.IPv4Network | ipaddress.IPv6Network, nets: list[Any]) -> bool:
    return any(block.version == n.version and block.subnet_of(n) for n in nets)


def associated_nsg(subnet: Payload) -> str | None:
    ref = props(subnet).get("networkSecurityGroup") or {}
    return str(ref["id"]) if ref.get("id") else None
