"""Against the running sandbox, with the multicloud policy: a CDKTF app that takes its inputs
from ``orchestrator.synth.synthesis_for`` (as the documented ``main.py`` does) declares what
``eastwest synth`` writes to its directory, after an apply so that every cloud has import
blocks. The sandbox's provider override file is the one difference, and it is left out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from orchestrator.cli import main
from orchestrator.synth import synthesis_for
from terraform.cdktf import add_to_stack
from tests.terraform.cdk_compare import PARTS, load_library, synth_stacks

POLICY = Path(__file__).resolve().parents[2] / "policies" / "examples" / "sandbox-multicloud.yaml"


def _cli(sandbox: Path, *args: str) -> None:
    done = CliRunner().invoke(main, ["--sandbox", str(sandbox), *args], catch_exceptions=False)
    assert done.exit_code == 0, done.stderr


@pytest.mark.sandbox
def test_a_cdktf_app_declares_what_synth_writes_for_the_multicloud_sandbox(
    sandbox_dir: Path, tmp_path: Path
) -> None:
    load_library("cdktf")  # skips first where node or cdktf is missing
    _cli(sandbox_dir, "apply", str(POLICY), "--auto-approve")
    _cli(sandbox_dir, "synth", str(POLICY), "--out", str(tmp_path / "tf"))
    files = {
        p.relative_to(tmp_path / "tf").as_posix(): json.loads(p.read_text(encoding="utf-8"))
        for p in (tmp_path / "tf").rglob("*.tf.json")
        if not p.name.endswith("_override.tf.json")
    }
    made = synthesis_for([POLICY], sandbox=sandbox_dir)

    def fill(stack: Any) -> None:
        add_to_stack(stack, made.desired, world=made.world, native=made.native)

    cdk = synth_stacks("cdktf", tmp_path / "app", {"network": fill})["network"]

    assert {"alibaba/main.tf.json", "aws/main.tf.json", "azure/main.tf.json"} <= set(files)
    assert {b["to"].split(".")[1] for b in files["imports.tf.json"]["import"]} == {
        "alibaba", "aws", "azure"
    }  # fmt: skip
    for part, (of_stack, of_files) in PARTS.items():
        assert of_stack(cdk) == of_files(files), part
