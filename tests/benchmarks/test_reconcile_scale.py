"""Smoke test of the many-scopes benchmark at a small size, on the session's local AWS with 50 ms
per call and the published limits: counts only, no timings asserted (docs/benchmarks.md holds
the figures)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from orchestrator.pipeline import compile_for
from orchestrator.reconcile.snapshot import SharedCompile
from tests.benchmarks.aws_endpoint import InProcess, own_process
from tests.benchmarks.reconcile_scale import measure_interval, measure_plan

if TYPE_CHECKING:
    from moto_fixtures.aws.server import AwsServer


def test_a_shared_snapshot_reads_each_scope_once_per_interval(aws_server: AwsServer) -> None:
    shared = measure_interval(InProcess(aws_server), 4, SharedCompile(300.0))
    per_tick = measure_interval(InProcess(aws_server), 4, compile_for)

    assert shared["outcomes"] == {"pending": 4} == per_tick["outcomes"]
    assert shared["throttled"] == 0
    # Every tick of the per-tick compile reads all 4 inventories; the snapshot reads them once.
    assert per_tick["calls"] - shared["calls"] >= 3 * 4 * 2
    # About 7 calls to reconcile a partition, and 1 more for the effective-access check: its
    # network ACLs; its ENIs, subnets and groups are the snapshot's and the tick's own reads
    # (docs/benchmarks.md; 12.1 before they were shared): a budget, not a measurement.
    assert shared["calls_per_partition"] <= 9


def test_the_plan_table_counts_a_server_of_its_own_apart_from_the_client() -> None:
    with own_process() as server:
        row = measure_plan(server, scopes=4)
        assert server.calls() == row["calls"]  # the same log, read over HTTP
    # 4 scopes of one account: its identity, then 3 inventory and 4 observation reads a scope.
    assert row["calls"] == 1 + 4 * 7
    assert row["server"] == "own process"
    assert row["server_cpu_s"] > 0  # the daemon served them: its CPU is not the client's
    assert row["client_cpu_s"] > 0
