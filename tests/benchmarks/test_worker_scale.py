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
    # One snapshot for both workers (through PostgreSQL): the account's identity read once,
    # not once per worker process.
    assert got["calls"]["GetCallerIdentity"] == 1, got["calls"]
    # A tick's 8 calls, the shared snapshot's 3 a scope, and at most 3 more in the ticks of
    # the worker that did not read it (its own scope's VPCs, subnets and interfaces, which
    # the reader's adapters keep from the snapshot): a budget, whatever the workers' number.
    assert got["calls_per_partition"] <= 8 + 3 + 3 + 1
