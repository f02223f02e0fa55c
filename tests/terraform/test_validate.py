"""`terraform init` and `terraform validate` of synthesized AWS output, with the real provider:
security groups, rules, prefix lists and every routing resource, with import blocks."""

from __future__ import annotations

from pathlib import Path

from terraform import synthesize, write_files
from tests.terraform.runner import needs_terraform, terraform
from tests.terraform.states import ASSOCIATION, GROUP, TO_HUB, routing_state


@needs_terraform
def test_the_aws_output_validates_against_the_real_provider(tmp_path: Path) -> None:
    out = tmp_path / "tf"
    native = {
        GROUP: "sg-0123456789abcdef0",
        ASSOCIATION: "tgw-rtb-0123456789abcdef0_tgw-attach-0123456789abcdef0",
        TO_HUB: "rtb-0123456789abcdef0_10.20.0.0/15",
    }
    write_files(out, synthesize(routing_state(), native))
    tf = terraform(out, tmp_path / "home")
    tf.init()
    done = tf.run("validate")
    assert "Success! The configuration is valid." in done.stdout
