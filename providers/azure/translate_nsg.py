"""An owned NSG read back as neutral resources (ARM → neutral). Pure, tested on literal payloads.

In: an NSG as ARM answers it, and each segment's prefixes as known (``consensus`` of eastwest's
rules, or what apply is writing). Out: ``NsgView``: the group, each rule as a ``FlowRule`` with
its ARM name and priority, and what is wrong with the NSG's deny rules. Always: a rule whose
content is not exactly what eastwest writes (``translate.rule_properties``) reads back keyed
``…/ref:<rule name>`` with the peer it really lets in or out, so the plan replaces it.
The other direction (neutral → ARM: names, tags, rule properties) is ``translate``.
"""

from __future__ import annotations

import ipaddress
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from orchestrator.state import FirewallGroup, FlowRule, Scope
from orchestrator.state.resources import Direction, ports_label, rule_key
from providers.azure.translate import (
    DENY_NAMES,
    RULE_PREFIX,
    TAG_ASG,
    TAG_ATTACH,
    TAG_DESCRIPTION,
    TAG_KEY,
    TAG_NAME,
    TAG_SEGMENT,
    deny_properties,
    name_of_id,
    props,
    rule_name,
    rule_properties,
    same_content,
    tags_of,
)

Payload = Mapping[str, Any]
_NEUTRAL: Mapping[str, Direction] = {"inbound": "ingress", "outbound": "egress"}


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
            prefixes = peer_prefixes(rule)
            if peer is not None and prefixes:  # a rule naming an ASG holds no prefixes
                votes.setdefault(peer[4:], Counter())[prefixes] += 1
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
        asg=tags.get(TAG_ASG) == "members",
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
    direction = _NEUTRAL.get(str(p.get("direction", "")).lower(), "ingress")
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
