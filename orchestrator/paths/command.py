"""What ``eastwest paths`` does: read each AWS scope's routing, walk it, judge it, report.

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

CLOUD = "aws"  # the only cloud whose routing is read in this version


def run_paths(ctx: Context, loaded: LoadedPolicy, as_json: bool) -> int:
    policy = loaded.policy
    progress = console.quiet if as_json else console.progress
    try:
        adapters = AdapterCache(policy.name, ctx.sandbox())
        scopes = {s: t for s, t in policy_scopes(policy)[0].items() if s.cloud == CLOUD}
        membership = resolve_membership(policy, _inventory(scopes, adapters, progress))
        console.print_diagnostics(loaded.locate(d) if d.path else d for d in membership.diagnostics)
        if has_errors(membership.diagnostics):
            return _fail("segment membership has errors; no path was checked")
        reports = [
            _check(policy, membership, scope, adapters(target), progress)
            for scope, target in sorted(scopes.items())
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


def expectations(policy: Policy) -> dict[tuple[str, str], Expect]:
    """Each ordered pair a rule allows, both ways (routing is always symmetric); a pair with
    any inspected rule is inspected."""
    found: dict[tuple[str, str], Expect] = {}
    for rule in policy.rules:
        kind = Expect.INSPECTED if rule.inspect else Expect.DIRECT
        for pair in ((rule.from_, rule.to), (rule.to, rule.from_)):
            if found.get(pair) is not Expect.INSPECTED:
                found[pair] = kind
    return found


def firewalls(policy: Policy, scope: Scope) -> frozenset[str]:
    """The firewall next hops of the scope's hubs: crossing one of these is inspection."""
    return frozenset(
        fw.next_hop
        for hub in policy.hubs
        if hub.inspection is not None
        and hub.region == scope.region
        and getattr(policy.account(hub.account), "account_id", None) == scope.account
        for fw in hub.inspection.firewalls
    )


def _fail(message: str) -> int:
    click.echo(click.style("Error: ", fg="red", bold=True) + message, err=True)
    return EXIT_ERROR
