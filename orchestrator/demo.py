"""``eastwest demo``: the whole product on the local sandbox, narrated for a new user.

Start the fake clouds, validate the sandbox policy, plan, apply, show that a second plan is
empty, make console-style edits (a rogue rule, a deleted managed rule), show them as drift,
correct them, prove unowned resources were untouched, stop the sandbox.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from orchestrator.apply import apply_plan
from orchestrator.commands import AdapterCache, Context, make_plan_for
from orchestrator.errors import EastwestError
from orchestrator.model import LoadedPolicy, load_policy
from orchestrator.model.policy import AwsAccount
from orchestrator.plan import Plan
from orchestrator.plan.render import render_plan

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

POLICY = Path(__file__).resolve().parent.parent / "policies" / "examples" / "sandbox.yaml"


def run_demo(directory: Path, *, keep: bool, colour: bool) -> int:
    from moto_fixtures.sandbox import sandbox_down, sandbox_up  # noqa: PLC0415 - sandbox only

    if not POLICY.is_file():
        raise EastwestError(f"the sandbox policy is missing: {POLICY}")
    _step(1, "Start the local sandbox clouds")
    info = sandbox_up(directory)
    click.echo(f"moto (AWS) at {info.aws_endpoint}, seeded with a landing zone: spoke VPCs in")
    click.echo("three segments, an inspection VPC, a transit gateway, and hand-made security")
    click.echo("groups that eastwest does not own and must never touch.")
    try:
        return _Demo(Context(directory, no_colour=not colour)).run()
    finally:
        if keep:
            click.echo(
                f"\nThe sandbox keeps running. Stop it with: "
                f"eastwest sandbox down --dir {directory}"
            )
        else:
            sandbox_down(directory)
            click.echo("\nSandbox stopped.")


def _step(number: int, title: str) -> None:
    click.echo("")
    click.secho(f"── {number}. {title} " + "─" * max(0, 66 - len(title)), bold=True)


class _Demo:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        sandbox = ctx.sandbox()
        if sandbox is None:
            raise EastwestError("the sandbox did not start")
        self.sandbox: dict[str, Any] = sandbox
        self.loaded: LoadedPolicy = load_policy([POLICY])

    def run(self) -> int:
        ec2 = self._console()
        from moto_fixtures.aws import console  # noqa: PLC0415 - sandbox only

        before = console.unowned_snapshot(ec2)
        self._validate()
        _step(3, "Plan: what eastwest would create (nothing is written yet)")
        click.echo("$ eastwest plan --compact policies/examples/sandbox.yaml\n")
        self._apply(self._plan(compact=True))
        _step(4, "Plan again: the clouds now match the policy")
        second = self._plan()
        _step(5, "A console edit at 3 a.m.")
        self._edit(ec2)
        _step(6, "Plan: eastwest sees the drift")
        drift = self._plan()
        _step(7, "Apply: the policy is restored")
        self._apply(drift)
        _step(8, "Check")
        final = self._plan()
        untouched = console.unowned_snapshot(ec2) == before
        click.echo(
            "Unowned security groups and prefix lists byte-for-byte unchanged: "
            + ("yes" if untouched else "NO")
        )
        ok = not second.has_changes and not final.has_changes and untouched
        click.echo(
            "\nDemo complete: applied, drift detected and corrected, nothing else touched."
            if ok
            else "\nThe demo did not converge; see above."
        )
        return 0 if ok else 1

    def _console(self) -> EC2Client:
        from moto_fixtures.aws import console  # noqa: PLC0415 - sandbox only

        account = next(a for a in self.loaded.policy.accounts if isinstance(a, AwsAccount))
        return console.sandbox_ec2(self.sandbox, account.account_id)

    def _validate(self) -> None:
        shown = POLICY.relative_to(Path.cwd()) if POLICY.is_relative_to(Path.cwd()) else POLICY
        _step(2, f"Validate {shown}")
        policy = self.loaded.policy
        click.echo(
            f"Policy {policy.name!r}: segments {', '.join(s.name for s in policy.segments)}."
        )
        for rule in policy.rules:
            click.echo(f"  allow {rule.from_} → {rule.to} on {', '.join(rule.ports)}")
        click.echo("Everything else between segments is denied.")

    def _edit(self, ec2: EC2Client) -> None:
        from moto_fixtures.aws import console  # noqa: PLC0415 - sandbox only

        groups = console.managed_groups(ec2)
        target = next(g for g in groups if g["IpPermissions"])
        console.add_rogue_rule(ec2, target["GroupId"])
        click.echo(
            f"Someone opened tcp/22 to 0.0.0.0/0 on {target['GroupName']} ({target['GroupId']}),"
        )
        gone = console.delete_first_ingress_rule(ec2, groups[-1])
        click.echo(f"and someone else deleted {gone}.")

    def _plan(self, *, compact: bool = False) -> Plan:
        result = make_plan_for(self.ctx, self.loaded, show_progress=False)
        if result.plan is None:
            raise EastwestError("the demo plan failed: " + "; ".join(map(str, result.diagnostics)))
        click.echo(render_plan(result.plan, colour=self.ctx.colour, compact=compact), nl=False)
        return result.plan

    def _apply(self, plan: Plan) -> None:
        adapters = AdapterCache(plan.policy, self.sandbox)
        report = apply_plan(plan, lambda sp: adapters(sp.target))
        counts = report.counts()
        click.echo(
            f"\nApply complete: {counts['added']} added, {counts['changed']} changed, "
            f"{counts['destroyed']} destroyed, {counts['failed']} failed."
        )
        if not report.ok:
            raise EastwestError("the demo apply failed: " + "; ".join(report.errors))
