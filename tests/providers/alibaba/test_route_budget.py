"""Issue 13 (Alibaba): a no-op plan reads the route entries of governed route tables only.

``DescribeRouteEntryList`` takes one ``RouteTableId``, so reading every table of the region
costs one call per table, governed or not. A governed table is one the policy routes in, or
one eastwest claimed before it first wrote an entry there (a tag written before the entry, so
an entry left by a failed apply is still found when the policy no longer wants that table).
Against the seeded landing zone, without faults (so each call is counted once).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from moto_fixtures.alibaba.seed import SeedReport, seed_alibaba
from moto_fixtures.alibaba.server import AlibabaServer, start_alibaba_server
from orchestrator.state import NetworkRoute, Step
from providers.alibaba.transit_read import route_tables
from providers.alibaba.transit_write import TransitWriter
from tests.providers.alibaba.conftest import Sent, adapter_for
from tests.providers.alibaba.test_transit import POLICY, SCOPE, apply, plan, write_policy


@pytest.fixture
def seeded() -> Iterator[tuple[AlibabaServer, SeedReport]]:
    with start_alibaba_server() as server:
        yield server, seed_alibaba(server)


def test_noop_plan_reads_only_governed_route_tables(
    seeded: tuple[AlibabaServer, SeedReport], tmp_path: Path
) -> None:
    server, report = seeded
    hub = write_policy(tmp_path, report)
    applying = adapter_for(server, POLICY, [], [])
    first = plan(applying, hub)
    routed = {c.resource.table for c in first.changes if isinstance(c.resource, NetworkRoute)}
    apply(applying, first)
    sent: Sent = []
    counting = adapter_for(server, POLICY, sent, [])
    assert not plan(counting, hub).has_changes

    read = [p["RouteTableId"] for _, action, p in sent if action == "DescribeRouteEntryList"]
    every = {t["RouteTableId"] for t in route_tables(counting.api, "cn-hangzhou")}
    assert sorted(read) == sorted(routed), "one read per governed table, none for the others"
    assert len(every) > len(routed)  # the region has tables eastwest does not route in


def test_a_claimed_table_is_still_read_when_no_longer_wanted(
    seeded: tuple[AlibabaServer, SeedReport], tmp_path: Path
) -> None:
    """An entry eastwest wrote is still found (so it can be removed) once the policy stops
    routing in its table, even when no digest was recorded there (the apply failed later)."""
    server, report = seeded
    ali = adapter_for(server, POLICY, [], [])
    wanted = plan(ali, write_policy(tmp_path, report))
    (change, *_) = [c for c in wanted.changes if isinstance(c.resource, NetworkRoute)]
    writer = TransitWriter(ali.api, SCOPE, POLICY, sleep=lambda _: None)
    results = writer.apply(Step.ADD_RULES, [change], {}, lambda _: None)
    assert results[change.key].ok, results  # and no record_applied: no digest on the table
    seen = ali.observe(SCOPE, None)  # a policy that no longer routes anywhere
    assert change.key in seen.resources
