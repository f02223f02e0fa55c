from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from orchestrator.cli import main
from orchestrator.reconcile.command import Duration, Listen
from orchestrator.reconcile.store import RunRecord, open_store


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        pytest.param("300", 300.0, id="bare"),
        pytest.param("2s", 2.0, id="seconds"),
        pytest.param("5m", 300.0, id="minutes"),
        pytest.param("1h", 3600.0, id="hours"),
        pytest.param("500ms", 0.5, id="millis"),
    ],
)
def test_durations(text: str, seconds: float) -> None:
    assert Duration().convert(text, None, None) == seconds


@pytest.mark.parametrize(
    "text", ["", "5 minutes", "-1s", "0s"], ids=["empty", "words", "negative", "zero"]
)
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(click.BadParameter):
        Duration().convert(text, None, None)


def test_listen() -> None:
    assert Listen().convert("127.0.0.1:9464", None, None) == ("127.0.0.1", 9464)
    assert Listen().convert("[::1]:9464", None, None) == ("::1", 9464)
    assert Listen().convert("off", None, None) is None


def test_history_lists_runs_and_prints_json(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    store = open_store(str(path))
    when = datetime(2026, 11, 22, 7, 0, tzinfo=UTC)
    for partition in ("aws/1/us-east-1", "aws/2/us-east-1"):
        store.record(
            RunRecord(partition, "aws", when, when, "audit", "pending", 1, 2, 0, (), None, "h", 1)
        )
    runner = CliRunner()
    out = runner.invoke(main, ["history", "--store", str(path)]).stdout.splitlines()
    assert [line.split()[2] for line in out] == ["aws/2/us-east-1", "aws/1/us-east-1"]
    result = runner.invoke(
        main, ["history", "--store", str(path), "--partition", "aws/1/us-east-1", "--json"]
    )
    assert result.exit_code == 0
    (line,) = result.stdout.splitlines()
    assert json.loads(line)["drift"] == 1


def test_history_without_a_store_says_so(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["history", "--store", str(tmp_path / "none.sqlite3")])
    assert result.exit_code == 1
    assert "has not recorded anything" in result.stderr


def test_run_refuses_a_broken_policy_before_anything_starts(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nname: [oops\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["run", str(bad), "--store", str(tmp_path / "h.sqlite3")])
    assert result.exit_code == 1
    assert "nothing to reconcile towards" in result.stderr
