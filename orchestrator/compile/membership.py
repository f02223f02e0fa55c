"""Segment membership: which networks (and which of their addresses) belong to each segment."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass

from orchestrator.diagnostics import EXTERNAL_OVERLAP, Diagnostic, error, warning
from orchestrator.model.policy import Member, Policy
from orchestrator.state import Network, Scope, ScopeInventory

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


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

    def of(self, segment: str) -> tuple[Placement, ...]:
        return tuple(p for p in self.placements if p.segment == segment)


def member_scope(policy: Policy, member: Member) -> Scope:
    account = policy.account(member.account)
    ident = account.subscription_id if account.cloud == "azure" else account.account_id
    return Scope(account.cloud, ident, member.region)


def resolve_membership(policy: Policy, inventory: Mapping[Scope, ScopeInventory]) -> Membership:
    placements: list[Placement] = []
    diags: list[Diagnostic] = []
    for s_index, segment in enumerate(policy.segments):
        for m_index, member in enumerate(segment.members):
            path = f"segments[{s_index}].members[{m_index}]"
            found, problems = _place(policy, segment.name, member, inventory, path)
            placements.extend(found)
            diags.extend(problems)
    diags.extend(_overlaps(placements))
    diags.extend(_external_overlaps(policy, placements))
    cidrs = {s.name: _segment_cidrs(s.name, placements, s.cidrs) for s in policy.segments}
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


def _place(
    policy: Policy,
    segment: str,
    member: Member,
    inventory: Mapping[Scope, ScopeInventory],
    path: str,
) -> tuple[list[Placement], list[Diagnostic]]:
    scope = member_scope(policy, member)
    inv = inventory.get(scope)
    if inv is None:
        return [], [error(f"no inventory was read for {scope}", path=path)]
    if member.tags is not None:
        wanted = member.tags.items()
        nets = [n for n in inv.networks if wanted <= n.tags.items()]
        return [Placement(segment, scope, n.id, n.cidrs, path) for n in nets], []
    network_id = member.vpc or member.vnet or ""
    field = "vpc" if member.vpc else "vnet"
    net = inv.network(network_id)
    if net is None:
        return [], [error(f"{network_id} was not found in {scope}", path=f"{path}.{field}")]
    if member.subnets is None:
        return [Placement(segment, scope, net.id, net.cidrs, path)], []
    return _place_subnets(segment, net, inv, member.subnets, path)


def _place_subnets(
    segment: str,
    net: Network,
    inv: ScopeInventory,
    subnet_ids: list[str],
    path: str,
) -> tuple[list[Placement], list[Diagnostic]]:
    scope = inv.scope
    by_id = {s.id: s for s in inv.subnets_of(net.id)}
    diags = [
        error(f"subnet {sid} is not in {net.id} ({scope})", path=f"{path}.subnets[{i}]")
        for i, sid in enumerate(subnet_ids)
        if sid not in by_id
    ]
    cidrs = tuple(c for sid in subnet_ids if sid in by_id for c in by_id[sid].cidrs)
    return [Placement(segment, scope, net.id, cidrs, path)], diags


def _overlaps(placements: list[Placement]) -> list[Diagnostic]:
    """Two segments sharing addresses in one scope cannot be told apart by routing or rules."""
    diags: list[Diagnostic] = []
    for i, a in enumerate(placements):
        for b in placements[i + 1 :]:
            if a.scope != b.scope or a.segment == b.segment:
                continue
            clash = _first_overlap(a.cidrs, b.cidrs)
            if clash is not None:
                diags.append(
                    error(
                        f"segments {a.segment!r} and {b.segment!r} overlap in {a.scope}: "
                        f"{clash[0]} ({a.network}) and {clash[1]} ({b.network})",
                        path=b.path,
                        detail="a network (or subnet) can belong to one segment only",
                    )
                )
    return diags


def _external_overlaps(policy: Policy, placements: list[Placement]) -> list[Diagnostic]:
    """A segment's declared CIDRs that cover another segment's networks: every rule from it
    then reaches them too, which the policy does not say (docs/policy.md, "Strict")."""
    diags: list[Diagnostic] = []
    for s_index, segment in enumerate(policy.segments):
        for c_index, declared in enumerate(segment.cidrs):
            hit = next(
                (p for p in placements if p.segment != segment.name and _covers(declared, p)), None
            )
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


def _covers(declared: IPNetwork, placement: Placement) -> bool:
    nets = (ipaddress.ip_network(c) for c in placement.cidrs)
    return any(n.version == declared.version and n.overlaps(declared) for n in nets)


def _first_overlap(left: tuple[str, ...], right: tuple[str, ...]) -> tuple[str, str] | None:
    for x in left:
        for y in right:
            nx, ny = ipaddress.ip_network(x), ipaddress.ip_network(y)
            if nx.version == ny.version and nx.overlaps(ny):
                return x, y
    return None


def _segment_cidrs(
    segment: str, placements: list[Placement], declared: list[IPNetwork]
) -> tuple[str, ...]:
    nets: list[IPNetwork] = [
        ipaddress.ip_network(c) for p in placements if p.segment == segment for c in p.cidrs
    ]
    nets.extend(declared)
    # IPv6 is not compiled yet (the loader warns); an address set holds one family only.
    v4 = [n for n in nets if isinstance(n, ipaddress.IPv4Network)]
    # Aggregation keeps address sets (and so rule quotas) small: adjacent blocks collapse.
    return tuple(n.with_prefixlen for n in ipaddress.collapse_addresses(v4))
