"""`eastwest synth` and the reconciler agree, both ways, with the real Terraform AWS provider.

Against the sandbox daemon (`sandbox_dir`): Terraform applies the synthesized configuration and
`eastwest plan` then has nothing to do; `eastwest apply`, then the synthesized configuration with
its import blocks makes `terraform plan` propose the imports and nothing else. The provider
reaches the account through `assume_role` (see docs/terraform.md); skipped, saying why, where
terraform or the provider mirror is absent.
"""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from moto_fixtures.aws import console
from orchestrator.cli import main
from tests.providers.aws.cloud import clear_calls, ec2_for, writes
from tests.terraform.runner import actions, needs_terraform, terraform

POLICY = str(Path(__file__).parents[3] / "policies" / "examples" / "sandbox.yaml")

pytestmark = needs_terraform


def run(directory: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["--sandbox", str(directory), *args], catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_terraform_apply_leaves_eastwest_nothing_to_do(sandbox_dir: Path, tmp_path: Path) -> None:
    before = console.unowned_snapshot(ec2_for(sandbox_dir))
    out = tmp_path / "tf"
    code, _, err = run(sandbox_dir, "synth", POLICY, "--out", str(out))
    assert code == 0, err
    assert not (out / "imports.tf.json").exists()  # nothing to adopt yet
    assert writes(sandbox_dir) == []  # synth never writes to a cloud

    tf = terraform(out, tmp_path / "home")
    tf.init()
    tf.run("apply", "-auto-approve", "-input=false")

    code, stdout, _ = run(sandbox_dir, "plan", POLICY, "--detailed-exitcode")
    assert code == 0, stdout
    assert "No changes." in stdout
    assert tf.no_changes()  # and Terraform itself is stable
    assert console.unowned_snapshot(ec2_for(sandbox_dir)) == before


def test_after_eastwest_apply_terraform_only_imports(sandbox_dir: Path, tmp_path: Path) -> None:
    code, stdout, _ = run(sandbox_dir, "apply", POLICY, "--auto-approve")
    assert code == 0
    added = int(stdout.split("Resources: ")[1].split(" added")[0])
    out = tmp_path / "tf"
    clear_calls(sandbox_dir)
    code, _, err = run(sandbox_dir, "synth", POLICY, "--out", str(out))
    assert code == 0, err
    assert writes(sandbox_dir) == []
    imports = json.loads((out / "imports.tf.json").read_text())["import"]
    assert len(imports) == added

    tf = terraform(out, tmp_path / "home")
    tf.init()
    planned = actions(tf.plan_json())
    assert len(planned) == added
    assert {tuple(a) for a in planned.values()} == {("no-op", "import")}

    tf.run("apply", "-auto-approve", "-input=false", "tfplan")  # adoption, nothing recreated
    assert tf.no_changes()
    assert run(sandbox_dir, "plan", POLICY, "--detailed-exitcode")[0] == 0
