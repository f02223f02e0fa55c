from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from orchestrator.plan import Plan, ScopePlan
from orchestrator.reconcile.http import HealthServer
from orchestrator.reconcile.metrics import Metrics
from orchestrator.reconcile.once import Mode, Outcome, RunResult
from orchestrator.reconcile.partition import Partition
from orchestrator.reconcile.service import JsonFormatter, record_of
from orchestrator.state import Action, Change
from tests.orchestrator.factories import SCOPE
from tests.orchestrator.reconcile.fakes import TARGET, desired_resources

START = datetime(2026, 11, 22, 7, 0, tzinfo=UTC)


def result() -> RunResult:
    rule = next(r for r in desired_resources().values() if r.kind == "flow_rule")
    changes = (Change(Action.CREATE, None, rule, drift=True),)
    plan = Plan("test", (ScopePlan(SCOPE, TARGET, changes, "fp"),))
    return RunResult(
        Partition(SCOPE, TARGET),
        Mode.ENFORCE,
        START,
        START + timedelta(seconds=0.4),
        Outcome.APPLIED,
        plan=plan,
    )


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.fixture
def server() -> Iterator[tuple[HealthServer, Metrics, list[bool]]]:
    metrics, ready = Metrics(), [False]
    http = HealthServer("127.0.0.1", 0, metrics.exposition, lambda: (ready[0], {"role": "active"}))
    http.start()
    yield http, metrics, ready
    http.stop()


def test_metrics_health_and_readiness_on_one_port(
    server: tuple[HealthServer, Metrics, list[bool]],
) -> None:
    http, metrics, ready = server
    base = "http://{}:{}".format(*http.address)
    metrics.observe(result())
    status, text = get(base + "/metrics")
    assert status == 200
    labels = 'cloud="aws",partition="aws/111111111111/us-east-1"'
    assert f"eastwest_reconcile_duration_seconds_count{{{labels}}} 1.0" in text
    assert 'eastwest_drift_changes_total{cloud="aws",kind="flow_rule"} 1.0' in text
    assert 'eastwest_planned_changes_total{cloud="aws",kind="flow_rule"} 1.0' in text
    assert f"eastwest_last_success_timestamp_seconds{{{labels}}} 1.79533" in text
    assert 'outcome="applied"' in text
    assert get(base + "/healthz") == (200, "ok\n")
    assert get(base + "/readyz")[0] == 503
    ready[0] = True
    assert json.loads(get(base + "/readyz")[1]) == {"role": "active"}
    assert get(base + "/nope")[0] == 404


def test_history_record_carries_counts_and_the_one_scope_plan() -> None:
    run = record_of(result(), "host:1:x", 3)
    assert (run.drift, run.changes, run.errors, run.outcome, run.epoch) == (1, 1, 0, "applied", 3)
    assert run.plan is not None
    assert [s["scope"] for s in run.plan["scopes"]] == [str(SCOPE)]


def test_json_log_lines_carry_the_run() -> None:
    record = logging.LogRecord("eastwest.reconcile", logging.INFO, "", 0, "a\nb", (), None)
    record.run = {"outcome": "applied"}
    line = json.loads(JsonFormatter().format(record))
    assert (line["message"], line["run"], line["level"]) == ("a", {"outcome": "applied"}, "info")
