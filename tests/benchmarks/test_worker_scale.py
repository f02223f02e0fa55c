"""Smoke test of the queue-mode benchmark at a small size: 2 worker processes, 4 partitions,
on the session's local AWS (50 ms per call, published limits) and a PostgreSQL started here.
Counts only, no timings asserted (docs/benchmarks.md holds the figures)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tests.missing_tool import missing_tool
from tests.orchestrator.reconcile.pg import PostgresUnavailableError, postgres_server

if TYPE_CHECKING:
    from moto_fixtures.aws.server import AwsServer


def test_two_workers_reconcile_every_partition_once(aws_server: AwsServer, tmp_path: Path) -> None:
    from tests.benchmarks.worker_scale import measure

    try:
        with postgres_server() as url:
            got = measure(aws_server, url, workers=2, partitions=4, tmp=tmp_path)
    except PostgresUnavailableError as exc:
        missing_tool(f"PostgreSQL cannot be started: {exc}")
    assert got["outcomes"] == {"pending": 4}  # each partition once: one job per interval
    assert got["throttled"] == 0
    # A tick's ~12 calls, plus each worker process's own snapshot of the 4 scopes (3 calls a
    # scope and 1 identity): a budget, not a measurement.
    assert got["calls_per_partition"] <= 12 + 2 * (3 + 1)
