"""Effective access at the workload: does a packet between two interfaces pass every group and
list on its way, and does that match the policy?

In: a scope's ``AccessModel`` (workload interfaces with their ``RuleSet``s, owned or not), the
segments' ``Member``s, and per ordered pair of segments the probes the policy allows (a probe
is a protocol and one port). Out: ``Violation``s with a finding: ``open beyond policy`` (a probe
no rule allows passes; names the group and rule that admit it at the destination) or ``blocked
but allowed`` (a probe a rule allows is stopped; names the rule set, and the rule if one denies).
Always: pure. A packet passes the source's rule sets outbound, then the destination's inbound;
a stateless set (a subnet's list) also judges the reply, sent to ``EPHEMERAL``. Identical
findings are counted once.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

from orchestrator.paths.check import (
    Expect,
    Finding,
    Member,
    PairResult,
    ScopeReport,
    Violation,
    first_host,
)
from orchestrator.state.access import AccessModel, Combine, EffectiveRule, RuleSet, Workload
from orchestrator.state.addresses import within

# The reply's port through a stateless list: clients pick from 32768-60999 (Linux) or
# 49152-65535 (Windows, IANA); one port inside both stands for them.
EPHEMERAL = 49152


@dataclass(frozen=True, slots=True, order=True)
class Probe:
    protocol: str  # "tcp", "udp" or "icmp"
    port: int = 0

    def __str__(self) -> str:
        return self.protocol if self.protocol == "icmp" else f"{self.protocol}/{self.port}"


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    rule_set: str
    by: EffectiveRule | None = None  # the deciding rule; None: nothing matched


def decide(rule_set: RuleSet, ingress: bool, peer: str, probe: Probe) -> Verdict:
    """How ``rule_set`` treats a packet in one direction from or to ``peer``."""
    hits = [r for r in rule_set.rules if r.ingress == ingress and _matches(r, peer, probe)]
    if rule_set.combine is Combine.ANY_ALLOW:
        hits = sorted((r for r in hits if r.allow), key=lambda r: (r.group, r.rule))
        return Verdict(bool(hits), rule_set.name, hits[0] if hits else None)
    if not hits:
        return Verdict(False, rule_set.name)
    top = min(r.priority for r in hits)
    first = [r for r in hits if r.priority == top]
    if rule_set.combine is Combine.PRIORITY_DENY_TIES:
        first = sorted(first, key=lambda r: r.allow)  # a deny first: it wins the tie
    return Verdict(first[0].allow, rule_set.name, first[0])


def _matches(rule: EffectiveRule, peer: str, probe: Probe) -> bool:
    if rule.protocol not in ("all", probe.protocol):
        return False
    in_range = rule.from_port <= probe.port <= rule.to_port
    if rule.protocol in ("tcp", "udp") and not in_range:
        return False
    address = ipaddress.ip_address(peer)
    return any(address in ipaddress.ip_network(p, strict=False) for p in rule.peers)


def flow(src: Workload, dst: Workload, probe: Probe) -> tuple[bool, list[Verdict]]:
    """Whether ``probe`` from ``src`` to ``dst`` (and its reply through stateless sets) passes;
    every verdict that blocks it, else the destination's inbound verdicts that admit it."""
    reply = Probe(probe.protocol, EPHEMERAL)
    steps = [(rs, False, dst.address, probe) for rs in src.rule_sets]
    steps += [(rs, True, src.address, probe) for rs in dst.rule_sets]
    steps += [(rs, False, src.address, reply) for rs in dst.rule_sets if not rs.stateful]
    steps += [(rs, True, dst.address, reply) for rs in src.rule_sets if not rs.stateful]
    verdicts = [decide(rs, ingress, peer, packet) for rs, ingress, peer, packet in steps]
    blocked = [v for v in verdicts if not v.allowed]
    if blocked:
        return False, blocked
    # What opens it: the destination's inbound verdicts on the packet itself, its groups first
    # (a subnet list that lets everything pass is named only when no group decided).
    start = len(src.rule_sets)
    inbound = list(zip(dst.rule_sets, verdicts[start : start + len(dst.rule_sets)], strict=True))
    groups = [v for rs, v in inbound if rs.stateful and v.by is not None]
    return True, groups or [v for _, v in inbound if v.by is not None]


def check_access(
    model: AccessModel,
    members: Sequence[Member],
    probes: Sequence[Probe],
    allowed: Mapping[tuple[str, str], Sequence[Probe]],
    expected: Mapping[tuple[str, str], Expect],
) -> dict[tuple[str, str], tuple[Violation, ...]]:
    """Per ordered pair of segments with workloads here, what the groups and lists get wrong.
    A member network without a workload interface is judged per member subnet, on the sets
    of the subnet (``stand_ins``)."""
    placed, unjudged = _everyone(model, members)
    segments = sorted(placed)
    found: dict[tuple[str, str], tuple[Violation, ...]] = {}
    for a in segments:
        for b in segments:
            if a == b:
                continue
            pair = (a, b)
            kind = expected.get(pair, Expect.DENIED)
            wanted = set(allowed.get(pair, ()))
            seen: dict[tuple[str, str], Violation] = {}
            for v in _pair(placed[a], placed[b], probes, wanted, (a, b, kind), unjudged=unjudged):
                key = (v.problem, v.wrong_hop)
                old = seen.get(key)
                seen[key] = v if old is None else _counted(old)
            found[pair] = tuple(seen.values())
    return found


def _everyone(
    model: AccessModel, members: Sequence[Member]
) -> tuple[dict[str, list[Workload]], set[str]]:
    """Segment → its workloads and stand-ins; the stand-ins whose passing proves nothing
    (where a subnet's sets do not decide alone, groups on the interface would too)."""
    placed = _placed(model.workloads, members)
    standing = stand_ins(model, members, placed)
    for segment, extra in standing.items():
        placed.setdefault(segment, []).extend(extra)
    unjudged = set() if model.subnets_decide else {w.id for ws in standing.values() for w in ws}
    return placed, unjudged


def _pair(
    sources: Sequence[Workload],
    targets: Sequence[Workload],
    probes: Sequence[Probe],
    wanted: set[Probe],
    pair: tuple[str, str, Expect],
    *,
    unjudged: set[str],
) -> Iterator[Violation]:
    for probe in probes:
        for src in sources:
            for dst in targets:
                passes, verdicts = flow(src, dst, probe)
                if passes == (probe in wanted):
                    continue
                if passes and {src.id, dst.id} & unjudged:
                    continue
                yield _violation(pair, probe, (src, dst), passes, verdicts)


def _violation(
    pair: tuple[str, str, Expect],
    probe: Probe,
    ends: tuple[Workload, Workload],
    passes: bool,
    verdicts: Sequence[Verdict],
) -> Violation:
    src, dst = ends
    named = "; ".join(_name(v) for v in verdicts) or "nothing (no rule set on either end)"
    if passes:
        problem = f"{probe} reaches the workloads, but no rule allows it: opened by {named}"
        finding = Finding.OPEN
    else:
        problem = f"{probe} is allowed by the policy, but blocked: {named}"
        finding = Finding.BLOCKED
    example = f"{src.id} ({src.address}) → {dst.id} ({dst.address})"
    where = verdicts[0].rule_set if verdicts else ""
    return Violation(pair[0], pair[1], pair[2], problem, where, (), example, 1, finding)


def _name(v: Verdict) -> str:
    return v.by.describe() if v.by is not None else f"{v.rule_set} (no rule admits it)"


def _counted(v: Violation) -> Violation:
    return replace(v, count=v.count + 1)


def _placed(workloads: Sequence[Workload], members: Sequence[Member]) -> dict[str, list[Workload]]:
    """Segment → its workloads: an interface belongs where its network and address are."""
    placed: dict[str, list[Workload]] = {}
    for w in workloads:
        for m in members:
            if m.network == w.network and within(f"{w.address}/32", m.cidrs):
                placed.setdefault(m.segment, []).append(w)
                break
    return placed


def stand_ins(
    model: AccessModel, members: Sequence[Member], placed: Mapping[str, Sequence[Workload]]
) -> dict[str, list[Workload]]:
    """Segment → one stand-in per member subnet of each member network holding none of its
    workloads: at the subnet's first host, with the subnet's sets (no interface, no group)."""
    found: dict[str, list[Workload]] = {}
    for m in members:
        if any(w.network == m.network for w in placed.get(m.segment, ())):
            continue
        for s in model.subnets:
            if s.network == m.network and within(s.cidr, m.cidrs):
                stand_in = Workload(f"{s.id} (no interface)", s.network, s.id,
                                    first_host(s.cidr), s.rule_sets)  # fmt: skip
                found.setdefault(m.segment, []).append(stand_in)
    return found


def merge_access(
    report: ScopeReport,
    found: Mapping[tuple[str, str], Sequence[Violation]],
    expected: Mapping[tuple[str, str], Expect],
) -> ScopeReport:
    """``report``'s pairs with the access violations added (pairs only access found, added)."""
    pairs = {(p.source, p.destination): p for p in report.pairs}
    for key, violations in sorted(found.items()):
        old = pairs.get(key) or PairResult(*key, expected.get(key, Expect.DENIED), 0)
        pairs[key] = replace(old, violations=(*old.violations, *violations))
    return ScopeReport(report.scope, tuple(pairs[k] for k in sorted(pairs)))
