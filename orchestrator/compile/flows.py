"""Flows: the policy's rules (plus intra-segment traffic) as parsed, compilable units."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from orchestrator.compile.membership import Membership
from orchestrator.diagnostics import Diagnostic, error, warning
from orchestrator.model.policy import Policy
from orchestrator.model.ports import PortRange, parse_port_spec

INTRA_SEGMENT = "intra-segment"


@dataclass(frozen=True, slots=True)
class Flow:
    from_: str
    to: str
    ports: tuple[PortRange, ...]
    names: frozenset[str]
    inspect: bool = False


def collect_flows(policy: Policy, membership: Membership) -> tuple[list[Flow], list[Diagnostic]]:
    """Segments are trust zones: traffic inside one is allowed; between two, only the rules."""
    flows = [
        Flow(s.name, s.name, (PortRange("all"),), frozenset({INTRA_SEGMENT}))
        for s in policy.segments
        if membership.of(s.name) and membership.cidrs[s.name]
    ]
    diags: list[Diagnostic] = []
    for index, rule in enumerate(policy.rules):
        path = f"rules[{index}]"
        unknown = [s for s in (rule.from_, rule.to) if s not in membership.cidrs]
        if unknown:
            # The loader's reference check reports this with a location; a policy built in
            # code skips it, and must still get an error rather than a crash.
            diags.append(
                error(f"rule {rule.name!r} names unknown segment {unknown[0]!r}", path=path)
            )
            continue
        if not membership.cidrs[rule.from_] or not membership.cidrs[rule.to]:
            continue  # the membership warning already names the empty segment
        if not membership.of(rule.from_) and not membership.of(rule.to):
            diags.append(
                warning(
                    "both segments are address-only: no cloud enforces this rule",
                    path=path,
                )
            )
            continue
        ports = tuple(parse_port_spec(p) for p in rule.ports)
        for a, b in rule.directions():
            flows.append(Flow(a, b, ports, frozenset({rule.name}), rule.inspect))
    return flows, diags


def merge_port_ranges(ports: Iterable[PortRange]) -> list[PortRange]:
    """The smallest list of ranges allowing the same traffic: fewer rules, same meaning."""
    ports = list(ports)
    if any(p.protocol == "all" for p in ports):
        return [PortRange("all")]
    merged: list[PortRange] = []
    if any(p.protocol == "icmp" for p in ports):
        merged.append(PortRange("icmp"))
    for proto in ("tcp", "udp"):
        spans = sorted((p.from_port, p.to_port) for p in ports if p.protocol == proto)
        current: list[int] | None = None
        for lo, hi in spans:
            if current is not None and lo <= current[1] + 1:
                current[1] = max(current[1], hi)
                continue
            if current is not None:
                merged.append(PortRange(proto, current[0], current[1]))
            current = [lo, hi]
        if current is not None:
            merged.append(PortRange(proto, current[0], current[1]))
    return merged
