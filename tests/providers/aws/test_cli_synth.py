"""`eastwest synth` through the CLI against the sandbox daemon (no terraform needed here)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from moto_fixtures.aws import console
from orchestrator.cli import main
from tests.providers.aws.cloud import calls, clear_calls, ec2_for, writes

POLICY = str(Path(__file__).parents[3] / "policies" / "examples" / "sandbox.yaml")


def run(directory: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--sandbox", str(directory), *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def _imports(out: Path) -> list[dict[str, str]]:
    blocks: list[dict[str, str]] = json.loads((out / "imports.tf.json").read_text())["import"]
    return blocks


def test_no_imports_reads_nothing_owned_and_drops_the_old_imports(
    sandbox_dir: Path, tmp_path: Path
) -> None:
    assert run(sandbox_dir, "apply", POLICY, "--auto-approve")[0] == 0
    out = tmp_path / "tf"
    assert run(sandbox_dir, "synth", POLICY, "--out", str(out))[0] == 0
    assert _imports(out)
    clear_calls(sandbox_dir)

    code, stdout, _ = run(sandbox_dir, "synth", POLICY, "--out", str(out), "--no-imports")

    assert code == 0
    assert "(0 import block(s))" in stdout
    assert not (out / "imports.tf.json").exists()
    actions = {c["action"] for c in calls(sandbox_dir)}
    assert actions.isdisjoint({"DescribeSecurityGroups", "DescribeSecurityGroupRules"})


def test_owned_resources_the_policy_does_not_want_are_named_not_imported(
    sandbox_dir: Path, tmp_path: Path
) -> None:
    assert run(sandbox_dir, "apply", POLICY, "--auto-approve")[0] == 0
    ec2 = ec2_for(sandbox_dir)
    console.add_rogue_rule(ec2, console.managed_groups(ec2)[0]["GroupId"])
    out = tmp_path / "tf"
    clear_calls(sandbox_dir)

    code, _, err = run(sandbox_dir, "synth", POLICY, "--out", str(out))

    assert code == 0
    assert "1 resource(s) eastwest owns in aws/111111111111/us-east-1 are not in the policy" in err
    assert "tcp:22/cidr:0.0.0.0/0" in err
    blocks = _imports(out)
    declared = json.loads((out / "aws" / "main.tf.json").read_text())["resource"]
    # One block per declared resource: everything wanted, not the rogue rule. An attachment's
    # association with a table and its propagation into it share an id (the provider spells
    # both `tgw-rtb-…_tgw-attach-…`): one object per resource type and id.
    objects = {(block["to"].split(".")[2], block["id"]) for block in blocks}
    assert len(objects) == len(blocks) == sum(len(named) for named in declared.values())
    assert writes(sandbox_dir) == []


def test_a_broken_policy_writes_nothing(sandbox_dir: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("version: 1\nname: x\naccounts: []\nsegments: []\nrules: [{name: r}]\n")
    out = tmp_path / "tf"
    code, _, _ = run(sandbox_dir, "synth", str(broken), "--out", str(out))
    assert code == 1
    assert not out.exists()
    assert calls(sandbox_dir) == []
