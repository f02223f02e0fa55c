"""Ownership in the three sandbox clouds: whatever eastwest does, every group, rule and route it
does not own is byte-identical afterwards, read back through the SDKs (``tests/ownership.py``),
and the group memberships it manages are back as they were once it lets go."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from moto_fixtures.aws import console as aws_console
from moto_fixtures.aws.landing_zone import ACCOUNT_ID
from moto_fixtures.consoles import ECS, AlibabaConsole, AzureConsole
from moto_fixtures.sandbox import load_sandbox
from orchestrator.cli import main
from tests.ownership import OwnershipGuard

pytestmark = pytest.mark.sandbox

POLICY = Path(__file__).parents[2] / "policies" / "examples" / "sandbox-multicloud.yaml"
Edit = Callable[[dict[str, Any]], dict[str, Any]]


def run(directory: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--sandbox", str(directory), *args], catch_exceptions=False)
    return result.exit_code, result.stdout + result.stderr


def variant(tmp_path: Path, name: str, edit: Edit) -> str:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(edit(yaml.safe_load(POLICY.read_text()))))
    return str(path)


def exclusive(policy: dict[str, Any]) -> dict[str, Any]:
    return {**policy, "attach": "exclusive"}


def without_web(policy: dict[str, Any]) -> dict[str, Any]:
    rules = [r for r in policy["rules"] if "web" not in (r["from"], r["to"])]
    segments = [s for s in policy["segments"] if s["name"] != "web"]
    return {**exclusive(policy), "segments": segments, "rules": rules}


def no_rules(policy: dict[str, Any]) -> dict[str, Any]:
    return {**without_web(policy), "attach": "add", "rules": []}


def apply(directory: Path, policy: str) -> None:
    code, out = run(directory, "apply", policy, "--auto-approve")
    assert code == 0, out
    code, out = run(directory, "plan", policy, "--detailed-exitcode")
    # Converged: nothing left to change. 3 says the seeded DBA groups (not eastwest's) still
    # open flows the policy does not allow, which ``add`` leaves in place.
    assert code in (0, 3), out


def test_plan_writes_nothing(unowned: OwnershipGuard, sandbox_dir: Path) -> None:
    code, out = run(sandbox_dir, "plan", str(POLICY), "--detailed-exitcode")
    assert code == 2, out


def test_apply_in_add_mode_keeps_every_unowned_object_and_membership(
    unowned: OwnershipGuard, sandbox_dir: Path
) -> None:
    apply(sandbox_dir, str(POLICY))
    assert unowned.changed() == []


def test_exclusive_then_segment_removal_then_no_rules(
    unowned: OwnershipGuard, sandbox_dir: Path, tmp_path: Path
) -> None:
    """Exclusive takes the other groups off the member interfaces (a documented membership
    change, nothing else); removing a segment and then going back to ``add`` puts them back."""
    apply(sandbox_dir, variant(tmp_path, "exclusive", exclusive))
    assert unowned.changed(memberships=False) == []
    assert unowned.changed() != []  # the check sees memberships eastwest holds
    apply(sandbox_dir, variant(tmp_path, "without-web", without_web))
    assert unowned.changed(memberships=False) == []
    apply(sandbox_dir, variant(tmp_path, "no-rules", no_rules))
    # The fixture's check at the end: strict and memberships both as seeded.


def _aws_route(sandbox: dict[str, Any]) -> None:
    ec2 = aws_console.sandbox_ec2(sandbox, ACCOUNT_ID)
    table = ec2.describe_route_tables()["RouteTables"][0]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="192.0.2.0/24", GatewayId="local")


def _alibaba_rule(sandbox: dict[str, Any]) -> None:
    alibaba = AlibabaConsole(sandbox["alibaba"])
    group = next(g for g in alibaba.groups() if g["SecurityGroupName"].endswith("-ops"))
    params = {"IpProtocol": "tcp", "PortRange": "25/25", "SourceCidrIp": "192.0.2.0/24"}
    alibaba.call(ECS, "AuthorizeSecurityGroup", SecurityGroupId=group["SecurityGroupId"], **params)


def _azure_rule(sandbox: dict[str, Any]) -> None:
    AzureConsole(sandbox["azure"]).add_rogue_rule("nsg-web")


def test_the_check_sees_a_change_to_an_unowned_object_in_each_cloud(sandbox_dir: Path) -> None:
    # One test for the three clouds: a sandbox test that writes to Alibaba or Azure costs a
    # restart of both fakes when the next one starts.
    guard = OwnershipGuard(load_sandbox(sandbox_dir))
    seen = []
    for edit, section in (
        (_aws_route, "strict aws/111111111111"),
        (_alibaba_rule, "strict alibaba"),
        (_azure_rule, "strict azure"),
    ):
        edit(guard.sandbox)
        seen.append(section)
        assert guard.changed() == sorted(seen)
