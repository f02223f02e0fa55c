"""The flow store: idempotent ingest, whole-file rejection, hourly conversations, retention."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.flows.ingest import ingest_paths
from orchestrator.flows.store import HOUR, FlowStore

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "flows"

TOTALS = "SELECT count(*), coalesce(sum(records), 0), coalesce(sum(bytes), 0) FROM hourly"


def _line(src: str, dst: str, sport: int, dport: int, start: int, *, nbytes: int = 100) -> str:
    return f"2 1 eni-1 {src} {dst} {sport} {dport} 6 1 {nbytes} {start} {start + 5} ACCEPT OK\n"


@pytest.fixture
def store(tmp_path: Path) -> FlowStore:
    return FlowStore(tmp_path / "state" / "flows.duckdb")


def test_ingesting_the_fixtures_twice_stores_them_once(store: FlowStore) -> None:
    first = ingest_paths(store, [FIXTURES])
    assert len(first.stored) == 5
    assert first.records == 4 + 3 + 2 + 5 + 7
    assert len(first.malformed) == 5 + 2 + 2 + 2
    before = store.rows(TOTALS)
    again = ingest_paths(store, [FIXTURES])
    assert (again.stored, len(again.skipped), again.records) == ([], 5, 0)
    assert store.rows(TOTALS) == before
    assert before[0][1] == first.records


def test_a_rejected_file_leaves_the_store_unchanged_and_the_others_go_in(
    store: FlowStore, tmp_path: Path
) -> None:
    good = tmp_path / "good.log"
    good.write_text(_line("10.0.0.1", "10.0.1.1", 40000, 443, 7200))
    ingest_paths(store, [good])
    before = store.rows(TOTALS)
    bad = tmp_path / "bad.json"
    bad.write_text('{"records": [')
    other = tmp_path / "other.log"
    other.write_text(_line("10.0.0.2", "10.0.1.1", 40000, 443, 7200))
    report = ingest_paths(store, [bad, other])
    assert len(report.rejected) == 1
    assert "bad.json" in report.rejected[0]
    assert report.stored == [str(other)]
    assert store.rows(TOTALS)[0][1] == before[0][1] + 1


def test_both_directions_of_a_connection_are_one_conversation(
    store: FlowStore, tmp_path: Path
) -> None:
    path = tmp_path / "conn.log"
    path.write_text(
        _line("10.0.0.1", "10.0.1.1", 40000, 443, 7200, nbytes=100)
        + _line("10.0.1.1", "10.0.0.1", 443, 40000, 7210, nbytes=900)
        + _line("10.0.0.1", "10.0.1.1", 40001, 443, 7300, nbytes=50)
        + _line("10.0.0.1", "10.0.1.1", 40002, 443, 3 * HOUR + 10, nbytes=1)
    )
    ingest_paths(store, [path])
    rows = store.rows(
        "SELECT hour, client, server, port, records, bytes, first_seen, last_seen "
        "FROM hourly ORDER BY hour"
    )
    assert rows == [
        (2 * HOUR, "10.0.0.1", "10.0.1.1", 443, 3, 1050, 7200, 7305),
        (3 * HOUR, "10.0.0.1", "10.0.1.1", 443, 1, 1, 3 * HOUR + 10, 3 * HOUR + 15),
    ]


@pytest.mark.parametrize(
    ("days", "left"),
    [pytest.param(1, 1, id="keeps-the-last-day"), pytest.param(10, 2, id="keeps-both")],
)
def test_retention_deletes_hours_older_than_the_age(
    store: FlowStore, tmp_path: Path, days: int, left: int
) -> None:
    now = 100 * 24 * HOUR
    path = tmp_path / "old-and-new.log"
    path.write_text(
        _line("10.0.0.1", "10.0.1.1", 40000, 443, now - 5 * 24 * HOUR)
        + _line("10.0.0.1", "10.0.1.1", 40000, 443, now - HOUR)
    )
    ingest_paths(store, [path])
    deleted, kept = store.prune(days * 24 * HOUR, now=now)
    assert (deleted, kept) == (2 - left, left)
    assert store.rows("SELECT count(*) FROM hourly")[0][0] == left


def test_prune_folds_the_rows_several_files_left_for_one_hour(
    store: FlowStore, tmp_path: Path
) -> None:
    for index in range(3):
        path = tmp_path / f"part-{index}.log"
        path.write_text(_line("10.0.0.1", "10.0.1.1", 40000 + index, 443, 7200 + index))
        ingest_paths(store, [path])
    before = store.rows(TOTALS)
    assert before[0][0] == 3
    assert store.prune(365 * 24 * HOUR, now=8000) == (0, 1)
    assert store.rows(TOTALS) == [(1, before[0][1], before[0][2])]
    assert store.rows("SELECT first_seen, last_seen FROM hourly") == [(7200, 7207)]


def test_a_store_reopened_keeps_what_was_ingested(tmp_path: Path) -> None:
    path = tmp_path / "one.log"
    path.write_text(_line("10.0.0.1", "10.0.1.1", 40000, 443, 7200))
    with FlowStore(tmp_path / "s.duckdb") as store:
        ingest_paths(store, [path])
    with FlowStore(tmp_path / "s.duckdb") as store:
        assert store.rows(TOTALS)[0][1] == 1
        assert ingest_paths(store, [path]).skipped == [str(path)]


@pytest.mark.parametrize(
    "second_name",
    [
        pytest.param("one.log", id="same-path-hashed-first"),
        pytest.param("copy.log", id="new-path-hashed-beside-the-read"),
    ],
)
@pytest.mark.parametrize("fast", [True, False], ids=["fast", "python"])
def test_the_same_content_ingested_again_is_skipped_and_changes_nothing(
    tmp_path: Path, second_name: str, fast: bool
) -> None:
    first = tmp_path / "in" / "one.log"
    first.parent.mkdir()
    first.write_text(_line("10.0.0.1", "10.0.1.1", 40000, 443, 7200) * 3)
    with FlowStore(tmp_path / "s.duckdb", fast=fast) as store:
        assert ingest_paths(store, [first]).records == 3
        before = store.rows(TOTALS), store.rows("SELECT count(*) FROM files")
        again = tmp_path / "in" / second_name
        if again != first:
            again.write_bytes(first.read_bytes())
        report = ingest_paths(store, [again])
        assert (report.stored, report.skipped) == ([], [str(again)])
        assert (store.rows(TOTALS), store.rows("SELECT count(*) FROM files")) == before
