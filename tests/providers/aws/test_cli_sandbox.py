"""The CLI against a real `eastwest sandbox up` daemon, as a user runs it."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from moto_fixtures.aws import console
from orchestrator.cli import main
from orchestrator.demo_access import take_off_aws
from tests.providers.aws.cloud import clear_calls, ec2_for, writes

POLICY = str(Path(__file__).parents[3] / "policies" / "examples" / "sandbox.yaml")


def run(directory: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--sandbox", str(directory), *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_plan_apply_plan_converges_without_touching_unowned(sandbox_dir: Path) -> None:
    ec2 = ec2_for(sandbox_dir)
    before = console.unowned_snapshot(ec2)

    code, out, _ = run(sandbox_dir, "plan", POLICY, "--detailed-exitcode")
    assert code == 2
    # Changes: the member attachments leave the transit gateway's default table for their
    # segments' tables, and the inspection attachment gets appliance mode.
    assert "to add, 9 to change, 0 to destroy." in out
    assert writes(sandbox_dir) == []  # plan never writes

    code, out, err = run(sandbox_dir, "apply", POLICY, "--auto-approve")
    assert code == 0, err
    assert "Apply complete!" in out

    # The seeded DBA group (tcp/5432 from 0.0.0.0/0 on db-1's ENI) opens web → db: nothing
    # eastwest can change, and not green either (DESIGN.md rule 8).
    code, out, _ = run(sandbox_dir, "plan", POLICY, "--detailed-exitcode")
    assert code == 3, out
    assert "No changes eastwest can make, but 1 flow(s) are not as the policy says:" in out
    assert "web → db: open beyond policy: tcp/5432" in out
    assert "(pg-open-db-1) rule sgr-" in out
    assert "allows tcp/5432 from 0.0.0.0/0" in out
    assert "match the policy" not in out
    code, out, _ = run(sandbox_dir, "paths", POLICY)
    assert (code, "(pg-open-db-1) rule sgr-" in out) == (1, True), out
    assert take_off_aws(ec2) == 1  # its owner takes it off the interface
    code, out, _ = run(sandbox_dir, "plan", POLICY, "--detailed-exitcode")
    assert (code, "No changes. The clouds match the policy." in out) == (0, True), out
    assert run(sandbox_dir, "paths", POLICY)[0] == 0

    clear_calls(sandbox_dir)
    code, out, _ = run(sandbox_dir, "apply", POLICY, "--auto-approve")
    assert code == 0
    assert writes(sandbox_dir) == []  # a second apply makes no write call
    assert console.unowned_snapshot(ec2) == before  # byte for byte


def test_apply_refuses_without_a_terminal_or_auto_approve(sandbox_dir: Path) -> None:
    code, _, err = run(sandbox_dir, "apply", POLICY)
    assert code == 1
    assert "--auto-approve" in err
    assert writes(sandbox_dir) == []


def test_drift_is_shown_and_restored(sandbox_dir: Path) -> None:
    assert run(sandbox_dir, "apply", POLICY, "--auto-approve")[0] == 0
    ec2 = ec2_for(sandbox_dir)
    groups = console.managed_groups(ec2)
    console.add_rogue_rule(ec2, groups[0]["GroupId"])
    console.delete_first_ingress_rule(ec2, groups[1])

    code, out, _ = run(sandbox_dir, "plan", POLICY, "--detailed-exitcode")
    assert code == 2
    assert "Drift: changed outside eastwest" in out
    assert "ingress tcp/22 from 0.0.0.0/0" in out
    assert "1 to add, 0 to change, 1 to destroy; 2 of them restore drift." in out

    assert run(sandbox_dir, "apply", POLICY, "--auto-approve")[0] == 0
    # No changes left; the seeded DBA group still opens web → db (3, not 0).
    assert run(sandbox_dir, "plan", POLICY, "--detailed-exitcode")[0] == 3


def test_saved_plan_applies_exactly_and_a_stale_one_is_refused(
    sandbox_dir: Path, tmp_path: Path
) -> None:
    plan_file = tmp_path / "plan.json"
    code, _, _ = run(sandbox_dir, "plan", POLICY, "--out", str(plan_file))
    assert code == 0
    body = json.loads(plan_file.read_text())
    assert body["format_version"] == "1.2"
    added, changed = body["summary"]["add"], body["summary"]["change"]

    code, out, err = run(sandbox_dir, "apply", str(plan_file))
    assert code == 0, err
    assert f"Resources: {added} added, {changed} changed, 0 destroyed." in out

    # A plan made now, then a console edit: the saved plan no longer describes the world.
    ec2 = ec2_for(sandbox_dir)
    group = console.managed_groups(ec2)[0]
    console.add_rogue_rule(ec2, group["GroupId"])
    assert run(sandbox_dir, "plan", POLICY, "--out", str(plan_file))[0] == 0
    console.delete_first_ingress_rule(ec2, console.managed_groups(ec2)[1])
    clear_calls(sandbox_dir)
    code, _, err = run(sandbox_dir, "apply", str(plan_file))
    assert code == 1
    assert "stale" in err
    assert writes(sandbox_dir) == []


def test_json_plan_is_machine_readable(sandbox_dir: Path) -> None:
    code, out, _ = run(sandbox_dir, "plan", POLICY, "--json")
    assert code == 0
    body = json.loads(out)
    assert body["policy"] == "sandbox"
    assert body["summary"]["add"] > 0
    actions = {(c["action"], c["kind"]) for s in body["scopes"] for c in s["changes"]}
    assert {a for a, _ in actions} == {"create", "update"}
    assert {k for a, k in actions if a == "update"} == {"hub_association", "appliance_mode"}
