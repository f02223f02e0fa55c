"""Guards of the ingest's speed that time nothing: the benchmark's format takes DuckDB's
one-pass reader (not the Python parser, ten times slower), and the store stays as small
per record as measured (docs/benchmarks.md)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from orchestrator.flows.ingest import ingest_paths
from orchestrator.flows.store import HOUR, FlowStore
from tests.benchmarks.flows import write

RECORDS = 100_000
# Measured: 2.3 MiB for 100,000 records of the benchmark (49,912 conversations), 1.5 MiB
# of it the empty store's own blocks; a bound 1.5x above, so a wider row (text addresses
# again, or a column more) fails here.
STORE_BYTES_MAX = 3_500_000


def _truth(path: Path) -> Counter[tuple[int, str, str, int]]:
    """Records per conversation (hour, client, server, server port), in Python."""
    found: Counter[tuple[int, str, str, int]] = Counter()
    for line in path.read_text().splitlines():
        words = line.split(" ")
        src, dst, sport, dport, start = words[3], words[4], int(words[5]), int(words[6]), words[10]
        client, server, port = (dst, src, sport) if sport < dport else (src, dst, dport)
        found[(int(start) // HOUR * HOUR, client, server, port)] += 1
    return found


@pytest.fixture(scope="module")
def benchmark_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bench") / "flows.log"
    write(path, RECORDS)
    return path


def test_the_benchmark_format_is_read_by_duckdb_into_the_truths_conversations(
    benchmark_file: Path, tmp_path: Path
) -> None:
    store_path = tmp_path / "s.duckdb"
    with FlowStore(store_path) as store:
        report = ingest_paths(store, [benchmark_file])
        assert report.read_by_duckdb == [str(benchmark_file)]
        assert (report.records, report.malformed_count) == (RECORDS, 0)
        rows = store.rows("SELECT hour, client, server, port, records FROM hourly")
    truth = _truth(benchmark_file)
    assert {(h, c, s, p): n for h, c, s, p, n in rows} == dict(truth)
    assert len(rows) == len(truth)
    assert store_path.stat().st_size <= STORE_BYTES_MAX


def test_the_python_parser_stores_the_same_conversations(
    benchmark_file: Path, tmp_path: Path
) -> None:
    """The guard above can fail: with the fast path off nothing is read by DuckDB."""
    with FlowStore(tmp_path / "s.duckdb", fast=False) as store:
        report = ingest_paths(store, [benchmark_file])
        assert report.read_by_duckdb == []
        total = store.rows("SELECT count(*), sum(records) FROM conversations")
    assert total == [(len(_truth(benchmark_file)), RECORDS)]
