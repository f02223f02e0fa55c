"""Failover events into the reconciler's metrics and history store (SQLite, on disk)."""

from __future__ import annotations

from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from orchestrator.reconcile.failover import Event, FailStatic, Switch
from orchestrator.reconcile.store.sqlite import SqliteStore
from orchestrator.reconcile.switches import SwitchRecorder

A = "aws/us-east-1a"


@pytest.mark.parametrize(
    ("events", "rows", "samples"),
    [
        ([Switch(1.0, A, False, "panos: HA state suspended")],
         [(f"firewall/{A}", "aws", "firewall_down", ["panos: HA state suspended"])],
         {("eastwest_firewall_switches_total", (("firewall", A), ("to", "down"))): 1.0,
          ("eastwest_firewall_healthy", (("firewall", A),)): 0.0}),
        ([Switch(1.0, A, False, "down"), Switch(400.0, A, True, "panos: HA state active")],
         [(f"firewall/{A}", "aws", "firewall_up", ["panos: HA state active"]),
          (f"firewall/{A}", "aws", "firewall_down", ["down"])],
         {("eastwest_firewall_switches_total", (("firewall", A), ("to", "up"))): 1.0,
          ("eastwest_firewall_healthy", (("firewall", A),)): 1.0}),
        ([FailStatic(1.0, "use1", True)],
         [("hub/use1", "", "fail_static", ["every firewall is down: routes kept"])],
         {("eastwest_failover_fail_static", (("hub", "use1"),)): 1.0}),
        ([FailStatic(1.0, "use1", True), FailStatic(2.0, "use1", False)],
         [("hub/use1", "", "fail_static_end", ["a firewall is back"]),
          ("hub/use1", "", "fail_static", ["every firewall is down: routes kept"])],
         {("eastwest_failover_fail_static", (("hub", "use1"),)): 0.0}),
    ],
    ids=["down", "down-then-up", "fail-static", "fail-static-ends"],
)  # fmt: skip
def test_every_event_is_a_history_row_and_a_metric(
    tmp_path: Path,
    events: list[Event],
    rows: list[tuple[str, str, str, list[str]]],
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float],
) -> None:
    store, registry = SqliteStore(tmp_path / "history.db"), CollectorRegistry()
    recorder = SwitchRecorder(registry, store, "host:1:abc", "enforce")
    for event in events:
        recorder(event)
    found = [(r.partition, r.cloud, r.outcome, list(r.messages)) for r in store.runs()]
    assert found == rows
    assert {r.mode for r in store.runs()} == {"enforce"}
    for (name, labels), value in samples.items():
        assert registry.get_sample_value(name, dict(labels)) == value


def test_a_store_that_cannot_record_is_logged_not_raised(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = SqliteStore(tmp_path / "history.db")
    (tmp_path / "history.db").unlink()
    (tmp_path / "history.db").mkdir()  # a directory where the database was: every write fails
    recorder = SwitchRecorder(CollectorRegistry(), store, "h", "audit")
    recorder(Switch(1.0, A, False, "down"))
    assert "not recorded" in caplog.text


def test_the_service_records_the_switches_of_a_probed_source(tmp_path: Path) -> None:
    from orchestrator.reconcile.failover import Failover, FirewallHealthSource, Probe
    from orchestrator.reconcile.once import Mode
    from orchestrator.reconcile.service import Service, Settings
    from orchestrator.reconcile.source import PolicySource

    failover = Failover(lambda firewall: Probe(True))
    source = FirewallHealthSource(PolicySource([tmp_path / "p.yaml"]), failover, every=60)
    store = SqliteStore(tmp_path / "history.db")
    service = Service(Settings(60, Mode.AUDIT, None, 30), source, store, None)
    (recorder,) = failover.listeners
    assert isinstance(recorder, SwitchRecorder)
    recorder(Switch(1.0, A, False, "down"))
    assert (
        service.metrics.registry.get_sample_value("eastwest_firewall_healthy", {"firewall": A})
        == 0.0
    )
    assert [r.partition for r in store.runs()] == [f"firewall/{A}"]
