from __future__ import annotations

import io
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


def result(drifted: int | None = 1, outcome: Outcome = Outcome.APPLIED) -> RunResult:
    """A run whose plan has ``drifted`` changes, all drift; no plan at all for ``None``, as
    when the observation failed."""
    rules = [r for r in desired_resources().values() if r.kind == "flow_rule"]
    changes = tuple(Change(Action.CREATE, None, r, drift=True) for r in rules[: drifted or 0])
    plan = Plan("test", (ScopePlan(SCOPE, TARGET, changes, "fp"),))
    return RunResult(
        Partition(SCOPE, TARGET),
        Mode.ENFORCE,
        START,
        START + timedelta(seconds=0.4),
        outcome,
        plan=plan if drifted is not None else None,
    )


def get(url: str, accept: str | None = None) -> tuple[int, str]:
    return fetch(url, accept)[:2]


def fetch(url: str, accept: str | None = None) -> tuple[int, str, str]:
    """Status, body and Content-Type of a GET with this Accept header."""
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read().decode(), response.headers["Content-Type"]
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(), exc.headers["Content-Type"]


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
    assert get(base + "/metrics?job=eastwest") == (200, text)
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


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        pytest.param(None, "text/plain; version=0.0.4", id="no-accept"),
        pytest.param("text/plain", "text/plain; version=0.0.4", id="text"),
        pytest.param(
            "application/openmetrics-text; version=1.0.0,text/plain;version=0.0.4;q=0.5",
            "application/openmetrics-text; version=1.0.0",
            id="openmetrics",
        ),
    ],
)
def test_the_scrape_gets_the_format_it_asks_for(
    server: tuple[HealthServer, Metrics, list[bool]],
    accept: str | None,
    content_type: str,
) -> None:
    http, metrics, _ = server
    metrics.observe(result())
    status, text, served = fetch("http://{}:{}/metrics".format(*http.address), accept)
    assert status == 200
    assert served.startswith(content_type)
    assert 'eastwest_drift_changes_total{cloud="aws",kind="flow_rule"} 1.0' in text
    # OpenMetrics ends with an EOF marker and declares counters by family name.
    openmetrics = content_type.startswith("application/openmetrics-text")
    assert text.endswith("# EOF\n") is openmetrics
    assert ("# TYPE eastwest_drift_changes counter" in text) is openmetrics


@pytest.mark.parametrize(
    ("runs", "shown"),
    [
        pytest.param([result(2)], "2.0", id="drift-found"),
        pytest.param([result(2), result(0, Outcome.IN_SYNC)], "0.0", id="back-in-sync"),
        pytest.param([result(0, Outcome.IN_SYNC), result(3)], "3.0", id="drift-appears"),
        pytest.param([result(2), result(None, Outcome.FAILED)], "2.0", id="no-plan-keeps-it"),
    ],
)
def test_current_drift_per_partition_is_the_last_plans(
    server: tuple[HealthServer, Metrics, list[bool]], runs: list[RunResult], shown: str
) -> None:
    http, metrics, _ = server
    for run in runs:
        metrics.observe(run)
    text = get("http://{}:{}/metrics".format(*http.address))[1]
    labels = 'cloud="aws",partition="aws/111111111111/us-east-1"'
    assert f"eastwest_drift_current{{{labels}}} {shown}\n" in text


def test_json_log_lines_keep_the_traceback() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    log = logging.getLogger("eastwest.test.json")
    log.addHandler(handler)
    log.propagate = False
    try:
        raise ValueError("the cloud said no")
    except ValueError:
        log.exception("job failed")
    finally:
        log.removeHandler(handler)
    line = json.loads(stream.getvalue())
    assert line["message"] == "job failed"
    assert line["exc_info"].startswith("Traceback (most recent call last):")
    assert line["exc_info"].endswith("ValueError: the cloud said no")


def test_json_log_lines_without_an_exception_have_no_exc_info() -> None:
    record = logging.LogRecord("eastwest.reconcile", logging.ERROR, "", 0, "x", (), None)
    assert "exc_info" not in json.loads(JsonFormatter().format(record))
