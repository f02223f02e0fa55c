"""The ``eastwest`` command line (DESIGN.md, "CLI").

Exit codes follow Terraform: 0 success / no changes, 1 error, 2 changes present (with
``--detailed-exitcode``). Heavy SDKs are imported only when a command needs a cloud.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

import click

from orchestrator import console
from orchestrator.commands import (
    AdapterCache,
    Context,
    PlanOptions,
    run_apply,
    run_apply_file,
    run_plan,
)
from orchestrator.conventions import TerraformGroup, colour_refused, make_plain
from orchestrator.diagnostics import has_errors, strict
from orchestrator.errors import EastwestError, PolicyError
from orchestrator.example_policies import example, shown
from orchestrator.firewall_command import firewalls
from orchestrator.flows.command import flow_store_option, flows
from orchestrator.model import LoadedPolicy, load_policy, policy_json_schema
from orchestrator.plan.document import is_plan_file
from orchestrator.reconcile.command import history, run, worker
from orchestrator.schemas import DOCUMENTS, document_schema

T = TypeVar("T")

DEFAULT_SANDBOX_DIR = Path(".eastwest/sandbox")


pass_context = click.make_pass_decorator(Context)
policy_args = click.argument(
    "policies", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False)
)
strict_option = click.option(
    "--strict",
    is_flag=True,
    help="Warnings about exposure (very wide prefixes, external CIDRs over member networks) "
    "are errors.",
)


@click.group(cls=TerraformGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--sandbox",
    type=click.Path(path_type=Path, file_okay=False),
    envvar="EASTWEST_SANDBOX",
    help="Talk to the local sandbox clouds described in DIR/sandbox.json (env: EASTWEST_SANDBOX).",
    metavar="DIR",
)
@click.option("--no-color", "no_colour", is_flag=True, help="Plain text output.")
@click.version_option(package_name="eastwest")
@click.pass_context
def main(ctx: click.Context, sandbox: Path | None, no_colour: bool) -> None:
    """eastwest: one segment policy, compiled into every cloud's native controls and kept
    there."""
    ctx.obj = Context(sandbox, no_colour)
    if colour_refused(no_colour):
        make_plain(ctx)


@main.command()
@policy_args
@strict_option
def validate(policies: tuple[Path, ...], strict: bool) -> None:
    """Check policy files; print every problem with file, line and field."""
    loaded = _load(policies, strict_mode=strict)
    policy = loaded.policy
    click.echo(
        f"Policy {policy.name!r} is valid: {len(policy.accounts)} account(s), "
        f"{len(policy.segments)} segment(s), {len(policy.rules)} rule(s)."
    )


@main.command()
@click.option(
    "--document",
    type=click.Choice(["policy", *DOCUMENTS]),
    default="policy",
    show_default=True,
    help="The policy file, the plan of `plan --json`, or the report of `paths --json`.",
)
def schema(document: str) -> None:
    """Print the JSON Schema of the policy format (or of a JSON document eastwest prints)."""
    body = policy_json_schema() if document == "policy" else document_schema(document)
    click.echo(json.dumps(body, indent=2))


@main.command()
@policy_args
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@click.option("--compact", is_flag=True, help="One line per change instead of one block.")
@click.option("--out", type=click.Path(path_type=Path, dir_okay=False), help="Save the plan.")
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 0 with no changes, 2 with changes, 3 with none but findings at the workloads, "
    "1 on error.",
)
@click.option(
    "--no-access-check",
    is_flag=True,
    help="Skip the groups and lists at the workloads (routing-only estates).",
)
@strict_option
@click.option(
    "--flows",
    "with_flows",
    is_flag=True,
    help="Dry run over observed flows: those the planned state would block, and the rules "
    "no flow used (docs/flows.md).",
)
@flow_store_option("--flows-store", "flows_store")
@pass_context
def plan(
    ctx: Context,
    *,
    policies: tuple[Path, ...],
    as_json: bool,
    compact: bool,
    out: Path | None,
    detailed_exitcode: bool,
    no_access_check: bool,
    strict: bool,
    with_flows: bool,
    flows_store: Path,
) -> None:
    """Show what apply would change (reads the clouds, writes nothing), and whether the policy
    holds at the workloads (every group and list on their interfaces, owned or not)."""
    files = tuple(str(p) for p in policies)
    options = PlanOptions(
        as_json, compact, out, detailed_exitcode, strict, files, not no_access_check
    )
    if with_flows:
        options = replace(options, flows=flows_store)
    sys.exit(run_plan(ctx, _load(policies, strict_mode=strict), options))


@main.command()
@click.argument("target", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--auto-approve", is_flag=True, help="Apply without asking for confirmation.")
@strict_option
@pass_context
def apply(ctx: Context, target: tuple[Path, ...], auto_approve: bool, strict: bool) -> None:
    """Apply POLICY… (after showing the plan) or a plan saved with `plan --out`, which is
    re-derived from its policy and the clouds and applied only if unchanged."""
    if len(target) == 1 and is_plan_file(target[0]):
        sys.exit(run_apply_file(ctx, target[0], strict_mode=strict))
    loaded = _load(target, strict_mode=strict)
    sys.exit(run_apply(ctx, loaded, auto_approve=auto_approve, strict_mode=strict))


@main.group()
def sandbox() -> None:
    """Start and stop the local fake clouds."""


@sandbox.command("up")
@click.option(
    "--dir",
    "directory",
    type=click.Path(path_type=Path, file_okay=False),
    default=DEFAULT_SANDBOX_DIR,
    show_default=True,
)
def sandbox_up(directory: Path) -> None:
    """Start the sandbox clouds in the background and seed a landing zone."""
    from moto_fixtures.sandbox import sandbox_up as up  # noqa: PLC0415

    info = _guard(lambda: up(directory))
    click.echo(f"Sandbox running (pid {info.pid}):")
    click.echo(f"  AWS at {info.aws_endpoint}")
    click.echo(f"  Alibaba Cloud at {info.alibaba.get('endpoint_url', '?')}")
    click.echo(f"  Azure at {info.azure.get('endpoint_url', '?')}")
    click.echo(f"Use it with: eastwest --sandbox {directory} plan {shown(example('sandbox.yaml'))}")
    click.echo(f"  (all three clouds: {shown(example('sandbox-multicloud.yaml'))})")
    click.echo(f"Stop it with: eastwest sandbox down --dir {directory}")


@sandbox.command("down")
@click.option(
    "--dir",
    "directory",
    type=click.Path(path_type=Path, file_okay=False),
    default=DEFAULT_SANDBOX_DIR,
    show_default=True,
)
def sandbox_down(directory: Path) -> None:
    """Stop the sandbox clouds."""
    from moto_fixtures.sandbox import sandbox_down as down  # noqa: PLC0415

    stopped = _guard(lambda: down(directory))
    click.echo("Sandbox stopped." if stopped else f"No sandbox was running in {directory}.")


@main.command()
@click.option(
    "--dir",
    "directory",
    type=click.Path(path_type=Path, file_okay=False),
    default=DEFAULT_SANDBOX_DIR,
    show_default=True,
)
@click.option("--keep", is_flag=True, help="Leave the sandbox running at the end.")
@pass_context
def demo(ctx: Context, directory: Path, keep: bool) -> None:
    """Watch eastwest work end to end against the local sandbox."""
    from orchestrator.demo import run_demo  # noqa: PLC0415

    sys.exit(_guard(lambda: run_demo(directory, keep=keep, colour=ctx.colour)))


def _load(paths: tuple[Path, ...], *, strict_mode: bool = False) -> LoadedPolicy:
    try:
        loaded = load_policy(paths)
        if strict_mode and has_errors(strict(loaded.warnings)):
            raise PolicyError(strict(loaded.warnings))
    except PolicyError as exc:
        console.print_diagnostics(exc.diagnostics)
        click.echo(f"{len(exc.diagnostics)} problem(s); nothing was read or changed.", err=True)
        sys.exit(1)
    console.print_diagnostics(loaded.warnings)
    return loaded


def _guard(work: Callable[[], T]) -> T:
    try:
        return work()
    except EastwestError as exc:
        click.echo(click.style("Error: ", fg="red", bold=True) + str(exc), err=True)
        sys.exit(1)


main.add_command(run)
main.add_command(history)
main.add_command(worker)
main.add_command(firewalls)
main.add_command(flows)


@main.command()
@policy_args
@click.option(
    "--out",
    required=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Directory for the *.tf.json files.",
)
@click.option(
    "--no-imports",
    is_flag=True,
    help="Do not read the clouds for import blocks of what already exists.",
)
@pass_context
def synth(ctx: Context, policies: tuple[Path, ...], out: Path, no_imports: bool) -> None:
    """Write the desired state as Terraform JSON, adopting what exists with import blocks."""
    from orchestrator.synth import run_synth  # noqa: PLC0415 - keeps the CLI start fast

    sys.exit(run_synth(ctx, _load(policies), out, imports=not no_imports))


@main.command()
@policy_args
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--routing-only",
    is_flag=True,
    help="Prove the routes only; skip the groups, NSGs and ACLs at the workloads.",
)
@pass_context
def paths(ctx: Context, policies: tuple[Path, ...], as_json: bool, routing_only: bool) -> None:
    """Prove from the routes each hub's cloud holds (AWS, Alibaba Cloud, Azure), and from every
    group, NSG and ACL at the workloads, that each pair of segments gets what the rules say
    and no more; reads only."""
    from orchestrator.paths.command import run_paths  # noqa: PLC0415 - keeps the CLI start fast

    loaded = _load(policies)
    adapters = functools.partial(_adapters, ctx, loaded.policy.name)
    sys.exit(run_paths(adapters, loaded, as_json, routing_only=routing_only))


def _adapters(ctx: Context, policy: str) -> AdapterCache:
    return AdapterCache(policy, ctx.sandbox())


@main.command()
@policy_args
@click.option(
    "--cloud",
    type=click.Choice(["aws", "alibaba", "azure"]),
    help="Print only this cloud's document (without the cloud name around it).",
)
def permissions(policies: tuple[Path, ...], cloud: str | None) -> None:
    """Print the least-privilege permission document per cloud of the policy: an AWS IAM
    policy, an Alibaba Cloud RAM policy, an Azure custom role definition. Never reads a cloud."""
    from orchestrator.permissions import documents  # noqa: PLC0415 - keeps the CLI start fast

    found = documents(_load(policies).policy)
    if cloud is not None and cloud not in found:
        click.echo(f"Error: the policy has no {cloud} account", err=True)
        sys.exit(1)
    click.echo(json.dumps(found[cloud] if cloud else found, indent=2))
