"""Smoke test of the queue-mode benchmark at a small size: 2 worker processes, 4 partitions,
on the session's local AWS (50 ms per call, published limits) and a PostgreSQL started here.
Counts only, no timings asserted (docs/benchmarks.md holds the figures)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

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
    # Every partition costs the same 8 calls, whichever worker ticks it: the shared snapshot's
    # 3 for its scope (VPCs, subnets, interfaces) and its tick's 5 (groups, prefix lists,
    # ACLs, route tables, transit route tables). The worker that did not read the snapshot
    # gets the reader's kept answers with it (``SharesReads``), so its ticks read none of the
    # snapshot's kinds again (it read all three for each of its ticks before).
    assert _per_partition(got) == dict.fromkeys(TICK, 1.0), got["calls"]
    # The next interval reads its snapshot afresh, with the same calls; every job of each
    # round is in its timeline. An adapter proves its account once in its life: the warm round
    # reads the identity again only when the worker that did not read the first snapshot
    # reads this one.
    (warm,) = got["warm"]
    assert warm["calls"]["GetCallerIdentity"] <= 1, warm["calls"]
    assert _per_partition(warm) == dict.fromkeys(TICK, 1.0), warm["calls"]
    assert sum(got["timeline"].jobs.values()) == sum(warm["timeline"].jobs.values()) == 4


TICK = (
    "DescribeVpcs", "DescribeSubnets", "DescribeNetworkInterfaces", "DescribeSecurityGroups",
    "DescribeManagedPrefixLists", "DescribeNetworkAcls", "DescribeRouteTables",
    "DescribeTransitGatewayRouteTables",
)  # fmt: skip


def _per_partition(got: dict[str, Any]) -> dict[str, float]:
    calls = got["calls"]
    return {a: n / got["partitions"] for a, n in calls.items() if a != "GetCallerIdentity"}
