"""What a person at a terminal sees: the confirmation prompt of `apply`, on a real pty; and the
standard AWS configuration chain (no --sandbox), as the user's other AWS tools use it; a
plan in colour only when the terminal allows it."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from moto_fixtures.aws import console
from moto_fixtures.sandbox import load_sandbox
from orchestrator.cli import main
from tests.providers.aws.cloud import clear_calls, writes
from tests.terminal import on_a_pty

POLICY = str(Path(__file__).parents[3] / "policies" / "examples" / "sandbox.yaml")


def _converse(args: list[str], answer: str) -> tuple[int, str]:
    return on_a_pty(args, {"NO_COLOR": "1"}, answer)


def test_apply_asks_on_a_terminal_and_only_yes_applies(sandbox_dir: Path) -> None:
    args = ["--sandbox", str(sandbox_dir), "apply", POLICY]
    code, screen = _converse(args, "no")
    assert "Only 'yes' will be accepted" in screen
    assert "Apply cancelled; nothing was changed." in screen
    assert code == 1
    assert writes(sandbox_dir) == []

    code, screen = _converse(args, "yes")
    assert code == 0, screen
    assert "Apply complete!" in screen


def test_without_sandbox_the_standard_chain_and_aws_endpoint_url_are_used(
    sandbox_dir: Path, tmp_path: Path
) -> None:
    """No --sandbox: credentials and endpoint come from the environment, as for the AWS CLI.
    moto answers for its default account 123456789012 when no account header is sent."""
    endpoint = load_sandbox(sandbox_dir)["aws"]["endpoint_url"]
    ec2 = console.sandbox_ec2(load_sandbox(sandbox_dir), "123456789012")
    vpc = ec2.create_vpc(CidrBlock="10.77.0.0/16")["Vpc"]["VpcId"]
    policy = tmp_path / "p.yaml"
    policy.write_text(
        "version: 1\nname: chain\naccounts:\n"
        "  - {name: dflt, cloud: aws, account_id: '123456789012', regions: [us-east-1]}\n"
        f"segments:\n  - {{name: a, members: [{{account: dflt, region: us-east-1, vpc: {vpc}}}]}}\n"
        "  - {name: b, cidrs: [192.0.2.0/24]}\n"
        "rules:\n  - {name: b-to-a, from: b, to: a, ports: [tcp/443]}\n"
    )
    env = {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "AKIAENVIRONMENT",
        "AWS_SECRET_ACCESS_KEY": "from-the-environment",
        "AWS_DEFAULT_REGION": "us-east-1",
        "EASTWEST_SANDBOX": "",
    }
    clear_calls(sandbox_dir)
    result = CliRunner(env=env).invoke(main, ["apply", str(policy), "--auto-approve"])
    assert result.exit_code == 0, result.output
    assert "AKIAENVIRONMENT" not in result.output
    assert "from-the-environment" not in result.output
    assert writes(sandbox_dir)  # it wrote, through the environment's endpoint
    again = CliRunner(env=env).invoke(main, ["plan", str(policy), "--detailed-exitcode"])
    assert again.exit_code == 0, again.output


@pytest.mark.parametrize(
    ("flags", "env", "coloured"),
    [
        pytest.param([], {}, True, id="terminal"),
        pytest.param(["--no-color"], {}, False, id="flag-after-the-command"),
        pytest.param([], {"NO_COLOR": "1"}, False, id="NO_COLOR"),
    ],
)
def test_the_plan_on_a_terminal_is_plain_when_asked(
    sandbox_dir: Path, flags: list[str], env: dict[str, str], coloured: bool
) -> None:
    _, screen = on_a_pty(["--sandbox", str(sandbox_dir), "plan", *flags, POLICY], env)
    assert "Plan:" in screen, screen
    assert ("\x1b[" in screen) is coloured
