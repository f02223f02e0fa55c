"""What the AWS and Alibaba tests of a group deleted in a console check of a reconciler tick."""

from __future__ import annotations

from orchestrator.reconcile.metrics import Metrics
from orchestrator.reconcile.once import Outcome, RunResult


def assert_recreated_as_drift(result: RunResult, cloud: str) -> None:
    """Applied, with one group and its rules counted as drift in the result and the metric."""
    assert result.outcome is Outcome.APPLIED, result.errors
    assert result.plan is not None
    kinds = sorted(ch.resource.kind for ch in result.plan.changes if ch.drift)
    assert kinds.count("firewall_group") == 1, kinds
    assert "flow_rule" in kinds, kinds
    assert result.drift == len(kinds)
    metrics = Metrics()
    metrics.observe(result)
    text = metrics.exposition(None)[0].decode()
    assert f'eastwest_drift_changes_total{{cloud="{cloud}",kind="firewall_group"}} 1.0' in text
    rules = kinds.count("flow_rule")
    assert f'eastwest_drift_changes_total{{cloud="{cloud}",kind="flow_rule"}} {rules}.0' in text
