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
            got = measure(aws_server, url, workers=2, partitions=4, tmp=tmp_path, warm=1)
    except PostgresUnavailableError as exc:
        missing_tool(f"PostgreSQL cannot be started: {exc}")
    # Each partition once per interval: one job in the cold round, one in the warm one.
    assert got["outcomes"] == {"pending": 8}
    assert got["jobs"] == {"succeeded": 8}  # none failed, none left waiting for a retry
    assert got["throttled"] == 0
    # One snapshot for both workers (through PostgreSQL): the account's identity read once,
    # not once per worker process.
    assert got["calls"]["GetCallerIdentity"] == 1, got["calls"]
    # A tick's 8 calls, the shared snapshot's 3 a scope, and at most 3 more in the ticks of
    # the worker that did not read it (its own scope's VPCs, subnets and interfaces, which
    # the reader's adapters keep from the snapshot): a budget, whatever the workers' number.
    assert got["calls_per_partition"] <= 8 + 3 + 3 + 1
    # The next interval reads its snapshot afresh, within the same budget; every job of each
    # round is in its timeline. An adapter proves its account once in its life: the warm round
    # reads the identity again only when the worker that did not read the first snapshot
    # reads this one.
    (warm,) = got["warm"]
    assert warm["calls"]["GetCallerIdentity"] <= 1, warm["calls"]
    assert warm["calls_per_partition"] <= 8 + 3 + 3 + 1
    assert sum(got["timeline"].jobs.values()) == sum(warm["timeline"].jobs.values()) == 4
