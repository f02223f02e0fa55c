"""Azure's part of "after one apply of sandbox-multicloud.yaml with attach: add, every in-scope
interface carries eastwest's group", read back through azure-mgmt-network, not eastwest: on
Azure the NSG of a NIC's subnet is evaluated for the NIC, so every NIC in a member subnet is
behind eastwest's NSG, and no NIC is written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from moto_fixtures.consoles import AzureConsole
from moto_fixtures.sandbox import load_sandbox
from orchestrator.cli import main

# Every test here ends with the unowned groups, rules, routes and memberships of the three
# clouds as seeded (tests/ownership.py).
pytestmark = [pytest.mark.sandbox, pytest.mark.usefixtures("unowned")]

POLICY = str(Path(__file__).parents[3] / "policies" / "examples" / "sandbox-multicloud.yaml")
MEMBER_SUBNETS = {"snet-web-2", "snet-app-2", "snet-db-2"}  # the policy's Azure members


def run(directory: Path, *args: str) -> int:
    return CliRunner().invoke(main, ["--sandbox", str(directory), *args]).exit_code


def _nics(azure: AzureConsole) -> dict[str, dict[str, Any]]:
    return {str(n.name): n.as_dict() for n in azure.network.network_interfaces.list(azure.group)}


def _subnet_nsg(azure: AzureConsole, subnet_id: str) -> tuple[str, str]:
    """(subnet name, its NSG's id in lower case or '')."""
    parts = subnet_id.split("/")
    subnet = azure.network.subnets.get(azure.group, parts[-3], parts[-1]).as_dict()
    nsg = subnet["properties"].get("networkSecurityGroup") or {}
    return parts[-1], str(nsg.get("id", "")).lower()


def test_every_nic_in_a_member_subnet_is_behind_eastwests_nsg(sandbox_dir: Path) -> None:
    azure = AzureConsole(load_sandbox(sandbox_dir)["azure"])
    before = _nics(azure)
    assert run(sandbox_dir, "apply", POLICY, "--auto-approve") == 0
    # Converged; the seeded DBA groups on AWS and Alibaba are findings (3), not changes.
    assert run(sandbox_dir, "plan", POLICY, "--detailed-exitcode") == 3
    owned = {str(n.id).lower() for n in azure.owned_nsgs("sandbox")}
    covered = set()
    for name, nic in _nics(azure).items():
        for config in nic["properties"]["ipConfigurations"]:
            subnet, nsg = _subnet_nsg(azure, config["properties"]["subnet"]["id"])
            assert (nsg in owned) == (subnet in MEMBER_SUBNETS), (name, subnet, nsg)
            if nsg in owned:
                covered.add(name)
    assert covered == {"nic-vm-web-2", "nic-vm-app-2", "nic-vm-db-2"}
    # No NIC is written: the subnet association is the attach (NIC-level NSGs stay the user's).
    assert _nics(azure) == before
