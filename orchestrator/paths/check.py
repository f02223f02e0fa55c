"""Comparing walked paths with what the policy expects of each ordered pair of segments.

In: a scope's ``RoutingModel``, the segments' ``Member``s in it (network and addresses), the
expectation of each ordered pair (``Expect``; a pair absent is ``DENIED``) and the firewall next
hops. Out: a ``ScopeReport``: per pair the number of walks and the ``Violation``s, each naming
the tables the path went through, the hop where it went wrong and its ``Finding``. An
inspected pair is also walked both ways per pair of subnets: a return through another firewall
than the way out is ``asymmetric``.
Always: pure. A walk starts in every member subnet of the source segment (subnets that host a
transit attachment are infrastructure and excluded, unless the network has no other) and goes
to one address per member subnet (or, in a network without one, per address block) of the
destination segment. Identical
violations (same pair, problem and tables) are reported once, with a count.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum

from orchestrator.paths.walk import Outcome, Path, walk
from orchestrator.state import RoutingModel, Scope, SubnetPlace
from orchestrator.state.addresses import within


class Finding(StrEnum):
    """What kind of wrong a violation is, for people and for ``--json`` consumers."""

    OPEN = "open beyond policy"  # a path (or a group rule) the policy does not allow
    BLOCKED = "blocked but allowed"  # an allowed flow that does not arrive
    UNINSPECTED = "uninspected"  # an inspected pair that arrives without a firewall
    ASYMMETRIC = "asymmetric"  # out through one firewall, back through another


class Expect(StrEnum):
    DENIED = "denied"  # no rule: no route at all
    DIRECT = "direct"  # a rule: routes both ways
    INSPECTED = "inspected"  # an inspected rule: both ways through a firewall


@dataclass(frozen=True, slots=True)
class Member:
    """A segment's addresses in one network of the scope."""

    segment: str
    network: str
    cidrs: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Violation:
    source: str  # segment
    destination: str  # segment
    expected: Expect
    problem: str
    wrong_hop: str  # the table where the path went wrong
    tables: tuple[str, ...]  # every table the path went through, in order
    example: str  # "subnet → address"
    count: int = 1
    finding: Finding = Finding.OPEN


@dataclass(frozen=True, slots=True)
class PairResult:
    source: str
    destination: str
    expected: Expect
    walks: int
    violations: tuple[Violation, ...] = ()


@dataclass(frozen=True, slots=True)
class ScopeReport:
    scope: Scope
    pairs: tuple[PairResult, ...]

    @property
    def ok(self) -> bool:
        return all(not p.violations for p in self.pairs)


def check_scope(
    model: RoutingModel,
    members: Sequence[Member],
    expected: Mapping[tuple[str, str], Expect],
    firewalls: frozenset[str],
    *,
    hub_keeps_flows: bool = False,
) -> ScopeReport:
    """Every ordered pair of distinct segments with members here, walked and judged;
    ``hub_keeps_flows``: the hub itself returns a flow through the firewall it went out by
    (AWS appliance mode), so routes that could take either are not asymmetric."""
    segments = sorted({m.segment for m in members})
    pairs = tuple(
        _check_pair(
            model,
            members,
            (a, b),
            expected.get((a, b), Expect.DENIED),
            (firewalls, not hub_keeps_flows),
        )
        for a in segments
        for b in segments
        if a != b
    )
    return ScopeReport(model.scope, pairs)


def _check_pair(
    model: RoutingModel,
    members: Sequence[Member],
    pair: tuple[str, str],
    expect: Expect,
    inspection: tuple[frozenset[str], bool],  # the firewalls; whether to judge symmetry
) -> PairResult:
    firewalls, symmetry = inspection
    sources = _sources(model, [m for m in members if m.segment == pair[0]])
    targets = _targets(model, [m for m in members if m.segment == pair[1]])
    found: dict[tuple[str, tuple[str, ...]], Violation] = {}
    walks = 0
    for source in sources:
        for address, network in targets:
            for path in walk(model, source, address, firewalls):
                walks += 1
                violation = _judge(path, network, pair, expect)
                if violation is not None:
                    _count(found, violation)
    if expect is Expect.INSPECTED and symmetry:
        ends = (_places(model, members, pair[0]), _places(model, members, pair[1]))
        for violation in _asymmetries(model, ends, pair, firewalls):
            _count(found, violation)
    return PairResult(pair[0], pair[1], expect, walks, tuple(found.values()))


def _places(model: RoutingModel, members: Sequence[Member], segment: str) -> list[SubnetPlace]:
    found = (s for m in members if m.segment == segment for s in _member_subnets(model, m))
    return sorted(found, key=lambda s: s.id)


def _count(found: dict[tuple[str, tuple[str, ...]], Violation], new: Violation) -> None:
    key = (new.problem, new.tables)
    old = found.get(key)
    found[key] = new if old is None else _with_count(old, old.count + 1)


def _with_count(v: Violation, count: int) -> Violation:
    return replace(v, count=count)


def _judge(path: Path, network: str, pair: tuple[str, str], expect: Expect) -> Violation | None:
    """None when the path is what ``expect`` wants, else the violation it shows."""
    arrived = path.outcome is Outcome.ARRIVED and path.network == network
    problem, hop, finding = "", "", Finding.OPEN
    if expect is Expect.DENIED and arrived:
        problem, hop = f"routed to {network}, but no rule allows it", _first_transit(path)
    elif expect is not Expect.DENIED and not arrived:
        problem, hop, finding = _failure(path, network), _last(path), Finding.BLOCKED
    elif expect is Expect.INSPECTED and arrived and not path.firewalls:
        problem, hop = f"reaches {network} without crossing a firewall", _first_transit(path)
        finding = Finding.UNINSPECTED
    if not problem:
        return None
    example = f"{path.source} → {path.address}"
    return Violation(pair[0], pair[1], expect, problem, hop, path.tables(), example, 1, finding)


def _asymmetries(
    model: RoutingModel,
    ends: tuple[list[SubnetPlace], list[SubnetPlace]],
    pair: tuple[str, str],
    firewalls: frozenset[str],
) -> Iterator[Violation]:
    """An inspected pair whose return crosses another firewall than its way out: a stateful
    firewall sees half of each connection and drops (or half-inspects) it. A side crossing no
    firewall, or not arriving, is ``_judge``'s to report."""
    for s in ends[0]:
        for t in ends[1]:
            out = walk(model, s.id, first_host(t.cidr), firewalls)
            back = walk(model, t.id, first_host(s.cidr), firewalls)
            went, came = _crossed(out), _crossed(back)
            if not went or not came or (went == came and len(went) == 1):
                continue
            problem = f"out through {', '.join(went)}, back through {', '.join(came)}"
            odd = next(
                (h.table for p in back for h in p.hops if _names(h.next_hop, came, went)), ""
            )
            tables = tuple(h.table for p in (*out, *back) for h in p.hops)
            yield Violation(
                *pair,
                Expect.INSPECTED,
                problem,
                odd,
                tables,
                f"{s.id} ↔ {t.id}",
                1,
                Finding.ASYMMETRIC,
            )


def _crossed(paths: Sequence[Path]) -> tuple[str, ...]:
    return tuple(sorted({fw for p in paths for fw in p.firewalls}))


def _names(next_hop: str, came: Sequence[str], went: Sequence[str]) -> bool:
    """Whether a hop's next hop is a firewall of the return that the way out did not cross."""
    return any(next_hop.endswith(fw) for fw in came if fw not in went)


def _failure(path: Path, network: str) -> str:
    if path.outcome is Outcome.ARRIVED:
        return f"arrives in {path.network}, not {network}"
    last = path.hops[-1] if path.hops else None
    detail = f" ({last.next_hop})" if last is not None and last.next_hop else ""
    return f"{path.outcome}{detail} before reaching {network}"


def _first_transit(path: Path) -> str:
    return next((h.table for h in path.hops if h.transit), _last(path))


def _last(path: Path) -> str:
    return path.hops[-1].table if path.hops else path.source


def _sources(model: RoutingModel, members: Sequence[Member]) -> list[str]:
    return sorted(s.id for m in members for s in _member_subnets(model, m))


def _targets(model: RoutingModel, members: Sequence[Member]) -> list[tuple[str, str]]:
    """(representative address, network) per destination subnet or, failing that, block."""
    found: list[tuple[str, str]] = []
    for m in members:
        cidrs = sorted(s.cidr for s in _member_subnets(model, m)) or list(m.cidrs)
        found.extend((first_host(c), m.network) for c in cidrs)
    return found


def _member_subnets(model: RoutingModel, member: Member) -> list[SubnetPlace]:
    """The member's subnets, without those hosting a transit attachment, unless the network
    has no others (then workloads live in them)."""
    inside = [
        s
        for s in model.subnets.values()
        if s.network == member.network and within(s.cidr, member.cidrs)
    ]
    infra = model.transit_subnets()
    return [s for s in inside if s.id not in infra] or inside


def first_host(cidr: str) -> str:
    net = ipaddress.ip_network(cidr, strict=False)
    # The network address itself is not a host; a /32 has nothing else.
    return str(net.network_address + 1 if net.num_addresses > 1 else net.network_address)
