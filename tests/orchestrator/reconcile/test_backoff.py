from __future__ import annotations

import pytest

from orchestrator.reconcile.backoff import Backoff


@pytest.mark.parametrize(
    ("attempt", "low", "high"),
    [
        pytest.param(0, 0.5, 1.0, id="first"),
        pytest.param(1, 1.0, 2.0, id="second"),
        pytest.param(3, 4.0, 8.0, id="fourth"),
        pytest.param(10, 5.0, 10.0, id="capped"),
        pytest.param(10_000, 5.0, 10.0, id="huge-attempt"),
    ],
)
def test_delay_doubles_with_half_jitter_up_to_the_cap(
    attempt: int, low: float, high: float
) -> None:
    backoff = Backoff(base=1.0, cap=10.0)
    assert backoff.delay(attempt, lambda a, b: a) == low
    assert backoff.delay(attempt, lambda a, b: b) == high
    assert low <= backoff.delay(attempt) <= high
