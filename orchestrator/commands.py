"""What ``plan`` and ``apply`` do, behind the click layer: pipeline, rendering, exit codes."""

from __future__ import annotations

import json
import os
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from orchestrator import console
from orchestrator.apply import ApplyReport, apply_plan
from orchestrator.diagnostics import Diagnostic, error, has_errors, strict
from orchestrator.errors import EastwestError, PlanFileError, PolicyError, ProviderError
from orchestrator.extras import require_cloud
from orchestrator.firewall_plan import (
    FirewallOutcome,
    apply_firewalls,
    panos_adapters,
    with_firewalls,
)
from orchestrator.model import load_policy
from orchestrator.paths.effect import with_access_check
from orchestrator.pipeline import PlanResult, plan_policy
from orchestrator.plan import Plan, ScopePlan
from orchestrator.plan.document import SavedPlan, plan_to_json, read_plan, write_plan
from orchestrator.plan.findings import AccessCheck
from orchestrator.plan.render import render_plan
from orchestrator.plan.saved import PLAN_KEY_ENV, PolicyRef, check_rederived
from orchestrator.state import Change, Target
from providers.base import Adapter, AdapterFactory, ChangeResult

if TYPE_CHECKING:
    from orchestrator.model import LoadedPolicy

EXIT_OK, EXIT_ERROR, EXIT_CHANGES = 0, 1, 2
# With --detailed-exitcode: no changes eastwest can make, yet flows at the workloads are not as
# the policy says (groups or lists it does not own open or block them): not green, not an error.
EXIT_FINDINGS = 3
NOT_ASKED = AccessCheck(skipped="--no-access-check")


class Context:
    def __init__(self, sandbox: Path | None, no_colour: bool) -> None:
        self.sandbox_dir = sandbox
        self.colour = console.colour_enabled(no_colour)

    def sandbox(self) -> dict[str, Any] | None:
        if self.sandbox_dir is None:
            return None
        from moto_fixtures.sandbox import load_sandbox  # noqa: PLC0415 - only with --sandbox

        return load_sandbox(self.sandbox_dir)

    def adapters(self, policy: str) -> AdapterCache:
        """A command's adapters; a test's context may give other factories (a retry budget)."""
        return AdapterCache(policy, self.sandbox())


class AdapterCache:
    """One adapter per account, built on first use by the cloud's factory in ``providers``."""

    def __init__(
        self,
        policy: str,
        sandbox: dict[str, Any] | None,
        factories: Mapping[str, AdapterFactory] | None = None,
    ) -> None:
        self.policy = policy
        self.sandbox = sandbox
        self.factories = factories  # None: providers.ADAPTERS, imported on first use
        self._adapters: dict[Target, Adapter] = {}
        self._lock = threading.Lock()  # scopes are read and applied on several threads

    def __call__(self, target: Target) -> Adapter:
        with self._lock:
            return self._adapter(target)

    def _adapter(self, target: Target) -> Adapter:
        if target not in self._adapters:
            from providers import ADAPTERS  # noqa: PLC0415 - keeps the CLI start fast

            factory = (self.factories or ADAPTERS).get(target.cloud)
            if factory is None:
                raise ProviderError(f"no adapter for cloud {target.cloud!r} in this version")
            require_cloud(target.cloud, f"the {target.cloud} account {target.name!r}")
            self._adapters[target] = factory(target, policy=self.policy, sandbox=self.sandbox)
        return self._adapters[target]


def make_plan_for(
    ctx: Context,
    loaded: LoadedPolicy,
    *,
    show_progress: bool = True,
    strict_mode: bool = False,
    adapters: AdapterCache | None = None,
    access_check: bool = False,
) -> PlanResult:
    """``access_check``: also evaluate the groups and lists at the workloads (docs/paths.md),
    so that "no changes" is said only where the policy holds (DESIGN.md rule 8)."""
    adapters = adapters or ctx.adapters(loaded.policy.name)
    sink = console.progress if show_progress else console.quiet
    result = plan_policy(loaded.policy, adapters, sink)
    if access_check:
        result = with_access_check(result, loaded.policy, adapters, sink)
    result = with_firewalls(result, loaded.policy, adapters.sandbox)

    def locate(diagnostics: tuple[Diagnostic, ...]) -> tuple[Diagnostic, ...]:
        # Only a diagnostic about a field of the policy points into its files; a cloud's not.
        located = tuple(loaded.locate(d) if d.path else d for d in diagnostics)
        return strict(located) if strict_mode else located

    plan = result.plan
    if plan is not None:  # so that `plan --json` and a saved plan carry file and line too
        plan = replace(plan, diagnostics=locate(plan.diagnostics))
    return replace(result, plan=plan, diagnostics=locate(result.diagnostics))


@dataclass(frozen=True, slots=True)
class PlanOptions:
    as_json: bool = False
    compact: bool = False
    out: Path | None = None
    detailed: bool = False
    strict: bool = False
    files: tuple[str, ...] = ()  # the policy files, as given: a saved plan names them
    access_check: bool = True  # False: --no-access-check (routing-only estates)
    flows: Path | None = None  # the flow store of `plan --flows` (orchestrator/flows)
    flows_top: int = 10


def run_plan(ctx: Context, loaded: LoadedPolicy, options: PlanOptions) -> int:
    as_json, out = options.as_json, options.out
    try:
        result = make_plan_for(
            ctx,
            loaded,
            show_progress=not as_json or sys.stderr.isatty(),
            strict_mode=options.strict,
            access_check=options.access_check,
        )
    except EastwestError as exc:
        return _fail(str(exc))
    console.print_diagnostics(result.diagnostics)
    plan = result.plan
    if plan is None:
        return _fail("no plan was made; nothing was changed")
    if not options.access_check:
        plan = replace(plan, access=NOT_ASKED)
    try:
        _show_plan(ctx, loaded, options, plan)
    except EastwestError as exc:
        return _fail(str(exc))
    if out is not None:
        write_plan(plan, out, PolicyRef(options.files, loaded.digest), plan_key())
        click.echo(
            f"\nSaved the plan to {out}. Apply exactly it with: eastwest apply {out}", err=True
        )
    if result.failed or result.partial:
        return EXIT_ERROR
    return _detailed_exit(plan) if options.detailed else EXIT_OK


def _detailed_exit(plan: Plan) -> int:
    """``--detailed-exitcode``: 2 changes, 3 nothing to change but findings, 0 true."""
    if plan.has_changes:
        return EXIT_CHANGES
    return EXIT_FINDINGS if plan.access.findings else EXIT_OK


def _show_plan(ctx: Context, loaded: LoadedPolicy, options: PlanOptions, plan: Plan) -> None:
    """Print the plan (text or JSON), with the flow dry run of ``plan --flows`` if asked."""
    flows = _flows_report(ctx, loaded, options)
    if options.as_json:
        document = plan_to_json(plan)
        click.echo(
            json.dumps(document if flows is None else {**document, "flows": flows}, indent=2)
        )
        return
    click.echo(render_plan(plan, colour=ctx.colour, compact=options.compact), nl=False)
    _say_partial(plan)
    if flows is not None:
        from orchestrator.flows.dryrun import render_text  # noqa: PLC0415

        click.echo("\n".join(render_text(flows)))


def _flows_report(
    ctx: Context, loaded: LoadedPolicy, options: PlanOptions
) -> dict[str, Any] | None:
    if options.flows is None:
        return None
    from orchestrator.flows.command import plan_flows  # noqa: PLC0415 - DuckDB only here

    return plan_flows(loaded, ctx.sandbox(), options.flows, options.flows_top)


def _say_partial(plan: Plan) -> bool:
    """The line a partial plan ends with (exit 1 follows); False when nothing was skipped."""
    skipped = [sp for sp in plan.scopes if sp.skipped is not None]
    if not skipped:
        return False
    names = ", ".join(f"{sp.scope} ({sp.target.name})" for sp in skipped)
    click.echo(
        f"Partial: {len(skipped)} of {len(plan.scopes)} scope(s) could not be read and were "
        f"skipped: {names}. The others are planned; exit code 1."
    )
    return True


def run_apply(
    ctx: Context, loaded: LoadedPolicy, *, auto_approve: bool, strict_mode: bool = False
) -> int:
    try:
        result = make_plan_for(ctx, loaded, strict_mode=strict_mode, access_check=True)
    except EastwestError as exc:
        return _fail(str(exc))
    console.print_diagnostics(result.diagnostics)
    if result.plan is None or result.failed:
        return _fail("the plan has errors; nothing was changed")
    click.echo(render_plan(result.plan, colour=ctx.colour), nl=False)
    partial = _say_partial(result.plan)
    if not result.plan.has_changes:
        return EXIT_ERROR if partial else EXIT_OK
    if not auto_approve:
        if not sys.stdin.isatty():
            return _fail(
                "refusing to apply without a terminal to confirm on; "
                "pass --auto-approve, or save a plan with --out and apply that file"
            )
        if not console.confirm_apply():
            click.echo("Apply cancelled; nothing was changed.", err=True)
            return EXIT_ERROR
    return _execute(ctx, result.plan)


def plan_key() -> bytes | None:
    """The key saved plans are signed and checked with, when the environment sets one."""
    key = os.environ.get(PLAN_KEY_ENV, "")
    return key.encode() if key else None


def run_apply_file(ctx: Context, path: Path, *, strict_mode: bool = False) -> int:
    """Apply a saved plan only as the plan its policy and the clouds give now (DESIGN.md rule
    9): what is written comes from the re-derived plan, never from the file."""
    try:
        saved = read_plan(path, plan_key())
        loaded = _policy_of(saved, path, strict_mode=strict_mode)
        adapters = ctx.adapters(loaded.policy.name)
        result = make_plan_for(ctx, loaded, strict_mode=strict_mode, adapters=adapters)
    except PolicyError as exc:
        console.print_diagnostics(exc.diagnostics)
        return _fail("the policy files the plan names have errors; nothing was changed")
    except EastwestError as exc:
        return _fail(str(exc))
    console.print_diagnostics(result.diagnostics)
    if result.plan is None or result.failed:
        return _fail("the plan has errors; nothing was changed")
    try:
        check_rederived(saved.plan, result.plan)
    except EastwestError as exc:
        return _fail(str(exc))
    partial = _say_partial(result.plan)
    if not result.plan.has_changes:
        click.echo("The saved plan has no changes.")
        return EXIT_ERROR if partial else EXIT_OK
    return _execute(ctx, result.plan, adapters)


def _policy_of(saved: SavedPlan, path: Path, *, strict_mode: bool) -> LoadedPolicy:
    """The policy the plan names, as it is now; raises when it is not the one planned."""
    ref = saved.policy
    if ref is None or not ref.files:
        raise PlanFileError(
            f"{path}: the plan does not name the policy files it was made from (an older "
            "eastwest wrote it); make it again with `eastwest plan POLICY… --out FILE`"
        )
    loaded = load_policy([Path(f) for f in ref.files])
    if loaded.digest != ref.digest:
        raise PlanFileError(
            f"{path}: the policy files {', '.join(ref.files)} changed since the plan was made "
            "(their digest differs); run `eastwest plan --out` again"
        )
    warnings = strict(loaded.warnings) if strict_mode else loaded.warnings
    if has_errors(warnings):
        raise PolicyError(warnings)
    console.print_diagnostics(warnings)
    return loaded


def _execute(ctx: Context, plan: Plan, adapters: AdapterCache | None = None) -> int:
    cache = adapters or ctx.adapters(plan.policy)
    click.echo("")
    # The firewalls first: a rule they need is there before routes send the flow to them.
    firewalls = apply_firewalls(plan.firewalls, panos_adapters(plan.policy, cache.sandbox))
    for outcome in firewalls:
        _report_firewall(outcome)
    report = apply_plan(plan, _by_scope(cache), _report_result)
    code = _summarise(report, firewalls)
    if code == EXIT_OK and not plan.complete:
        skips = [s.skipped for s in plan.scopes] + [f.skipped for f in plan.firewalls]
        if any(skipped is not None for skipped in skips):
            click.echo("Apply partial: the skipped scopes above were not changed.", err=True)
        if plan.access.unchecked:
            click.echo(
                "Apply partial: the effective-access check could not read every scope (above); "
                "their changes were made, but the policy is not proven to hold there.",
                err=True,
            )
        return EXIT_ERROR
    return code


def _report_firewall(outcome: FirewallOutcome) -> None:
    if outcome.applied is None:
        failed = click.style(f"firewall {outcome.firewall}: failed: ", fg="red")
        click.echo(failed + outcome.error, err=True)
        return
    click.echo(f"firewall {outcome.firewall}: {outcome.applied.summary()}.")


def _by_scope(adapters: AdapterCache) -> Callable[[ScopePlan], Adapter]:
    return lambda sp: adapters(sp.target)


def _report_result(change: Change, result: ChangeResult) -> None:
    verb = {"+": "Created", "~": "Updated", "-": "Destroyed"}[str(change.action)]
    if result.ok:
        click.echo(f"{change.key}: {verb}.")
    else:
        click.echo(click.style(f"{change.key}: failed: ", fg="red") + result.message, err=True)


def _summarise(report: ApplyReport, firewalls: list[FirewallOutcome]) -> int:
    counts = report.counts()
    for outcome in firewalls:  # a firewall's changes are committed all together, or none
        for name, value in outcome.counts().items():
            counts[name] += value
    console.print_diagnostics(error(message) for message in report.errors)
    if report.not_attempted:
        click.echo(
            f"{len(report.not_attempted)} change(s) were not attempted because an "
            "earlier step failed (make before break).",
            err=True,
        )
    line = f"{counts['added']} added, {counts['changed']} changed, {counts['destroyed']} destroyed."
    if report.ok and not counts["failed"]:
        click.echo(f"\nApply complete! Resources: {line}")
        return EXIT_OK
    click.echo(f"\nApply failed ({counts['failed']} failed). Resources: {line}", err=True)
    return EXIT_ERROR


def _fail(message: str) -> int:
    click.echo(click.style("Error: ", fg="red", bold=True) + message, err=True)
    return EXIT_ERROR
