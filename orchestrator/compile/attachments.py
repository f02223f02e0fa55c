"""Attachments: each segment's group on the network interfaces of its members.

In: the policy, the resolved membership and the interfaces each scope's inventory read. Out: a
``GroupAttachment`` per in-scope interface, and diagnostics: a segment with ``attach: none``
is said to be unenforced at the workload (never silence), a cloud whose interfaces were not read
is said to attach nothing, and an interface that would carry more groups than its cloud allows
is an error naming it (DESIGN.md rule 5: never discovered at apply).
Always: interfaces of an excluded kind, of a hub's inspection network or named as a firewall
next hop are never attached.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from orchestrator.compile.membership import IPNetwork, Membership, Placement
from orchestrator.diagnostics import Diagnostic, error, warning
from orchestrator.model.policy import Policy, Segment
from orchestrator.state import (
    GroupAttachment,
    Interface,
    Resource,
    Scope,
    ScopeInventory,
    Subnet,
)
from orchestrator.state.attachments import Mode, attachment_key
from orchestrator.state.resources import group_key

# Clouds whose groups go on interfaces. Azure enforces on the subnet (its NSG), not here.
ATTACHING_CLOUDS = frozenset({"aws", "alibaba"})
# Security groups per network interface (AWS default 5, Alibaba ENI 5).
MAX_GROUPS_PER_INTERFACE = {"aws": 5, "alibaba": 5}
# AWS: rules per group times groups per interface may not exceed 1,000.
AWS_RULES_TIMES_GROUPS = 1000
_AWS_RULES_PER_GROUP = 60


@dataclass(frozen=True, slots=True)
class _Context:
    policy: Policy
    inventory: Mapping[Scope, ScopeInventory]
    firewalls: frozenset[str]  # hub inspection networks and firewall next hops


@dataclass(frozen=True, slots=True)
class _Job:
    """One segment's placement to attach, and where the segment is in the policy."""

    segment: Segment
    mode: Mode
    placement: Placement
    path: str


def compile_attachments(
    policy: Policy, membership: Membership, inventory: Mapping[Scope, ScopeInventory]
) -> tuple[dict[Scope, dict[str, Resource]], list[Diagnostic]]:
    ctx = _Context(policy, inventory, _firewalls(policy))
    found: dict[Scope, dict[str, Resource]] = {}
    diags: list[Diagnostic] = []
    for index, segment in enumerate(policy.segments):
        mode = policy.attach_mode(segment)
        path = f"segments[{index}]"
        if mode == "none":
            diags.extend(_unenforced(segment, path))
            continue
        for placement in membership.of(segment.name):
            atts, problems = _attach(ctx, _Job(segment, mode, placement, path))
            diags.extend(problems)
            for att in atts:
                found.setdefault(att.scope, {})[att.key] = att
    return found, diags


def _unenforced(segment: Segment, path: str) -> Iterator[Diagnostic]:
    if segment.members:
        yield warning(
            f"segment {segment.name!r} has attach: none: eastwest attaches its groups to no "
            "interface, so nothing it compiles for this segment is enforced at the workload",
            path=f"{path}.attach" if segment.attach is not None else path,
            detail="attach the groups with your own tooling, or set attach: add",
        )


def _attach(ctx: _Context, job: _Job) -> tuple[list[GroupAttachment], list[Diagnostic]]:
    scope, network = job.placement.scope, job.placement.network
    if scope.cloud not in ATTACHING_CLOUDS:
        return [], []
    inv = ctx.inventory.get(scope)
    if inv is None or inv.interfaces is None:
        return [], [_not_read(job)]
    excluded = ctx.policy.attach_excluded(job.segment)
    group = group_key(scope, job.segment.name, network)
    found: list[GroupAttachment] = []
    diags: list[Diagnostic] = []
    for iface in _in_placement(inv, job.placement):
        kind = "firewall" if _is_firewall(ctx, iface) else iface.kind
        if kind in excluded:
            continue
        diags.extend(_quota(ctx.policy, job, iface))
        key = attachment_key(scope, iface.id)
        found.append(GroupAttachment(key, scope, iface.id, iface.network, group, job.mode))
    return found, diags


def _not_read(job: _Job) -> Diagnostic:
    placement = job.placement
    return warning(
        f"the interfaces of {placement.network} ({placement.scope}) are not read by this "
        f"version: segment {job.segment.name!r}'s group is attached to nothing there",
        path=job.path,
        detail="nothing is enforced at those workloads until their interfaces carry the group",
    )


def _in_placement(inv: ScopeInventory, placement: Placement) -> Iterator[Interface]:
    """The interfaces of the placement's network; of its subnets when the member names some
    (a narrowed placement holds exactly its subnets' addresses)."""
    subnets = {s.id: s for s in inv.subnets_of(placement.network)}
    network = inv.network(placement.network)
    whole = {ipaddress.ip_network(c) for c in (network.cidrs if network else ())}
    held = {ipaddress.ip_network(c) for c in placement.cidrs}
    for iface in sorted(inv.interfaces or (), key=lambda i: i.id):
        if iface.network != placement.network:
            continue
        if held == whole or _subnet_held(subnets.get(iface.subnet), held):
            yield iface


def _subnet_held(subnet: Subnet | None, held: set[IPNetwork]) -> bool:
    nets = [ipaddress.ip_network(c) for c in (subnet.cidrs if subnet else ())]
    return bool(nets) and all(any(_within(n, h) for h in held) for n in nets)


def _within(net: IPNetwork, block: IPNetwork) -> bool:
    if isinstance(net, ipaddress.IPv4Network) and isinstance(block, ipaddress.IPv4Network):
        return net.subnet_of(block)
    if isinstance(net, ipaddress.IPv6Network) and isinstance(block, ipaddress.IPv6Network):
        return net.subnet_of(block)
    return False


def _firewalls(policy: Policy) -> frozenset[str]:
    found: set[str] = set()
    for hub in policy.hubs:
        if hub.inspection is not None:
            found.add(hub.inspection.vpc)
            found.update(fw.next_hop for fw in hub.inspection.firewalls)
    return frozenset(found)


def _is_firewall(ctx: _Context, iface: Interface) -> bool:
    return iface.id in ctx.firewalls or iface.network in ctx.firewalls


def _quota(policy: Policy, job: _Job, iface: Interface) -> Iterator[Diagnostic]:
    scope, segment, path = job.placement.scope, job.segment.name, job.path
    kept = set(iface.groups) | set(iface.prior)
    kept.discard(iface.claim)
    count = 1 if job.mode == "exclusive" else len(kept) + 1
    cap = MAX_GROUPS_PER_INTERFACE.get(scope.cloud, 5)
    where = f"interface {iface.id} in {iface.network} ({scope})"
    if count > cap:
        yield error(
            f"{where} would carry {count} security groups with segment {segment!r}'s; an "
            f"interface in {scope.cloud} holds at most {cap}",
            path=f"{path}.attach",
            detail=f"it carries {', '.join(sorted(kept))}: remove one, exclude the interface's "
            "kind (attach_exclude), or use attach: exclusive",
        )
    rules = _rules_per_group(policy, scope)
    if scope.cloud == "aws" and count * rules > AWS_RULES_TIMES_GROUPS:
        yield error(
            f"{where} would carry {count} security groups of up to {rules} rules each; AWS "
            f"allows at most {AWS_RULES_TIMES_GROUPS} rules per interface",
            path=f"{path}.attach",
            detail="lower quotas.rules_per_group, or attach fewer groups to the interface",
        )


def _rules_per_group(policy: Policy, scope: Scope) -> int:
    for account in policy.accounts:
        if account.cloud == scope.cloud and getattr(account, "account_id", "") == scope.account:
            return account.quotas.rules_per_group or _AWS_RULES_PER_GROUP
    return _AWS_RULES_PER_GROUP
