"""`terraform init` and `terraform validate` of synthesized AWS output, with the real provider."""

from __future__ import annotations

from pathlib import Path

from terraform import synthesize, write_files
from tests.terraform.runner import needs_terraform, terraform
from tests.terraform.states import GROUP, small_state


@needs_terraform
def test_the_aws_output_validates_against_the_real_provider(tmp_path: Path) -> None:
    out = tmp_path / "tf"
    write_files(out, synthesize(small_state(), {GROUP: "sg-0123456789abcdef0"}))
    tf = terraform(out, tmp_path / "home")
    tf.init()
    done = tf.run("validate")
    assert "Success! The configuration is valid." in done.stdout
