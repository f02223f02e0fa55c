"""What ``eastwest paths`` does: read the routing of each scope whose cloud eastwest routes,
walk it, judge it; read the groups and lists on the workloads of every scope with members
(``effect.scope_access``, the check plan and the reconciler run too), judge them per port;
report. A scope no hub routes is not checked for routing (a note says so): eastwest does not
manage its routing.

In: a loaded policy and a way to build the adapters. Out: the report (text or JSON) on
stdout, diagnostics on stderr, and the exit code: 0 when every pair holds, 1 on a violation
or an error.
Always: read-only (identity, inventory, routing reads); a scope whose routing cannot be read
completely fails the command rather than passing on part of the routes.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

import click

from orchestrator import console
from orchestrator.compile.membership import Membership, resolve_membership
from orchestrator.compile.transit import ROUTING_CLOUDS, hub_scope
from orchestrator.diagnostics import has_errors
from orchestrator.errors import EastwestError, ProviderError
from orchestrator.paths.access import merge_access
from orchestrator.paths.check import Member, ScopeReport, check_scope
from orchestrator.paths.effect import expectations, members_in, policy_probes, scope_access
from orchestrator.paths.render import render_text, report_json
from orchestrator.pipeline import AdapterFor, Progress, policy_scopes
from orchestrator.state import Scope, ScopeInventory, Target
from providers.base import RoutingReader

if TYPE_CHECKING:
    from orchestrator.model import LoadedPolicy
    from orchestrator.model.policy import Policy


# As orchestrator.commands's, a layer above (it runs plans, which run this check).
EXIT_OK, EXIT_ERROR = 0, 1
__all__ = ["expectations", "firewalls", "policy_probes", "run_paths"]


def run_paths(
    adapters_of: Callable[[], AdapterFor],
    loaded: LoadedPolicy,
    as_json: bool,
    *,
    routing_only: bool = False,
) -> int:
    """``adapters_of`` builds the adapter lookup (it may read the sandbox description, so it
    is called where its errors are reported)."""
    policy = loaded.policy
    progress = console.quiet if as_json else console.progress
    try:
        adapters = adapters_of()
        scopes = policy_scopes(policy)[0]
        membership = resolve_membership(policy, _inventory(scopes, adapters, progress))
        console.print_diagnostics(loaded.locate(d) if d.path else d for d in membership.diagnostics)
        if has_errors(membership.diagnostics):
            return _fail("segment membership has errors; no path was checked")
        routed = routed_scopes(policy)
        for scope in sorted(s for s in scopes if s not in routed):
            if _has_members(membership, scope):
                progress(f"Not checking the routing of {scope}: no hub routes it")
        reports = [
            _with_access(
                policy,
                members_in(membership, scope),
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
    scopes: Mapping[Scope, Target], adapters: AdapterFor, progress: Progress
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
        members_in(membership, scope),
        expectations(policy),
        firewalls(policy, scope),
        hub_keeps_flows=scope.cloud in APPLIANCE_MODE,
    )


# Clouds whose hub returns a flow through the firewall it went out by, whatever the routes
# allow: AWS appliance mode on the inspection attachment (eastwest's plan keeps it on and shows
# it as drift when turned off; the walk itself does not read it).
APPLIANCE_MODE = frozenset({"aws"})


def _has_members(membership: Membership, scope: Scope) -> bool:
    return bool(membership.in_scope(scope))


def _with_access(
    policy: Policy, members: Sequence[Member], report: ScopeReport, adapter: object
) -> ScopeReport:
    """The routing report with what the groups and lists at the workloads get wrong added;
    ``adapter`` None: routing only (``--routing-only``)."""
    if adapter is None:
        return report
    found = scope_access(policy, members, adapter, report.scope)
    return merge_access(report, found, expectations(policy))


def routed_scopes(policy: Policy) -> set[Scope]:
    """Scopes whose routing eastwest manages: those of a hub in a cloud it routes."""
    return {
        hub_scope(policy, hub)
        for hub in policy.hubs
        if hub_scope(policy, hub).cloud in ROUTING_CLOUDS
    }


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
