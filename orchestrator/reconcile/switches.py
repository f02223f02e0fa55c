"""Failover events (``failover.py``) into the reconciler's metrics and history.

In: each ``Switch`` (a firewall's verdict changed) and ``FailStatic`` (every firewall of a hub
down, or one back), as the failover's listener. Out: metrics in the reconciler's registry
(``eastwest_firewall_switches_total{firewall,to}``, ``eastwest_firewall_healthy{firewall}``,
``eastwest_failover_fail_static{hub}``) and one history row per event, beside the runs:
partition ``firewall/<cloud>/<zone>`` or ``hub/<name>``, outcome ``firewall_down``,
``firewall_up``, ``fail_static`` or ``fail_static_end``, the reason as its message (so
``eastwest history --partition firewall/aws/us-east-1a`` lists a firewall's switches). Always:
a store that cannot record is logged, never raised into the probe that switched.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, Counter, Gauge

from orchestrator.errors import StoreError
from orchestrator.reconcile.failover import Event, FailStatic, Switch
from orchestrator.reconcile.store import RunRecord, Store

log = logging.getLogger("eastwest.failover")


class SwitchRecorder:
    def __init__(self, registry: CollectorRegistry, store: Store, holder: str, mode: str) -> None:
        self.store, self.holder, self.mode = store, holder, mode
        self.switches = Counter(
            "eastwest_firewall_switches",
            "Firewall health verdicts that changed (to: up or down).",
            ["firewall", "to"],
            registry=registry,
        )
        self.healthy = Gauge(
            "eastwest_firewall_healthy",
            "1 while the firewall's verdict is healthy, 0 while it is down.",
            ["firewall"],
            registry=registry,
        )
        self.fail_static = Gauge(
            "eastwest_failover_fail_static",
            "1 while every firewall of the hub is down and its routes are kept.",
            ["hub"],
            registry=registry,
        )

    def __call__(self, event: Event) -> None:
        if isinstance(event, Switch):
            self.switches.labels(event.firewall, "up" if event.healthy else "down").inc()
            self.healthy.labels(event.firewall).set(1 if event.healthy else 0)
            outcome = "firewall_up" if event.healthy else "firewall_down"
            self._record(f"firewall/{event.firewall}", outcome, event.reason)
        else:
            self.fail_static.labels(event.hub).set(1 if event.on else 0)
            said = "every firewall is down: routes kept" if event.on else "a firewall is back"
            self._record(f"hub/{event.hub}", _static(event), said)

    def _record(self, partition: str, outcome: str, message: str) -> None:
        now = datetime.now(UTC)
        cloud = partition.split("/")[1] if partition.startswith("firewall/") else ""
        record = RunRecord(
            partition, cloud, now, now, self.mode, outcome, 0, 0, 0, (message,), None,
            self.holder, None,
        )  # fmt: skip
        try:
            self.store.record(record)
        except StoreError as exc:
            log.error("history: %s %s not recorded: %s", partition, outcome, exc)


def _static(event: FailStatic) -> str:
    return "fail_static" if event.on else "fail_static_end"
