"""`asg_membership` on the sandbox, through the CLI as a user runs it: sandbox-multicloud.yaml
with every Azure segment opted in. Read back through azure-mgmt-network, not eastwest: after
one apply every NIC of a member subnet is in its segment's ASG and no other NIC is, the next
plan has no changes, `paths` still proves the policy, a NIC launched later joins at the next
plan, and dropping the option takes every membership back out. The `unowned` guard holds the
memberships of ASGs eastwest does not own (nic-vm-db-2's asg-db-legacy) byte for byte."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from azure.mgmt.network.models import NetworkInterface
from click.testing import CliRunner

from moto_fixtures.consoles import AlibabaConsole, AzureConsole
from moto_fixtures.sandbox import load_sandbox
from orchestrator.cli import main
from orchestrator.demo_access import take_off_alibaba, take_off_aws
from tests.ownership import OwnershipGuard
from tests.providers.aws.cloud import ec2_for

pytestmark = [pytest.mark.sandbox, pytest.mark.usefixtures("unowned")]

POLICY = Path(__file__).parents[3] / "policies" / "examples" / "sandbox-multicloud.yaml"
SEGMENTS = ("web", "app", "db")


def run(directory: Path, *args: str) -> int:
    return CliRunner().invoke(main, ["--sandbox", str(directory), *args]).exit_code


def _opted_in(tmp_path: Path) -> str:
    body = yaml.safe_load(POLICY.read_text(encoding="utf-8"))
    for segment in body["segments"]:
        if any(m.get("account") == "az-sandbox" for m in segment.get("members", [])):
            segment["azure"] = {"asg_membership": True}
    path = tmp_path / "sandbox-asg.yaml"
    path.write_text(yaml.safe_dump(body, sort_keys=False), encoding="utf-8")
    return str(path)


def _memberships(azure: AzureConsole) -> dict[str, set[str]]:
    """NIC name → the names of the ASGs any of its IP configurations is in."""
    found: dict[str, set[str]] = {}
    for nic in azure.network.network_interfaces.list(azure.group):
        configs = nic.as_dict()["properties"]["ipConfigurations"]
        refs = [a for c in configs for a in c["properties"].get("applicationSecurityGroups", [])]
        found[str(nic.name)] = {str(a["id"]).rsplit("/", 1)[-1] for a in refs}
    return found


def _eastwests(memberships: dict[str, set[str]]) -> dict[str, set[str]]:
    return {n: {a for a in asgs if a.startswith("eastwest-")} for n, asgs in memberships.items()}


def _new_nic(azure: AzureConsole) -> None:
    subnet = azure.network.subnets.get(azure.group, "vnet-web", "snet-web-2")
    body: dict[str, Any] = {
        "location": "eastus",
        "properties": {"ipConfigurations": [
            {"name": "ipconfig1", "properties": {"subnet": {"id": subnet.id}, "primary": True}}
        ]},
    }  # fmt: skip
    azure.network.network_interfaces.begin_create_or_update(
        azure.group, "nic-vm-web-3", NetworkInterface(body)
    ).result()


def test_asg_membership_on_the_sandbox_converges_and_lets_go(
    sandbox_dir: Path, tmp_path: Path, unowned: OwnershipGuard
) -> None:
    state = load_sandbox(sandbox_dir)
    azure, alibaba = AzureConsole(state["azure"]), AlibabaConsole(state["alibaba"])
    policy = _opted_in(tmp_path)
    assert run(sandbox_dir, "apply", policy, "--auto-approve") == 0
    # Converged: the seeded DBA groups on AWS and Alibaba are findings (3), not changes (2).
    assert run(sandbox_dir, "plan", policy, "--detailed-exitcode") == 3
    expected = {f"nic-vm-{s}-2": {f"eastwest-sandbox-{s}-vnet-{s}"} for s in SEGMENTS}
    ours = _eastwests(_memberships(azure))
    assert {n: a for n, a in ours.items() if a} == expected
    assert "asg-db-legacy" in _memberships(azure)["nic-vm-db-2"]
    # With the DBA's permissive AWS and Alibaba groups taken off by hand (as in
    # tests/moto_fixtures/test_sandbox_multicloud.py), the clouds match and paths proves it.
    unowned.hand_edit(lambda: (take_off_aws(ec2_for(sandbox_dir)), take_off_alibaba(alibaba)))
    assert run(sandbox_dir, "plan", policy, "--detailed-exitcode") == 0
    assert run(sandbox_dir, "paths", policy) == 0

    unowned.hand_edit(lambda: _new_nic(azure))
    assert run(sandbox_dir, "plan", policy, "--detailed-exitcode") == 2
    assert run(sandbox_dir, "apply", policy, "--auto-approve") == 0
    assert _eastwests(_memberships(azure))["nic-vm-web-3"] == {"eastwest-sandbox-web-vnet-web"}
    assert run(sandbox_dir, "plan", policy, "--detailed-exitcode") == 0

    assert run(sandbox_dir, "apply", str(POLICY), "--auto-approve") == 0
    assert not any(_eastwests(_memberships(azure)).values())
    names = {a.name for a in azure.network.application_security_groups.list(azure.group)}
    assert names == {"asg-db-legacy"}
