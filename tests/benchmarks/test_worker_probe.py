"""The queue benchmark's probes (worker_probe.py): the per-worker timeline of a round's jobs
and the CPU read from /proc."""

from __future__ import annotations

import os
import time

import pytest

from tests.benchmarks.worker_probe import Timeline, cpu_seconds, timeline_of


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        pytest.param([], Timeline(0.0, {}, {}, {}), id="no-jobs"),
        pytest.param(
            [(1, 10.0, 14.0), (1, 14.5, 15.0), (1, 16.0, 17.0)],
            Timeline(4.0, {1: 5.5}, {1: 1.5}, {1: 3}),
            id="one-worker-with-gaps",
        ),
        pytest.param(
            # Worker 2's first job waited on worker 1's snapshot read: busy, not idle.
            [(1, 0.0, 3.0), (2, 0.1, 3.2), (1, 3.0, 4.0), (2, 3.2, 4.2)],
            Timeline(3.0, {1: 4.0, 2: 4.1}, {1: 0.0, 2: 0.0}, {1: 2, 2: 2}),
            id="two-workers-back-to-back",
        ),
        pytest.param(
            # Two jobs at once on one worker (--concurrency 2): busy while either runs.
            [(1, 0.0, 2.0), (1, 1.0, 3.0), (1, 1.5, 2.5), (1, 4.0, 5.0)],
            Timeline(2.0, {1: 4.0}, {1: 1.0}, {1: 4}),
            id="jobs-at-once-on-one-worker",
        ),
    ],
)
def test_timeline_of_a_round(rows: list[tuple[int, float, float]], expected: Timeline) -> None:
    got = timeline_of(rows)
    assert got.first_job_s == pytest.approx(expected.first_job_s)
    assert got.busy_s == pytest.approx(expected.busy_s)
    assert got.idle_s == pytest.approx(expected.idle_s)
    assert got.jobs == expected.jobs


def test_cpu_seconds_counts_this_process_and_nothing_for_a_gone_one() -> None:
    before = cpu_seconds(os.getpid())
    deadline = time.process_time() + 0.2
    while time.process_time() < deadline:  # burn 0.2 s of CPU
        pass
    assert cpu_seconds(os.getpid()) - before >= 0.1
    assert cpu_seconds(2**22 + 7) == 0.0  # above the kernel's pid_max: no such process
