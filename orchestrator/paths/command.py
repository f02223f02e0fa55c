"""What ``eastwest paths`` does: read the routing of each scope whose cloud eastwest routes,
walk it, judge it; read the groups and lists on the workloads of every scope with members (clouds
whose adapter is an ``AccessReader``), judge them per port; report. A scope no hub routes is
not checked for routing (a note says so): eastwest does not manage its routing.

In: a loaded policy and the CLI context. Out: the report (text or JSON) on stdout, diagnostics
on stderr, and the exit code: 0 when every pair holds, 1 on a violation or an error.
Always: read-only (identity, inventory, routing reads); a scope whose routing cannot be read
completely fails the command rather than passing on part of the routes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import click

from orchestrator import console
from orchestrator.commands import EXIT_ERROR, EXIT_OK, AdapterCache, Context
from orchestrator.compile.membership import Membership, resolve_membership
from orchestrator.compile.transit import ROUTING_CLOUDS, hub_scope, pair_expectations
from orchestrator.diagnostics import has_errors
from orchestrator.errors import EastwestError, ProviderError
from orchestrator.model.ports import PortRange, parse_port_spec
from orchestrator.paths.access import Probe, check_access, merge_access
from orchestrator.paths.check import Expect, Member, ScopeReport, check_scope
from orchestrator.paths.render import render_text, report_json
from orchestrator.pipeline import Progress, policy_scopes
from orchestrator.state import Scope, ScopeInventory, Target
from providers.base import AccessReader, RoutingReader

if TYPE_CHECKING:
    from orchestrator.model import LoadedPolicy
    from orchestrator.model.policy import Policy


def run_paths(
    ctx: Context, loaded: LoadedPolicy, as_json: bool, *, routing_only: bool = False
) -> int:
    policy = loaded.policy
    progress = console.quiet if as_json else console.progress
    try:
        adapters = AdapterCache(policy.name, ctx.sandbox())
        scopes = policy_scopes(policy)[0]
        membership = resolve_membership(policy, _inventory(scopes, adapters, progress))
        console.print_diagnostics(loaded.locate(d) if d.path else d for d in membership.diagnostics)
        if has_errors(membership.diagnostics):
            return _fail("segment membership has errors; no path was checked")
        routed = routed_scopes(policy)
        for scope in sorted(s for s in scopes if s not in routed):
            if any(p.scope == scope for p in membership.placements):
                progress(f"Not checking the routing of {scope}: no hub routes it")
        reports = [
            _with_access(
                policy,
                _members(membership, scope),
                _check(policy, membership, scope, adapters(target), progress)
                if scope in routed
                else ScopeReport(scope, ()),
                None if routing_only else adapters(target),
            )
            for scope, target in sorted(scopes.items())
            if scope in routed or (_has_members(membership, scope) and not routing_only)
        ]
    except EastwestError as exc:
        return _fail(str(exc))
    if as_json:
        click.echo(json.dumps(report_json(reports), indent=2))
    else:
        click.echo(render_text(reports), nl=False)
    return EXIT_OK if all(r.ok for r in reports) else EXIT_ERROR


def _inventory(
    scopes: Mapping[Scope, Target], adapters: AdapterCache, progress: Progress
) -> dict[Scope, ScopeInventory]:
    inventory: dict[Scope, ScopeInventory] = {}
    for scope, target in scopes.items():
        adapter = adapters(target)
        adapter.check_identity(scope.region)
        progress(f"Reading networks of {scope} ({target.name})")
        inventory[scope] = adapter.inventory(scope.region)
    return inventory


def _check(
    policy: Policy, membership: Membership, scope: Scope, adapter: object, progress: Progress
) -> ScopeReport:
    if not isinstance(adapter, RoutingReader):
        raise ProviderError(f"the {scope.cloud} adapter cannot read routing")
    progress(f"Reading routing of {scope}")
    return check_scope(
        adapter.routing(scope),
        _members(membership, scope),
        expectations(policy),
        firewalls(policy, scope),
        hub_keeps_flows=scope.cloud in APPLIANCE_MODE,
    )


# Clouds whose hub returns a flow through the firewall it went out by, whatever the routes
# allow: AWS appliance mode on the inspection attachment (eastwest's plan keeps it on and shows
# it as drift when turned off; the walk itself does not read it).
APPLIANCE_MODE = frozenset({"aws"})


def _members(membership: Membership, scope: Scope) -> list[Member]:
    return [
        Member(p.segment, p.network, p.cidrs) for p in membership.placements if p.scope == scope
    ]


def _has_members(membership: Membership, scope: Scope) -> bool:
    return any(p.scope == scope for p in membership.placements)


def _with_access(
    policy: Policy, members: Sequence[Member], report: ScopeReport, adapter: object
) -> ScopeReport:
    """The routing report with what the groups and lists at the workloads get wrong added."""
    if not isinstance(adapter, AccessReader):
        return report  # docs/paths.md: the clouds whose groups are read
    probes, allowed = policy_probes(policy)
    found = check_access(
        adapter.access(report.scope), members, probes, allowed, expectations(policy)
    )
    return merge_access(report, found, expectations(policy))


def policy_probes(policy: Policy) -> tuple[list[Probe], dict[tuple[str, str], list[Probe]]]:
    """One probe per port range of the policy (its first port), and per ordered pair the
    probes its rules allow (from → to: replies pass by statefulness)."""
    ranges = [(r.from_, r.to, parse_port_spec(spec)) for r in policy.rules for spec in r.ports]
    probes = sorted({_probe(pr) for _, _, pr in ranges if pr.protocol != "all"})
    allowed: dict[tuple[str, str], list[Probe]] = {}
    for a, b, pr in ranges:
        covered = [p for p in probes if _covers(pr, p)]
        allowed.setdefault((a, b), []).extend(covered)
    return probes, allowed


def _probe(pr: PortRange) -> Probe:
    return Probe("icmp") if pr.protocol == "icmp" else Probe(pr.protocol, pr.from_port)


def _covers(pr: PortRange, probe: Probe) -> bool:
    if pr.protocol in ("all", "icmp"):
        return pr.protocol == "all" or probe.protocol == "icmp"
    return pr.protocol == probe.protocol and pr.from_port <= probe.port <= pr.to_port


def routed_scopes(policy: Policy) -> set[Scope]:
    """Scopes whose routing eastwest manages: those of a hub in a cloud it routes."""
    return {
        hub_scope(policy, hub)
        for hub in policy.hubs
        if hub_scope(policy, hub).cloud in ROUTING_CLOUDS
    }


def expectations(policy: Policy) -> dict[tuple[str, str], Expect]:
    """Each ordered pair a rule allows, both ways; a pair with any inspected rule is inspected
    (the same reading the route compiler makes)."""
    return {pair: Expect(kind) for pair, kind in pair_expectations(policy).items()}


def firewalls(policy: Policy, scope: Scope) -> frozenset[str]:
    """The firewall next hops of the scope's hubs: crossing one of these is inspection."""
    return frozenset(
        fw.next_hop
        for hub in policy.hubs
        if hub.inspection is not None and hub_scope(policy, hub) == scope
        for fw in hub.inspection.firewalls
    )


def _fail(message: str) -> int:
    click.echo(click.style("Error: ", fg="red", bold=True) + message, err=True)
    return EXIT_ERROR
