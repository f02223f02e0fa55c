"""Terraform's conventions (orchestrator/conventions.py): usage errors exit 1, so that 2 means
only "changes present"; --no-color before or after the command, and NO_COLOR, make stdout and
stderr plain. Colour is decided by isatty, so one test runs eastwest on a real pty."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from orchestrator.cli import main
from tests.terminal import on_a_pty

ESC = "\x1b["
BROKEN = str(Path(__file__).parents[1] / "fixtures" / "policies" / "broken" / "version-2.yaml")


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["plan", "--bogus", "x.yaml", "--detailed-exitcode"], id="unknown-option"),
        pytest.param(["--bogus", "plan", "x.yaml"], id="unknown-global-option"),
        pytest.param(["plan", "--detailed-exitcode"], id="missing-argument"),
        pytest.param(["plna", "x.yaml"], id="unknown-command"),
        pytest.param(["sandbox", "sideways"], id="unknown-subcommand"),
        pytest.param(["run", "x.yaml", "--mode", "sometimes"], id="bad-choice"),
        pytest.param(["run", "x.yaml", "--interval", "soon"], id="bad-value"),
        pytest.param(["history", "--limit", "0"], id="out-of-range"),
    ],
)
def test_a_usage_error_exits_1(args: list[str]) -> None:
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    assert "Error:" in result.stderr


def test_the_usage_error_of_the_issue_exits_1_from_a_real_process() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "orchestrator", "plan", "--bogus", "x.yaml", "--detailed-exitcode"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    assert "No such option '--bogus'" in done.stderr


def test_help_still_exits_0() -> None:
    assert CliRunner().invoke(main, ["plan", "--help"]).exit_code == 0


@pytest.mark.parametrize(
    ("args", "env", "coloured"),
    [
        pytest.param(["validate", BROKEN], {}, True, id="default"),
        pytest.param(["validate", BROKEN], {"NO_COLOR": "1"}, False, id="NO_COLOR"),
        pytest.param(["--no-color", "validate", BROKEN], {}, False, id="flag-before"),
        pytest.param(["validate", "--no-color", BROKEN], {}, False, id="flag-after"),
        pytest.param(["validate", BROKEN, "--no-color"], {}, False, id="flag-last"),
    ],
)
def test_colour_on_stderr_follows_the_flag_and_no_color_env(
    args: list[str], env: dict[str, str], coloured: bool
) -> None:
    # color=True: the runner behaves as a terminal would, so only eastwest can turn colour off.
    result = CliRunner(env={"NO_COLOR": None, **env}).invoke(main, args, color=True)
    assert result.exit_code == 1
    assert "unsupported policy version 2" in result.stderr
    assert (ESC in result.stderr) is coloured, repr(result.stderr)


@pytest.mark.parametrize(
    ("args", "env", "coloured"),
    [
        pytest.param(["validate", BROKEN], {}, True, id="terminal"),
        pytest.param(["validate", BROKEN], {"NO_COLOR": "1"}, False, id="NO_COLOR"),
        pytest.param(["validate", "--no-color", BROKEN], {}, False, id="flag-after"),
    ],
)
def test_on_a_terminal(args: list[str], env: dict[str, str], coloured: bool) -> None:
    code, screen = on_a_pty(args, env)
    assert code == 1
    assert "unsupported policy version 2" in screen
    assert (ESC in screen) is coloured, repr(screen)
