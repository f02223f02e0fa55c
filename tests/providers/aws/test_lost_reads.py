"""A read whose answer is lost on every retry while an apply waits (propagations settling, on
the sandbox AWS through ``/_eastwest/faults``) fails that scope's step with a message; it must
not escape the adapter as a botocore exception and end the whole apply (chaos seed 15)."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from moto_fixtures.aws.faults import PATH
from moto_fixtures.aws.seed import SeedReport
from orchestrator.apply import apply_plan
from tests.providers.aws.test_lost_writes import _adapter, _plan

pytestmark = pytest.mark.sandbox


def _faults(endpoint: str, body: dict[str, Any] | None) -> None:
    data = json.dumps(body).encode() if body is not None else None
    method = "POST" if data else "DELETE"
    request = urllib.request.Request(endpoint + PATH, data=data, method=method)
    with urllib.request.urlopen(request, timeout=10):
        pass


@pytest.fixture
def lose(aws_endpoint: str) -> Iterator[None]:
    yield
    _faults(aws_endpoint, None)


@pytest.mark.parametrize("action", ["GetTransitGatewayRouteTablePropagations"])
def test_a_read_lost_while_waiting_fails_the_step_not_the_apply(
    seeded_aws: SeedReport, sandbox: dict[str, Any], aws_endpoint: str, lose: None, action: str
) -> None:
    plan = _plan(_adapter(sandbox)).plan
    assert plan is not None
    _faults(aws_endpoint, {"lost": 1.0, "actions": [action]})
    report = apply_plan(plan, lambda _: _adapter(sandbox))
    assert not report.ok
    problems = [r.message for _, r in report.results if not r.ok] + list(report.errors)
    assert any("waiting for propagations" in str(p) for p in problems), problems
