"""Shell completion as docs/cli.md documents it: click's `_EASTWEST_COMPLETE=<shell>_source
eastwest` prints the script, and the script's callback completes commands and options."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from orchestrator.cli import main

SCRIPT = Path(sys.executable).parent / "eastwest"


@pytest.mark.parametrize(
    ("shell", "marker"),
    [
        pytest.param("bash", "complete -o nosort -F _eastwest_completion eastwest", id="bash"),
        pytest.param("zsh", "compdef _eastwest_completion eastwest", id="zsh"),
        pytest.param("fish", "complete --no-files --command eastwest", id="fish"),
    ],
)
def test_the_completion_script_is_produced(shell: str, marker: str) -> None:
    env = {"_EASTWEST_COMPLETE": f"{shell}_source"}
    result = CliRunner(env=env).invoke(main, [], prog_name="eastwest")
    assert result.exit_code == 0
    assert marker in result.stdout


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        pytest.param("eastwest pl", {"plan"}, id="command"),
        pytest.param(
            "eastwest plan --no", {"--no-access-check", "--no-color"}, id="option-after-the-command"
        ),
        pytest.param("eastwest --no", {"--no-color"}, id="global-option"),
        pytest.param("eastwest schema --document ", {"policy", "plan", "paths"}, id="choice"),
        pytest.param("eastwest sandbox ", {"up", "down"}, id="subcommand"),
    ],
)
def test_completion_completes(words: str, expected: set[str]) -> None:
    parts = words.split(" ")
    env = {
        "_EASTWEST_COMPLETE": "bash_complete",
        "COMP_WORDS": words,
        "COMP_CWORD": str(len(parts) - 1),
    }
    result = CliRunner(env=env).invoke(main, [], prog_name="eastwest")
    offered = {line.split(",", 1)[1] for line in result.stdout.splitlines()}
    assert offered == expected


@pytest.mark.skipif(not SCRIPT.exists(), reason="the eastwest script is not installed here")
def test_the_documented_command_works_from_the_installed_script() -> None:
    done = subprocess.run(
        [str(SCRIPT)],
        env={**os.environ, "_EASTWEST_COMPLETE": "bash_source"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "_eastwest_completion()" in done.stdout
