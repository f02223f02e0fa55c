"""``eastwest demo``: the whole product on the local sandbox, narrated for a new user.

Start the fake clouds, validate the sandbox policy, plan, apply, show that a second plan has
nothing left to change yet names the DBA's hand-made group that opens PostgreSQL (the
effective-access check), take it off by hand and show the plan and ``eastwest paths`` clear,
make console-style edits (a rogue rule, a deleted managed rule), show them as drift,
correct them, prove unowned resources were untouched; launch an instance and watch its
interface get its segment's group, take the group off in the console and watch it come back;
then run the reconciler for a few 2-second intervals and watch it restore a console edit and
attach a newly launched instance by itself. Then grow the same policy to three clouds
(``sandbox-multicloud.yaml``: the segments gain Alibaba Cloud VPCs and Azure VNets), apply it,
show the Alibaba DBA's group found and taken off, edit Alibaba and Azure through their own
SDKs, and show those edits as drift, corrected, with the unowned groups and NSGs untouched;
stop the sandbox.
"""

from __future__ import annotations

import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from orchestrator import demo_access as access
from orchestrator.apply import apply_plan
from orchestrator.commands import AdapterCache, Context, make_plan_for
from orchestrator.errors import EastwestError
from orchestrator.example_policies import example, shown
from orchestrator.extras import require
from orchestrator.firewall_plan import apply_firewalls, panos_adapters
from orchestrator.model import LoadedPolicy, load_policy
from orchestrator.model.policy import AwsAccount
from orchestrator.plan import Plan
from orchestrator.plan.render import render_plan

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

POLICY = example("sandbox.yaml")
MULTICLOUD = example("sandbox-multicloud.yaml")


def run_demo(directory: Path, *, keep: bool, colour: bool) -> int:
    from moto_fixtures.sandbox import sandbox_down, sandbox_up  # noqa: PLC0415 - sandbox only

    require("sandbox", "eastwest demo")
    for policy in (POLICY, MULTICLOUD):
        if not policy.is_file():
            raise EastwestError(f"the sandbox policy is missing: {policy}")
    _step(1, "Start the local sandbox clouds")
    info = sandbox_up(directory)
    click.echo(f"moto (AWS) at {info.aws_endpoint}, seeded with a landing zone: spoke VPCs in")
    click.echo("three segments, an inspection VPC, a transit gateway, and hand-made security")
    click.echo("groups that eastwest does not own and must never touch. Beside it, a fake")
    click.echo(f"Alibaba Cloud at {info.alibaba['endpoint_url']} (CEN, spoke VPCs, a security")
    click.echo(f"VPC) and a fake Azure at {info.azure['endpoint_url']} (hub and spoke VNets),")
    click.echo("each with hand-made groups and rules of their own.")
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
        click.echo(f"$ eastwest plan --compact {shown(POLICY)}\n")
        self._apply(self._plan(compact=True))
        _step(4, "Plan again: nothing left to change, but is the policy enforced?")
        self._plan()
        click.echo("\nThe DBA's hand-made group (eastwest never touches it) still opens PostgreSQL")
        click.echo("to everyone. Its owner takes it off the database's interface:")
        access.take_off_aws(ec2)
        second = self._plan()
        routed = self._paths(POLICY)
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
        workloads = self._workloads(ec2)
        _step(10, "The reconciler: eastwest run restores the next console edit by itself")
        watched = self._reconcile(ec2)
        multicloud = self._multicloud()
        ok = (
            not second.has_changes
            and not second.access.findings
            and routed
            and not final.has_changes
            and untouched
            and workloads
            and watched
            and multicloud
        )
        click.echo(
            "\nDemo complete: applied in three clouds, drift detected and corrected, nothing "
            "else touched."
            if ok
            else "\nThe demo did not converge; see above."
        )
        return 0 if ok else 1

    def _workloads(self, ec2: EC2Client) -> bool:
        """Step 9: a workload attached, its group taken off by hand and restored."""
        from orchestrator import demo_workloads as w  # noqa: PLC0415 - sandbox only

        _step(9, "Enforcement at the workload: every interface gets its segment's group")
        eni = w.launch(ec2)
        self._apply(self._plan(compact=True))
        first = "eastwest-sandbox-web" in w.show_groups(ec2, eni)
        w.detach_eastwest(ec2, eni)
        self._apply(self._plan(compact=True))
        restored = "eastwest-sandbox-web" in w.show_groups(ec2, eni)
        click.echo("The group taken off by hand was drift, and is back: " + _yes(restored))
        return first and restored

    def _multicloud(self) -> bool:
        """Steps 11-14: the policy grown to Alibaba Cloud and Azure, applied, edited, restored."""
        from moto_fixtures.consoles import AlibabaConsole, AzureConsole  # noqa: PLC0415

        self.loaded = load_policy([MULTICLOUD])
        alibaba = AlibabaConsole(self.sandbox["alibaba"])
        azure = AzureConsole(self.sandbox["azure"])
        before = (alibaba.unowned_snapshot(), azure.unowned_snapshot())
        _step(11, "Three clouds: the same segments in Alibaba Cloud and Azure")
        click.echo(f"{shown(MULTICLOUD)} is the same policy with two more accounts:")
        for segment in self.loaded.policy.segments:
            clouds = sorted({self._cloud_of(m.account) for m in segment.members})
            if clouds:
                click.echo(f"  {segment.name}: {', '.join(clouds)}")
        click.echo("The AWS prefix lists gain the other clouds' addresses; Alibaba Cloud gets")
        click.echo("security groups and prefix lists, Azure one NSG per member VNet.\n")
        click.echo(f"$ eastwest plan --compact {shown(MULTICLOUD)}\n")
        self._apply(self._plan(compact=True))
        _step(12, "Plan again: Alibaba Cloud has a hand-made group of its own")
        self._plan()
        before_dba = alibaba.unowned_snapshot()
        access.take_off_alibaba(alibaba)
        after_dba = alibaba.unowned_snapshot()
        second = self._plan()
        routed = self._paths(MULTICLOUD)
        _step(13, "Console edits in Alibaba Cloud and Azure")
        group = alibaba.owned_groups(self.loaded.policy.name)[0]
        click.echo("(aliyun SDK) someone deletes")
        click.echo(f"  {alibaba.delete_first_ingress_rule(group)},")
        nsg = azure.owned_nsgs(self.loaded.policy.name)[0]
        rule = azure.add_rogue_rule(str(nsg.name))
        click.echo(f"(azure-mgmt-network) someone adds {rule} (tcp/3389 from the Internet)")
        click.echo(f"to the NSG {nsg.name}.")
        _step(14, "Plan, apply, check: the drift in both clouds is restored")
        self._apply(self._plan())
        final = self._plan()
        # Unowned as they were, but for the DBA's own change (the group's instance count).
        untouched = before_dba == before[0] and (
            (alibaba.unowned_snapshot(), azure.unowned_snapshot()) == (after_dba, before[1])
        )
        click.echo(
            "Unowned Alibaba security groups and prefix lists, Azure NSGs and route tables "
            "unchanged: " + ("yes" if untouched else "NO")
        )
        clear = not second.has_changes and not second.access.findings
        return clear and routed and not final.has_changes and untouched

    def _paths(self, policy: Path) -> bool:
        """``eastwest paths``: every pair walked through the routes the clouds now hold, and
        every port of the policy through the groups and lists at the workloads."""
        from orchestrator.paths.command import run_paths  # noqa: PLC0415 - demo only

        click.echo(f"\n$ eastwest paths {shown(policy)}")
        adapters = AdapterCache(self.loaded.policy.name, self.sandbox)
        return run_paths(lambda: adapters, self.loaded, as_json=False) == 0

    def _cloud_of(self, account: str) -> str:
        found = next(a for a in self.loaded.policy.accounts if a.name == account)
        return {"aws": "AWS", "alibaba": "Alibaba Cloud", "azure": "Azure"}[found.cloud]

    def _reconcile(self, ec2: EC2Client) -> bool:
        """``eastwest run`` as a subprocess for about three 2-second intervals: one in-sync
        tick, a console edit, the tick that corrects it, one more in-sync tick."""
        from moto_fixtures.aws import console  # noqa: PLC0415 - sandbox only
        from orchestrator import demo_workloads as w  # noqa: PLC0415 - sandbox only

        directory = self.ctx.sandbox_dir
        assert directory is not None  # _Demo is built only once the sandbox runs
        click.echo(f"$ eastwest run {shown(POLICY)} --interval 2s --mode enforce\n")
        with _Reconciler(directory) as reconciler:
            if not reconciler.wait_for("in_sync"):
                return False
            group = console.managed_groups(ec2)[0]
            console.add_rogue_rule(ec2, group["GroupId"], port=3389)
            click.echo(f"\n(console) someone opens tcp/3389 to 0.0.0.0/0 on {group['GroupName']}\n")
            fixed = reconciler.wait_for("applied") and reconciler.wait_for("in_sync")
            eni = w.launch(ec2)
            click.echo("")
            picked = reconciler.wait_for("applied") and w.attached(ec2, eni)
        click.echo(
            "\nThe reconciler saw the edit as drift and removed it on its next tick, and put "
            "the new instance's interface in its segment's group: " + _yes(fixed and picked)
        )
        return fixed and picked

    def _console(self) -> EC2Client:
        from moto_fixtures.aws import console  # noqa: PLC0415 - sandbox only

        account = next(a for a in self.loaded.policy.accounts if isinstance(a, AwsAccount))
        return console.sandbox_ec2(self.sandbox, account.account_id)

    def _validate(self) -> None:
        _step(2, f"Validate {shown(POLICY)}")
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
        result = make_plan_for(self.ctx, self.loaded, show_progress=False, access_check=True)
        if result.plan is None:
            raise EastwestError("the demo plan failed: " + "; ".join(map(str, result.diagnostics)))
        click.echo(render_plan(result.plan, colour=self.ctx.colour, compact=compact), nl=False)
        return result.plan

    def _apply(self, plan: Plan) -> None:
        adapters = AdapterCache(plan.policy, self.sandbox)
        # As `eastwest apply`: the hub firewalls' rulebase first, then the clouds.
        firewalls = apply_firewalls(plan.firewalls, panos_adapters(plan.policy, self.sandbox))
        report = apply_plan(plan, lambda sp: adapters(sp.target))
        counts = report.counts()
        for outcome in firewalls:
            for name, value in outcome.counts().items():
                counts[name] += value
        click.echo(
            f"\nApply complete: {counts['added']} added, {counts['changed']} changed, "
            f"{counts['destroyed']} destroyed, {counts['failed']} failed."
        )
        errors = [
            *report.errors,
            *(f"firewall {f.firewall}: {f.error}" for f in firewalls if f.error),
        ]
        if not report.ok or errors:
            raise EastwestError("the demo apply failed: " + "; ".join(errors))


def _yes(ok: bool) -> str:
    return "yes" if ok else "NO"


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2} ")


class _Reconciler:
    """``eastwest run`` in a subprocess, its log echoed as it comes, stopped with SIGTERM."""

    def __init__(self, directory: Path) -> None:
        command = [sys.executable, "-m", "orchestrator", "--sandbox", str(directory), "run"]
        command += [str(POLICY), "--interval", "2s", "--mode", "enforce", "--listen", "off"]
        command += ["--store", str(directory / "history.sqlite3"), "--jitter", "100ms"]
        self.proc = subprocess.Popen(  # noqa: S603 - our own CLI, no shell, fixed arguments
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._echo, daemon=True).start()

    def _echo(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            # Drop the date (keep the time of day): the demo reads better narrow.
            click.echo("  │ " + _DATE.sub("", line.rstrip()))
            self.lines.put(line)

    def wait_for(self, outcome: str, timeout: float = 15.0) -> bool:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                if f"] {outcome} in " in self.lines.get(timeout=left):
                    return True
            except queue.Empty:
                break
        return False

    def __enter__(self) -> _Reconciler:
        return self

    def __exit__(self, *_: object) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
