"""The multi-cloud sandbox policy through the CLI, against a real `eastwest sandbox up` daemon."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from moto_fixtures.consoles import AlibabaConsole, AzureConsole
from moto_fixtures.sandbox import load_sandbox
from orchestrator.cli import main

pytestmark = pytest.mark.sandbox

POLICY = str(Path(__file__).parents[2] / "policies" / "examples" / "sandbox-multicloud.yaml")


def run(directory: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--sandbox", str(directory), *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_validate_names_three_clouds(sandbox_dir: Path) -> None:
    code, out, _ = run(sandbox_dir, "validate", POLICY)

    assert code == 0
    assert "3 account(s), 5 segment(s), 6 rule(s)" in out


def test_plan_apply_plan_converges_in_three_clouds(sandbox_dir: Path) -> None:
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

    code, out, _ = run(sandbox_dir, "plan", POLICY, "--detailed-exitcode")
    assert code == 0, out
    assert "No changes." in out
    assert len(alibaba.owned_groups("sandbox")) == 6
    assert sorted(str(n.name) for n in azure.owned_nsgs("sandbox")) == [
        "eastwest-sandbox-app-vnet-app",
        "eastwest-sandbox-db-vnet-db",
        "eastwest-sandbox-web-vnet-web",
    ]
    assert (alibaba.unowned_snapshot(), azure.unowned_snapshot()) == before


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
    assert (code, "No changes." in out) == (0, True)


def test_the_next_test_starts_from_freshly_seeded_clouds(sandbox_dir: Path) -> None:
    # After the tests above applied to all three clouds, the fixture reset them.
    state = load_sandbox(sandbox_dir)

    assert AlibabaConsole(state["alibaba"]).owned_groups("sandbox") == []
    assert AzureConsole(state["azure"]).owned_nsgs("sandbox") == []
