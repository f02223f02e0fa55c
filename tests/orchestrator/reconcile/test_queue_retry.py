"""The queue's retry strategy: a job asking for an early retry gets it after its own delay, up
to MAX_ATTEMPTS; any other failure waits for the next interval's job."""

from __future__ import annotations

import pytest
from procrastinate.jobs import Job

from orchestrator.errors import ProviderError
from orchestrator.reconcile.queue import MAX_ATTEMPTS, QUEUE, TASK, RetryLater, TickRetry


def job(attempts: int) -> Job:
    lock = "policy:shop/aws/111111111111/us-east-1"
    return Job(queue=QUEUE, lock=lock, queueing_lock=lock, task_name=TASK, attempts=attempts)


@pytest.mark.parametrize(
    ("error", "attempts", "retried"),
    [
        pytest.param(RetryLater(2.5, "throttled"), 0, True, id="transient-first"),
        pytest.param(RetryLater(2.5, "throttled"), MAX_ATTEMPTS - 2, True, id="transient-last"),
        pytest.param(RetryLater(2.5, "throttled"), MAX_ATTEMPTS - 1, False, id="attempts-spent"),
        pytest.param(ProviderError("AccessDenied"), 0, False, id="permanent"),
    ],
)
def test_only_early_retries_are_retried_and_not_forever(
    error: Exception, attempts: int, retried: bool
) -> None:
    decision = TickRetry().get_retry_decision(exception=error, job=job(attempts))
    assert (decision is not None) is retried
    if decision is not None:
        assert decision.retry_at is not None  # 2.5 s from now, not at once
