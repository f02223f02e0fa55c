"""Every broken policy of the corpus, through the CLI against a live sandbox: exit 1, a message
naming file, line and field, and not a single call to the cloud (DESIGN.md rule 6)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from orchestrator.cli import main
from tests.providers.aws.cloud import calls, clear_calls

CORPUS = sorted((Path(__file__).parents[2] / "fixtures" / "policies" / "broken").glob("*.yaml"))


def _expected(path: Path) -> tuple[str, str]:
    first = path.read_bytes().decode("utf-8", errors="replace").splitlines()[0]
    match = re.match(r"# expect: (\d+):(\d+|\*): (\S*): ", first)
    assert match, f"{path.name} lacks its '# expect:' line"
    return match[1], match[3]


@pytest.mark.parametrize("command", ["validate", "plan", "apply"])
@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_broken_policy_exits_1_with_a_located_message_and_no_call(
    live_sandbox: Path, path: Path, command: str
) -> None:
    clear_calls(live_sandbox)
    args = ["--sandbox", str(live_sandbox), command, str(path)]
    if command == "apply":
        args.append("--auto-approve")
    result = CliRunner().invoke(main, args, catch_exceptions=False)
    assert result.exit_code == 1
    line, field = _expected(path)
    assert f"{path}:{line}:" in result.stderr
    if field:
        assert f": {field}: " in result.stderr
    assert calls(live_sandbox) == []


def test_the_corpus_is_large_enough() -> None:
    assert len(CORPUS) >= 25
