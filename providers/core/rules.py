"""A rule as observed, the same on every cloud: its key is derived from what it allows.

Pure. In: the group it was read from, its direction, protocol, port range, peer and
description (each cloud's ``translate.py`` reads those from its own payload). Out: the
``FlowRule`` whose key equals the one compile gives the same rule, so a diff on keys is a diff
on content.
"""

from __future__ import annotations

from dataclasses import dataclass

from orchestrator.state import FirewallGroup, FlowRule
from orchestrator.state.resources import Direction, Protocol, ports_label, rule_key


@dataclass(frozen=True, slots=True)
class Ports:
    protocol: Protocol
    low: int
    high: int


def observed_rule(
    group: FirewallGroup, direction: Direction, ports: Ports, peer: str, description: str
) -> FlowRule:
    label = ports_label(ports.protocol, ports.low, ports.high)
    return FlowRule(
        key=rule_key(group.key, direction, label, peer),
        scope=group.scope,
        group=group.key,
        direction=direction,
        protocol=ports.protocol,
        from_port=ports.low,
        to_port=ports.high,
        peer=peer,
        description=description,
    )
