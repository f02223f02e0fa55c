"""Smoke test of the flow-store benchmark at a small size: what it stores and prints, no
timings asserted (the machine is shared; docs/benchmarks.md holds the figures)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from orchestrator.flows.store import FlowStore
from tests.benchmarks.flows import main

RECORDS = 2_000


def _rows(store: Path) -> int:
    with FlowStore(store) as db:
        return int(db.rows("SELECT sum(records) FROM conversations")[0][0])


@pytest.mark.parametrize("runs", [pytest.param(1, id="new-folder"), pytest.param(2, id="rerun")])
def test_the_benchmark_makes_its_folder_and_ingests_every_record_each_run(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], runs: int
) -> None:
    folder = tmp_path / "not" / "made"
    for _ in range(runs):
        main(RECORDS, folder)
    printed = capfd.readouterr().out
    # A rerun ingests the file again into a fresh store (not "1 already ingested").
    assert printed.count(f"{RECORDS} flow record(s)") == runs
    assert len(re.findall(r"ingest: .* records per CPU second, peak RSS \d+ MiB", printed)) == runs
    assert re.search(r"dry run: .* \d+ blocked", printed)
    assert printed.count("generate ") == 1
    assert printed.count("reuse ") == runs - 1
    assert _rows(folder / "flows.duckdb") == RECORDS
