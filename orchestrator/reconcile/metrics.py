"""Prometheus metrics of the reconciler, in a registry of its own (no process-global state,
so tests and several reconcilers in one process do not collide).

Names and labels are documented in docs/reconciler.md; ``kind`` is the neutral resource kind
(``address_set``, ``firewall_group``, ``flow_rule``), never a cloud word. The text is
prometheus_client's own, in the format the scraper's Accept header asks for (Prometheus text
0.0.4 or OpenMetrics 1.0).
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import choose_encoder

from orchestrator.reconcile.once import Outcome, RunResult

# A run that ended without error; open access findings are not errors of the run (the
# gauge below counts them), a conflict is.
_SUCCEEDED = (Outcome.IN_SYNC, Outcome.FINDINGS, Outcome.PENDING, Outcome.APPLIED)
# The finding as the check words it → the gauge's ``kind`` label.
_KINDS = {"open beyond policy": "open_beyond_policy", "blocked but allowed": "blocked_but_allowed"}

# Sandbox runs take well under a second; a large estate, minutes.
_BUCKETS = (0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.duration = Histogram(
            "eastwest_reconcile_duration_seconds",
            "Time one reconcile of one partition took.",
            ["cloud", "partition"],
            buckets=_BUCKETS,
            registry=r,
        )
        self.runs = Counter(
            "eastwest_reconcile_runs",
            "Reconciles by outcome.",
            ["cloud", "partition", "mode", "outcome"],
            registry=r,
        )
        self.drift = Counter(
            "eastwest_drift_changes", "Changes classified as drift.", ["cloud", "kind"], registry=r
        )
        self.drift_now = Gauge(
            "eastwest_drift_current",
            "Drifted changes found by the partition's last plan (0 when in sync).",
            ["cloud", "partition"],
            registry=r,
        )
        self.changes = Counter(
            "eastwest_planned_changes",
            "Changes planned (drift and policy).",
            ["cloud", "kind"],
            registry=r,
        )
        self.apply_errors = Counter(
            "eastwest_apply_errors",
            "Changes or scopes that failed to apply.",
            ["cloud", "partition"],
            registry=r,
        )
        self.last_success = Gauge(
            "eastwest_last_success_timestamp_seconds",
            "When a reconcile of the partition last ended without error (Unix time).",
            ["cloud", "partition"],
            registry=r,
        )
        self.findings = Gauge(
            "eastwest_access_findings",
            "Flows at the workloads not as the policy says, by the partition's last check.",
            ["policy", "scope", "kind"],
            registry=r,
        )
        self.flows_blocked = Gauge(
            "eastwest_flows_blocked",
            "Observed flow records the planned state would block, by the last audit tick.",
            ["policy", "scope"],
            registry=r,
        )
        self.active = Gauge(
            "eastwest_lease_active", "1 while this instance holds the store's lease.", registry=r
        )
        # Queue mode's deferrer (`run --queue`); a worker's jobs are counted by the above.
        self.queued = Counter(
            "eastwest_queue_jobs_queued", "Partition jobs queued for the workers.", registry=r
        )
        self.stalled = Counter(
            "eastwest_queue_jobs_stalled",
            "Jobs of dead workers sent back to the queue.",
            registry=r,
        )

    def observe(self, result: RunResult) -> None:
        cloud, name = result.partition.cloud, result.partition.name
        self.duration.labels(cloud, name).observe(result.duration)
        self.runs.labels(cloud, name, str(result.mode), str(result.outcome)).inc()
        if result.plan is not None:
            # No plan (the observation failed) says nothing about drift: keep the last count.
            self.drift_now.labels(cloud, name).set(result.drift)
        for change in result.planned:  # the clouds' changes, then the firewalls' rulebase
            self.changes.labels(cloud, change.resource.kind).inc()
            if change.drift:
                self.drift.labels(cloud, change.resource.kind).inc()
        if result.report is not None and len(result.errors) > result.conflicts:
            self.apply_errors.labels(cloud, name).inc(len(result.errors) - result.conflicts)
        if result.outcome in _SUCCEEDED:
            self.last_success.labels(cloud, name).set(result.finished_at.timestamp())
        self._findings(result)
        if result.flows is not None and result.plan is not None:
            self.flows_blocked.labels(result.plan.policy, name).set(result.flows.blocked_records)

    def _findings(self, result: RunResult) -> None:
        """Open findings per kind, 0 for a kind none is left of; a run whose check did not
        run or could not read this partition's scope says nothing: the last values stay."""
        plan = result.plan
        if plan is None or not plan.access.ran:
            return
        scope = result.partition.name
        if any(unread == scope for unread, _ in plan.access.unchecked):
            return
        for finding, kind in _KINDS.items():
            n = sum(1 for f in plan.access.findings if f.finding == finding and f.scope == scope)
            self.findings.labels(plan.policy, scope, kind).set(n)

    def exposition(self, accept: str | None) -> tuple[bytes, str]:
        """The body and its Content-Type, for a request with this Accept header."""
        encoder, content_type = choose_encoder(accept or "")
        return encoder(self.registry), content_type
