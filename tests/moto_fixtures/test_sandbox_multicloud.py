"""The multi-cloud sandbox policy through the CLI, against a real `eastwest sandbox up` daemon."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from moto_fixtures.consoles import AlibabaConsole, AzureConsole
from moto_fixtures.sandbox import load_sandbox
from orchestrator.cli import main
from orchestrator.demo_access import take_off_alibaba, take_off_aws
from tests.ownership import OwnershipGuard
from tests.providers.aws.cloud import ec2_for

# Every test here ends with the unowned groups, rules, routes and memberships of the three
# clouds as seeded (tests/ownership.py).
pytestmark = [pytest.mark.sandbox, pytest.mark.usefixtures("unowned")]

POLICY = str(Path(__file__).parents[2] / "policies" / "examples" / "sandbox-multicloud.yaml")


def run(directory: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--sandbox", str(directory), *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_validate_names_three_clouds(sandbox_dir: Path) -> None:
    code, out, _ = run(sandbox_dir, "validate", POLICY)

    assert code == 0
    assert "3 account(s), 5 segment(s), 6 rule(s)" in out


def test_plan_apply_plan_converges_in_three_clouds(
    sandbox_dir: Path, unowned: OwnershipGuard
) -> None:
    state = load_sandbox(sandbox_dir)
    alibaba, azure = AlibabaConsole(state["alibaba"]), AzureConsole(state["azure"])
    before = (alibaba.unowned_snapshot(), azure.unowned_snapshot())

    code, out, _ = run(sandbox_dir, "plan", POLICY, "--detailed-exitcode")
    assert code == 2
    for scope in (
        "Scope aws/111111111111/us-east-1 (aws-sandbox)",
        "Scope alibaba/5123456789012345/cn-hangzhou (ali-sandbox)",
        "Scope azure/00000000-0000-0000-0000-000000000001/eastus (az-sandbox)",
    ):
        assert scope in out
    # Segments span clouds: every cloud's web set holds the web networks of all three.
    assert out.count('cidrs       = ["10.1.2.0/24", "10.10.0.0/15", "10.50.0.0/15"]') == 3

    code, out, err = run(sandbox_dir, "apply", POLICY, "--auto-approve")
    assert code == 0, out + err
    assert "Apply complete!" in out

    # Nothing left to change, but the seeded DBA groups open web → db in AWS and Alibaba
    # Cloud (Azure's sits behind eastwest's subnet NSG, which denies it first).
    code, out, _ = run(sandbox_dir, "plan", POLICY, "--detailed-exitcode")
    assert code == 3, out
    assert "No changes eastwest can make, but 2 flow(s) are not as the policy says:" in out
    assert "(pg-open-db-1) rule sgr-" in out
    assert "(spoke-db-1-pg-open) rule sgr-" in out
    assert "match the policy" not in out
    assert len(alibaba.owned_groups("sandbox")) == 6
    assert sorted(str(n.name) for n in azure.owned_nsgs("sandbox")) == [
        "eastwest-sandbox-app-vnet-app",
        "eastwest-sandbox-db-vnet-db",
        "eastwest-sandbox-web-vnet-web",
    ]
    assert (alibaba.unowned_snapshot(), azure.unowned_snapshot()) == before
    # The DBA takes the permissive groups off by hand: not eastwest's change.
    unowned.hand_edit(lambda: (take_off_aws(ec2_for(sandbox_dir)), take_off_alibaba(alibaba)))
    code, out, _ = run(sandbox_dir, "plan", POLICY, "--detailed-exitcode")
    assert (code, "No changes. The clouds match the policy." in out) == (0, True), out
    assert run(sandbox_dir, "paths", POLICY)[0] == 0


def test_console_edits_in_alibaba_and_azure_are_drift_and_restored(sandbox_dir: Path) -> None:
    assert run(sandbox_dir, "apply", POLICY, "--auto-approve")[0] == 0
    state = load_sandbox(sandbox_dir)
    alibaba, azure = AlibabaConsole(state["alibaba"]), AzureConsole(state["azure"])
    alibaba.delete_first_ingress_rule(alibaba.owned_groups("sandbox")[0])
    azure.add_rogue_rule(str(azure.owned_nsgs("sandbox")[0].name))

    code, out, _ = run(sandbox_dir, "plan", POLICY, "--detailed-exitcode")
    assert code == 2
    assert "Plan: 1 to add, 0 to change, 1 to destroy; 2 of them restore drift." in out

    assert run(sandbox_dir, "apply", POLICY, "--auto-approve")[0] == 0
    code, out, _ = run(sandbox_dir, "plan", POLICY, "--detailed-exitcode")
    assert (code, "No changes eastwest can make" in out) == (3, True)  # the DBA groups


def test_every_in_scope_alibaba_interface_carries_its_segment_group(sandbox_dir: Path) -> None:
    """Read back through the aliyun SDK: after one apply (attach: add, the default), every ENI
    of a member VPC carries eastwest's group of that VPC beside its own, and the ENIs of the
    security VPC and the service-managed endpoint ENI are left alone."""
    alibaba = AlibabaConsole(load_sandbox(sandbox_dir)["alibaba"])
    before = _enis(alibaba)
    assert run(sandbox_dir, "apply", POLICY, "--auto-approve")[0] == 0
    ours = {g["VpcId"]: g["SecurityGroupId"] for g in alibaba.owned_groups("sandbox")}
    after = _enis(alibaba)
    attached = 0
    for eni_id, row in after.items():
        groups = row["SecurityGroupIds"]["SecurityGroupId"]
        old = before[eni_id]["SecurityGroupIds"]["SecurityGroupId"]
        if row["VpcId"] in ours and not row.get("ServiceManaged"):
            assert groups == [*old, ours[row["VpcId"]]], eni_id
            attached += 1
        else:
            assert row == before[eni_id], eni_id
    assert attached >= 12


def _enis(alibaba: AlibabaConsole) -> dict[str, dict[str, Any]]:
    body = alibaba.call("2014-05-26", "DescribeNetworkInterfaces", PageSize="1000")
    return {r["NetworkInterfaceId"]: r for r in body["NetworkInterfaceSets"]["NetworkInterfaceSet"]}


def test_the_next_test_starts_from_freshly_seeded_clouds(sandbox_dir: Path) -> None:
    # After the tests above applied to all three clouds, the fixture reset them.
    state = load_sandbox(sandbox_dir)

    assert AlibabaConsole(state["alibaba"]).owned_groups("sandbox") == []
    assert AzureConsole(state["azure"]).owned_nsgs("sandbox") == []
