"""What ``eastwest paths`` does: read the routing of each scope whose cloud eastwest routes,
walk it, judge it, report. Scopes no hub routes are not checked (a note says so): eastwest
does not manage their routing.

In: a loaded policy and the CLI context. Out: the report (text or JSON) on stdout, diagnostics
on stderr, and the exit code: 0 when every pair holds, 1 on a violation or an error.
Always: read-only (identity, inventory, routing reads); a scope whose routing cannot be read
completely fails the command rather than passing on part of the routes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING

import click

from orchestrator import console
from orchestrator.commands import EXIT_ERROR, EXIT_OK, AdapterCache, Context
from orchestrator.compile.membership import Membership, resolve_membership
from orchestrator.compile.transit import ROUTING_CLOUDS, hub_scope, pair_expectations
from orchestrator.diagnostics import has_errors
from orchestrator.errors import EastwestError, ProviderError
from orchestrator.paths.check import Expect, Member, ScopeReport, check_scope
from orchestrator.paths.render import render_text, report_json
from orchestrator.pipeline import Progress, policy_scopes
from orchestrator.state import Scope, ScopeInventory, Target
from providers.base import RoutingReader

if TYPE_CHECKING:
    from orchestrator.model import LoadedPolicy
    from orchestrator.model.policy import Policy


def run_paths(ctx: Context, loaded: LoadedPolicy, as_json: bool) -> int:
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
                progress(f"Not checking {scope}: no hub routes it")
        reports = [
            _check(policy, membership, scope, adapters(target), progress)
            for scope, target in sorted(scopes.items())
            if scope in routed
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
    members = [
        Member(p.segment, p.network, p.cidrs) for p in membership.placements if p.scope == scope
    ]
    return check_scope(
        adapter.routing(scope), members, expectations(policy), firewalls(policy, scope)
    )


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
