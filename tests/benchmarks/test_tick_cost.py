"""Smoke test of the tick-cost benchmark at a small size, on the session's local AWS: it ticks
the partitions after the first and measures their CPU (no timing asserted: docs/benchmarks.md
holds the figures)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.benchmarks.aws_endpoint import InProcess
from tests.benchmarks.tick_cost import parts, tick_cpu

if TYPE_CHECKING:
    from moto_fixtures.aws.server import AwsServer


@pytest.mark.parametrize("flows", [False, True], ids=["plain", "flows-store"])
def test_the_ticks_after_the_snapshot_are_measured(aws_server: AwsServer, flows: bool) -> None:
    per_tick, measured, check = tick_cpu(InProcess(aws_server), 4, ticks=10, flows=flows)
    assert measured == 3  # every partition but the one that read the snapshot
    assert per_tick > 0
    # With a flow store, one attribution served every tick of the interval's snapshot.
    assert (check.views if check is not None else None) == (1 if flows else None)


def test_the_parts_are_measured_before_and_now() -> None:
    measured = parts(4)
    assert [k.split(" (")[1] for k in measured] == ["before)", "now)", "before)", "now)"]
    assert all(ms >= 0 for ms in measured.values())
