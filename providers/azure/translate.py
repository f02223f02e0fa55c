"""ARM JSON ↔ neutral resources. Pure functions, tested on literal API payloads.

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
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from orchestrator.state import AddressSet, FirewallGroup, FlowRule, Network, Scope, Subnet
from orchestrator.state.names import bounded_name
from orchestrator.state.resources import Direction, address_set_key, ports_label, rule_key
from providers.core.marks import Marks

TAG_MANAGED = "eastwest:managed"
TAG_POLICY = "eastwest:policy"
TAG_KEY = "eastwest:key"
TAG_SEGMENT = "eastwest:segment"
TAG_NAME = "eastwest:name"
TAG_DESCRIPTION = "eastwest:description"
TAG_RULES_DIGEST = "eastwest:rules-digest"
TAG_ATTACH = "eastwest:attach"  # the segment's attach mode (attach.py)

RULE_PREFIX = "eastwest-"
DENY_NAMES: Mapping[Direction, str] = {
    "ingress": "eastwest-deny-vnet-in",
    "egress": "eastwest-deny-vnet-out",
}
ARM_DIRECTION: Mapping[Direction, str] = {"ingress": "Inbound", "egress": "Outbound"}
_NEUTRAL_DIRECTION: Mapping[str, Direction] = {"inbound": "ingress", "outbound": "egress"}
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
    }


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
    peer_side = "source" if rule.direction == "ingress" else "destination"
    local_side = "destination" if rule.direction == "ingress" else "source"
    return {
        "description": f"{rule.peer} {rule.description}".strip()[:_DESCRIPTION_LIMIT],
        "protocol": protocol,
        "sourcePortRange": "*",
        "destinationPortRange": ports,
        f"{peer_side}AddressPrefixes": sorted(prefixes),
        f"{local_side}AddressPrefix": "*",
        "access": "Allow",
        "priority": priority,
        "direction": ARM_DIRECTION[rule.direction],
    }


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


# -- NSGs: ARM → neutral -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NativeRule:
    """A neutral rule and the ARM rule it was read from."""

    rule: FlowRule
    name: str
    priority: int


@dataclass(frozen=True, slots=True)
class NsgView:
    group: FirewallGroup
    name: str
    rules: tuple[NativeRule, ...]
    problems: tuple[str, ...] = field(default=())


def declared_peer(rule: Payload) -> str | None:
    """The ``set:<segment>`` an eastwest rule says it references, if it is one of eastwest's."""
    if not str(rule.get("name", "")).startswith(RULE_PREFIX):
        return None
    if rule["name"] in DENY_NAMES.values():
        return None
    token = str(props(rule).get("description", "")).split(" ", 1)[0]
    return token if token.startswith("set:") and len(token) > 4 else None


def peer_prefixes(rule: Payload) -> tuple[str, ...]:
    p = props(rule)
    side = "source" if str(p.get("direction", "")).lower() == "inbound" else "destination"
    many = p.get(f"{side}AddressPrefixes") or []
    one = p.get(f"{side}AddressPrefix")
    return tuple(sorted(many or ([one] if one else [])))


def consensus(nsgs: Iterable[Payload]) -> dict[str, tuple[str, ...]]:
    """Each referenced segment's prefixes, as most of eastwest's rules hold them (ties: the
    smallest sorted), so one edited rule reads as drift of that rule, not of the segment."""
    votes: dict[str, Counter[tuple[str, ...]]] = {}
    for nsg in nsgs:
        for rule in props(nsg).get("securityRules") or ():
            peer = declared_peer(rule)
            if peer is not None:
                votes.setdefault(peer[4:], Counter())[peer_prefixes(rule)] += 1
    return {
        segment: min(counter, key=lambda p: (-counter[p], p))
        for segment, counter in sorted(votes.items())
    }


def group_from_nsg(scope: Scope, nsg: Payload) -> FirewallGroup:
    tags = tags_of(nsg)
    key = tags[TAG_KEY]
    network = key.rsplit("@", 1)[-1]
    return FirewallGroup(
        key=key,
        scope=scope,
        segment=tags.get(TAG_SEGMENT, ""),
        network=network,
        name=tags.get(TAG_NAME) or str(nsg["name"]),
        description=tags.get(TAG_DESCRIPTION, ""),
        attach=tags.get(TAG_ATTACH) or "add",  # written before modes existed: what it did
    )


def read_nsg(scope: Scope, nsg: Payload, known: Mapping[str, Sequence[str]]) -> NsgView:
    """An owned NSG as neutral resources. ``known`` holds each segment's prefixes (the
    consensus, or what apply is writing): a rule matches its ``set:`` peer only with them."""
    group = group_from_nsg(scope, nsg)
    rules = list(props(nsg).get("securityRules") or ())
    natives = [n for r in rules if (n := _native_rule(group, r, known)) is not None]
    return NsgView(group, nsg["name"], tuple(natives), tuple(_deny_problems(rules, natives)))


def _native_rule(
    group: FirewallGroup, rule: Payload, known: Mapping[str, Sequence[str]]
) -> NativeRule | None:
    if rule["name"] in DENY_NAMES.values():
        return None
    p = props(rule)
    direction = _NEUTRAL_DIRECTION.get(str(p.get("direction", "")).lower(), "ingress")
    protocol, lo, hi = _protocol_ports(p)
    peer = declared_peer(rule)
    neutral = FlowRule(
        key="",
        scope=group.scope,
        group=group.key,
        direction=direction,
        protocol=protocol,
        from_port=lo,
        to_port=hi,
        peer=peer or "",
        description=str(p.get("description", "")),
    )
    segment = peer[4:] if peer else None
    if segment is None or segment not in known or not _is_canonical(neutral, rule, known[segment]):
        neutral = _replace_peer(neutral, observed_peer(rule), key_peer=f"ref:{rule['name']}")
    else:
        neutral = _replace_peer(neutral, neutral.peer)
    return NativeRule(neutral, rule["name"], int(p.get("priority", 0)))


def observed_peer(rule: Payload) -> str:
    """What a rule eastwest did not write as it stands lets in (Inbound: its source) or out
    (Outbound: its destination), as a peer token: ``cidr:<prefixes>`` for addresses,
    ``ref:<service tag>`` (``Internet``, ``VirtualNetwork``; ``*`` is ``Any``) or
    ``ref:<ASG names>`` otherwise."""
    p = props(rule)
    side = "source" if str(p.get("direction", "")).lower() == "inbound" else "destination"
    groups = p.get(f"{side}ApplicationSecurityGroups") or ()
    if groups:
        return "ref:" + ",".join(sorted(name_of_id(str(g.get("id", ""))) for g in groups))
    prefixes = peer_prefixes(rule)
    if prefixes and all(_is_address(x) for x in prefixes):
        return "cidr:" + ",".join(prefixes)
    return "ref:" + (",".join("Any" if x == "*" else x for x in prefixes) or "Any")


def _is_address(text: str) -> bool:
    try:
        ipaddress.ip_network(text, strict=False)
    except ValueError:
        return False
    return True


def _is_canonical(rule: FlowRule, native: Payload, prefixes: Sequence[str]) -> bool:
    if native["name"] != rule_name(rule):
        return False
    try:
        wanted = rule_properties(rule, prefixes, int(props(native).get("priority", 0)))
    except ValueError:
        return False
    return same_content(native, wanted)


def _replace_peer(rule: FlowRule, peer: str, *, key_peer: str | None = None) -> FlowRule:
    """``key_peer``: what the key says instead of ``peer`` (a rule's name, for uniqueness)."""
    ports = ports_label(rule.protocol, rule.from_port, rule.to_port)
    key = rule_key(rule.group, rule.direction, ports, key_peer or peer)
    return FlowRule(
        key=key,
        scope=rule.scope,
        group=rule.group,
        direction=rule.direction,
        protocol=rule.protocol,
        from_port=rule.from_port,
        to_port=rule.to_port,
        peer=peer,
        description=rule.description,
    )


def _protocol_ports(p: Payload) -> tuple[str, int, int]:
    protocol = {"tcp": "tcp", "udp": "udp", "icmp": "icmp", "*": "all"}.get(
        str(p.get("protocol", "*")).lower(), str(p.get("protocol", "")).lower()
    )
    if protocol not in ("tcp", "udp"):
        return protocol, -1, -1
    ranges = p.get("destinationPortRanges") or [p.get("destinationPortRange") or "*"]
    first = str(ranges[0])
    if first == "*":
        return protocol, 0, 65535
    lo, _, hi = first.partition("-")
    try:
        return protocol, int(lo), int(hi or lo)
    except ValueError:
        return protocol, 0, 65535


def _deny_problems(rules: list[Payload], natives: list[NativeRule]) -> Iterator[str]:
    by_name = {r["name"]: r for r in rules}
    for direction, name in DENY_NAMES.items():
        rule = by_name.get(name)
        if rule is None:
            yield f"deny rule {name} is missing"
            continue
        priority = int(props(rule).get("priority", 0))
        if not same_content(rule, deny_properties(direction, priority)):
            yield f"deny rule {name} was changed"
            continue
        allows = [n.priority for n in natives if n.rule.direction == direction]
        if allows and priority <= max(allows):
            yield f"deny rule {name} is above an allow"


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
