"""``eastwest firewalls plan|apply POLICY…``: eastwest's section of every hub firewall's
rulebase (docs/panos.md).

In: the policy files and the global ``--sandbox``. Out: per firewall the planned changes in
the ``+ ~ -`` form (drift marked), and with ``apply`` the commit job; exit 0 (nothing to do
or done), 2 (``plan --detailed-exitcode`` with changes), 1 (an error: nothing written on the
firewall it concerns). Always: the member networks are read from the clouds the same way
``plan`` reads them, so the firewall's address groups hold the addresses the clouds' groups do.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import click

from orchestrator import console
from orchestrator.commands import EXIT_CHANGES, EXIT_ERROR, EXIT_OK, AdapterCache, Context
from orchestrator.compile.compiler import scopes_to_read
from orchestrator.compile.membership import Membership, resolve_membership
from orchestrator.errors import EastwestError, PolicyError
from orchestrator.firewall_plan import hub_firewalls
from orchestrator.firewalls import FirewallAdapter, RulebasePlan, apply_rulebase, plan_rulebase
from orchestrator.model import LoadedPolicy, load_policy
from orchestrator.plan.ngfw import render_changes


@click.group()
def firewalls() -> None:
    """The hub firewalls' own rulebase (PAN-OS), from the same policy."""


@firewalls.command("plan")
@click.argument("policies", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when there are changes.")
@click.pass_obj
def plan_command(ctx: Context, policies: tuple[Path, ...], detailed_exitcode: bool) -> None:
    """Show what eastwest would change on each hub firewall."""
    raise SystemExit(_run(ctx, policies, apply=False, detailed=detailed_exitcode))


@firewalls.command("apply")
@click.argument("policies", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--auto-approve", is_flag=True, help="Apply without asking for confirmation.")
@click.pass_obj
def apply_command(ctx: Context, policies: tuple[Path, ...], auto_approve: bool) -> None:
    """Write eastwest's section of each hub firewall's rulebase and commit it."""
    raise SystemExit(_run(ctx, policies, apply=True, detailed=False, approved=auto_approve))


def _run(
    ctx: Context, paths: tuple[Path, ...], *, apply: bool, detailed: bool, approved: bool = False
) -> int:
    try:
        loaded = load_policy(list(paths))
    except PolicyError as exc:
        console.print_diagnostics(exc.diagnostics)
        return EXIT_ERROR
    try:
        plans = list(_plans(ctx, loaded))
    except EastwestError as exc:
        return _fail(str(exc))
    status = EXIT_OK
    for plan, adapter in plans:
        click.echo(render_changes(plan.firewall, plan.changes), nl=False)
        console.print_diagnostics(loaded.locate(d) if d.path else d for d in plan.diagnostics)
        if plan.failed:
            status = EXIT_ERROR
        elif apply and plan.changes:
            if not approved and not _confirmed():
                click.echo(f"firewall {plan.firewall}: not applied; nothing was changed.", err=True)
                status = EXIT_ERROR
                continue
            status = max(status, _apply(plan, adapter))
        elif plan.changes and detailed and status == EXIT_OK:
            status = EXIT_CHANGES
    return status


def _plans(ctx: Context, loaded: LoadedPolicy) -> Iterator[tuple[RulebasePlan, FirewallAdapter]]:
    from providers import panos_adapter  # noqa: PLC0415 - only when firewalls are asked about

    policy = loaded.policy
    sandbox = ctx.sandbox()
    membership = _membership(loaded, AdapterCache(policy.name, sandbox))
    for label in hub_firewalls(policy):
        adapter = panos_adapter(label, policy=policy.name, sandbox=sandbox)
        yield plan_rulebase(policy, membership, label, adapter), adapter


def _membership(loaded: LoadedPolicy, adapters: AdapterCache) -> Membership:
    inventory = {
        scope: adapters(target).inventory(scope.region)
        for scope, target in scopes_to_read(loaded.policy).items()
    }
    return resolve_membership(loaded.policy, inventory)


def _apply(plan: RulebasePlan, adapter: FirewallAdapter) -> int:
    try:
        applied = apply_rulebase(plan, adapter)
    except EastwestError as exc:
        return _fail(str(exc))
    click.echo(f"firewall {plan.firewall}: {applied.summary()}")
    return EXIT_OK


def _confirmed() -> bool:
    """As ``eastwest apply``: a terminal to say 'yes' on, or ``--auto-approve``."""
    if not sys.stdin.isatty():
        _fail("refusing to apply without a terminal to confirm on; pass --auto-approve")
        return False
    return console.confirm_apply()


def _fail(message: str) -> int:
    click.echo(click.style("Error: ", fg="red", bold=True) + message, err=True)
    return EXIT_ERROR
