"""Segment membership: which networks (and which of their addresses) belong to each segment."""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from orchestrator.diagnostics import EXTERNAL_OVERLAP, Diagnostic, error, warning
from orchestrator.model.policy import Member, Policy
from orchestrator.state import Network, Scope, ScopeInventory, Subnet

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
K = TypeVar("K")


@dataclass(frozen=True, slots=True)
class Placement:
    """A segment present in one network of one scope, with the addresses it holds there."""

    segment: str
    scope: Scope
    network: str
    cidrs: tuple[str, ...]
    path: str


@dataclass(frozen=True, slots=True)
class Membership:
    placements: tuple[Placement, ...]
    cidrs: Mapping[str, tuple[str, ...]]  # segment → aggregated CIDRs, all clouds
    diagnostics: tuple[Diagnostic, ...]
    # Compile asks for a segment's placements once per flow, and each reconciler tick's
    # access check for its own scope's (issue 13): indexed, not searched.
    _index: Mapping[str, tuple[Placement, ...]] = field(init=False, repr=False, compare=False)
    _scopes: Mapping[Scope, tuple[Placement, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", _by_segment(self.placements))
        object.__setattr__(self, "_scopes", _grouped(self.placements, lambda p: p.scope))

    def of(self, segment: str) -> tuple[Placement, ...]:
        return self._index.get(segment, ())

    def in_scope(self, scope: Scope) -> tuple[Placement, ...]:
        """The placements in ``scope``, in placement order."""
        return self._scopes.get(scope, ())


def member_scope(policy: Policy, member: Member) -> Scope:
    account = policy.account(member.account)
    ident = account.subscription_id if account.cloud == "azure" else account.account_id
    return Scope(account.cloud, ident, member.region)


def resolve_membership(policy: Policy, inventory: Mapping[Scope, ScopeInventory]) -> Membership:
    placements: list[Placement] = []
    diags: list[Diagnostic] = []
    directories = {scope: _Directory(inv) for scope, inv in inventory.items()}
    for s_index, segment in enumerate(policy.segments):
        for m_index, member in enumerate(segment.members):
            path = f"segments[{s_index}].members[{m_index}]"
            found, problems = _place(policy, segment.name, member, directories, path)
            placements.extend(found)
            diags.extend(problems)
    parsed = _parse(placements)
    diags.extend(_overlaps(placements, parsed))
    diags.extend(_external_overlaps(policy, placements, parsed))
    by_segment = _by_segment(placements)
    cidrs = {s.name: _segment_cidrs(by_segment.get(s.name, ()), s.cidrs) for s in policy.segments}
    for s_index, segment in enumerate(policy.segments):
        if not cidrs[segment.name]:
            diags.append(
                warning(
                    f"segment {segment.name!r} has no addresses: its members matched nothing",
                    path=f"segments[{s_index}]",
                    detail="rules to and from it compile to nothing until a network matches",
                )
            )
    return Membership(tuple(placements), cidrs, tuple(diags))


class _Directory:
    """One scope's inventory indexed by network id, tag and network of each subnet: a
    thousand members looking up their VPCs among thousands cost a dict look-up each."""

    def __init__(self, inv: ScopeInventory) -> None:
        self.inv = inv
        self.networks = {n.id: n for n in reversed(inv.networks)}  # the first of an id wins
        self.tagged: dict[tuple[str, str], list[Network]] = defaultdict(list)
        for net in inv.networks:
            for item in net.tags.items():
                self.tagged[item].append(net)
        self.subnets: dict[str, list[Subnet]] = defaultdict(list)
        for subnet in inv.subnets:
            self.subnets[subnet.network].append(subnet)

    def with_tags(self, wanted: Mapping[str, str]) -> list[Network]:
        candidates = self.tagged.get(next(iter(wanted.items())), []) if wanted else None
        nets = self.inv.networks if candidates is None else candidates
        return [n for n in nets if wanted.items() <= n.tags.items()]


def _place(
    policy: Policy,
    segment: str,
    member: Member,
    directories: Mapping[Scope, _Directory],
    path: str,
) -> tuple[list[Placement], list[Diagnostic]]:
    scope = member_scope(policy, member)
    directory = directories.get(scope)
    if directory is None:
        return [], [error(f"no inventory was read for {scope}", path=path)]
    if member.tags is not None:
        nets = directory.with_tags(member.tags)
        return [Placement(segment, scope, n.id, n.cidrs, path) for n in nets], []
    network_id = member.vpc or member.vnet or ""
    attr = "vpc" if member.vpc else "vnet"
    net = directory.networks.get(network_id)
    if net is None:
        return [], [error(f"{network_id} was not found in {scope}", path=f"{path}.{attr}")]
    if member.subnets is None:
        return [Placement(segment, scope, net.id, net.cidrs, path)], []
    return _place_subnets(segment, net, directory, member.subnets, path)


def _place_subnets(
    segment: str,
    net: Network,
    directory: _Directory,
    subnet_ids: list[str],
    path: str,
) -> tuple[list[Placement], list[Diagnostic]]:
    scope = directory.inv.scope
    by_id = {s.id: s for s in directory.subnets.get(net.id, [])}
    diags = [
        error(f"subnet {sid} is not in {net.id} ({scope})", path=f"{path}.subnets[{i}]")
        for i, sid in enumerate(subnet_ids)
        if sid not in by_id
    ]
    cidrs = tuple(c for sid in subnet_ids if sid in by_id for c in by_id[sid].cidrs)
    return [Placement(segment, scope, net.id, cidrs, path)], diags


def _overlaps(placements: list[Placement], parsed: list[_Parsed]) -> list[Diagnostic]:
    """Two segments sharing addresses in one scope cannot be told apart by routing or rules."""
    diags: list[Diagnostic] = []
    for (i, j), (x, y) in sorted(_clashes(placements, parsed).items()):
        a, b = placements[i], placements[j]
        diags.append(
            error(
                f"segments {a.segment!r} and {b.segment!r} overlap in {a.scope}: "
                f"{a.cidrs[x]} ({a.network}) and {b.cidrs[y]} ({b.network})",
                path=b.path,
                detail="a network (or subnet) can belong to one segment only",
            )
        )
    return diags


# One CIDR of one placement as an address interval: (version, first, last, placement, index).
_Parsed = tuple[int, int, int, int, int]


def _parse(placements: list[Placement]) -> list[_Parsed]:
    """Each CIDR parsed once: the overlap checks then compare integers."""
    parsed: list[_Parsed] = []
    for p_index, placement in enumerate(placements):
        for c_index, cidr in enumerate(placement.cidrs):
            net = ipaddress.ip_network(cidr)
            first = int(net.network_address)
            parsed.append((net.version, first, first + net.num_addresses - 1, p_index, c_index))
    return parsed


def _clashes(
    placements: list[Placement], parsed: list[_Parsed]
) -> dict[tuple[int, int], tuple[int, int]]:
    """(earlier placement, later placement) → the first pair of their CIDRs that overlap, in
    the order of each one's CIDRs, for placements of different segments in one scope.

    CIDR blocks either nest or are disjoint, so a sweep in address order (larger block first
    at equal start) keeps a stack of the blocks containing the current one: every overlap is
    found in O(n log n) plus the overlaps themselves, instead of comparing every pair."""
    found: dict[tuple[int, int], tuple[int, int]] = {}
    groups: dict[tuple[Scope, int], list[_Parsed]] = defaultdict(list)
    for item in parsed:
        groups[(placements[item[3]].scope, item[0])].append(item)
    for items in groups.values():
        items.sort(key=lambda it: (it[1], -it[2], it[3], it[4]))
        open_blocks: list[_Parsed] = []
        for item in items:
            while open_blocks and open_blocks[-1][2] < item[1]:
                open_blocks.pop()
            for outer in open_blocks:
                _record(found, placements, outer, item)
            open_blocks.append(item)
    return found


def _record(
    found: dict[tuple[int, int], tuple[int, int]],
    placements: list[Placement],
    one: _Parsed,
    other: _Parsed,
) -> None:
    if placements[one[3]].segment == placements[other[3]].segment:
        return
    a, b = (one, other) if one[3] < other[3] else (other, one)
    pair, cidrs = (a[3], b[3]), (a[4], b[4])
    if pair not in found or cidrs < found[pair]:
        found[pair] = cidrs


def _external_overlaps(
    policy: Policy, placements: list[Placement], parsed: list[_Parsed]
) -> list[Diagnostic]:
    """A segment's declared CIDRs that cover another segment's networks: every rule from it
    then reaches them too, which the policy does not say (docs/policy.md, "Strict")."""
    diags: list[Diagnostic] = []
    for s_index, segment in enumerate(policy.segments):
        for c_index, declared in enumerate(segment.cidrs):
            hit = _first_covered(declared, segment.name, placements, parsed)
            if hit is None:
                continue
            summary = (
                f"{declared} of segment {segment.name!r} overlaps {hit.network} of segment "
                f"{hit.segment!r} in {hit.scope}: whatever is allowed from {segment.name!r} "
                f"is also allowed from those addresses"
            )
            path = f"segments[{s_index}].cidrs[{c_index}]"
            diags.append(warning(summary, path=path, code=EXTERNAL_OVERLAP))
    return diags


def _first_covered(
    declared: IPNetwork, segment: str, placements: list[Placement], parsed: list[_Parsed]
) -> Placement | None:
    """The first placement (in placement order) of another segment overlapping ``declared``;
    ``parsed`` is in placement order, so the first hit is it."""
    first = int(declared.network_address)
    last = first + declared.num_addresses - 1
    for version, start, end, p_index, _ in parsed:
        overlapping = version == declared.version and start <= last and first <= end
        if overlapping and placements[p_index].segment != segment:
            return placements[p_index]
    return None


def _by_segment(placements: Iterable[Placement]) -> dict[str, tuple[Placement, ...]]:
    return _grouped(placements, lambda p: p.segment)


def _grouped(
    placements: Iterable[Placement], key: Callable[[Placement], K]
) -> dict[K, tuple[Placement, ...]]:
    grouped: dict[K, list[Placement]] = defaultdict(list)
    for placement in placements:
        grouped[key(placement)].append(placement)
    return {k: tuple(found) for k, found in grouped.items()}


def _segment_cidrs(placements: Iterable[Placement], declared: list[IPNetwork]) -> tuple[str, ...]:
    nets: list[IPNetwork] = [ipaddress.ip_network(c) for p in placements for c in p.cidrs]
    nets.extend(declared)
    # IPv6 is not compiled yet (the loader warns); an address set holds one family only.
    v4 = [n for n in nets if isinstance(n, ipaddress.IPv4Network)]
    # Aggregation keeps address sets (and so rule quotas) small: adjacent blocks collapse.
    return tuple(n.with_prefixlen for n in ipaddress.collapse_addresses(v4))
