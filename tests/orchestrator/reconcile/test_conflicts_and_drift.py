"""The reconciler's status and counters for members it cannot guard, and drift per rule."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from orchestrator.reconcile.metrics import Metrics
from orchestrator.reconcile.once import Mode, Outcome, Tick, reconcile_once
from orchestrator.reconcile.partition import Partition
from orchestrator.reconcile.source import PolicySource
from orchestrator.state import FlowRule
from tests.orchestrator.factories import SCOPE
from tests.orchestrator.reconcile.fakes import POLICY_BODY, TARGET, FakeCloud, write_policy

PARTITION = Partition(SCOPE, TARGET)
DB = f"{SCOPE}/fwgroup/db@vpc-db"
HOLDER = "the NSG nsg-db on member subnet vnet-db/snet-db"


def held_cloud(*, drop_rule: bool) -> FakeCloud:
    """Converged, but a member of db is held by somebody else's group (and, with
    ``drop_rule``, somebody deleted one of web's rules too)."""
    cloud = FakeCloud.converged()
    cloud.foreign = {DB: HOLDER}
    if drop_rule:
        rule = next(
            k for k, r in cloud.resources.items() if isinstance(r, FlowRule) and "web@" in k
        )
        del cloud.resources[rule]
    return cloud


@pytest.mark.parametrize(
    ("mode", "drop_rule", "writes"),
    [
        pytest.param(Mode.AUDIT, False, 0, id="audit-nothing-else"),
        pytest.param(Mode.AUDIT, True, 0, id="audit-with-drift"),
        pytest.param(Mode.ENFORCE, False, 0, id="enforce-nothing-else"),
        pytest.param(Mode.ENFORCE, True, 1, id="enforce-repairs-the-rest"),
    ],
)
def test_a_member_held_by_somebody_elses_group_is_a_conflict_never_in_sync(
    tmp_path: Path, mode: Mode, drop_rule: bool, writes: int
) -> None:
    source = PolicySource([write_policy(tmp_path / "policy.yaml")])
    cloud = held_cloud(drop_rule=drop_rule)
    result = reconcile_once(PARTITION, source, cloud.adapters, Tick(mode))
    assert result.outcome is Outcome.CONFLICT
    assert result.conflicts == 1
    assert HOLDER in result.errors[0]
    assert len(cloud.writes) == writes
    again = reconcile_once(PARTITION, source, cloud.adapters, Tick(mode))
    assert again.outcome is Outcome.CONFLICT


def test_a_conflict_is_counted_as_a_run_outcome_not_as_an_apply_error(tmp_path: Path) -> None:
    source = PolicySource([write_policy(tmp_path / "policy.yaml")])
    metrics = Metrics()
    metrics.observe(
        reconcile_once(PARTITION, source, held_cloud(drop_rule=True).adapters, Tick(Mode.ENFORCE))
    )
    text = metrics.exposition(None)[0].decode()
    assert 'outcome="conflict",partition="aws/111111111111/us-east-1"} 1.0' in text
    assert "eastwest_apply_errors_total{" not in text
    assert "eastwest_last_success_timestamp_seconds{" not in text


def test_a_rogue_rule_in_a_group_whose_policy_changed_is_counted_as_drift(tmp_path: Path) -> None:
    cloud = FakeCloud.converged()
    rogue = FlowRule(
        f"{DB}/ingress/tcp:22/cidr:0.0.0.0/0", SCOPE, DB, "ingress", "tcp", 22, 22, "cidr:0.0.0.0/0"
    )
    cloud.resources[rogue.key] = rogue
    wider = {
        **POLICY_BODY,
        "rules": [
            {"name": "web-to-db", "from": "web", "to": "db", "ports": ["tcp/5432", "tcp/6432"]}
        ],
    }
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(wider, sort_keys=False), encoding="utf-8")
    metrics = Metrics()
    result = reconcile_once(PARTITION, PolicySource([path]), cloud.adapters, Tick(Mode.AUDIT))
    metrics.observe(result)
    assert (result.outcome, result.changes, result.drift) == (Outcome.PENDING, 3, 1)
    text = metrics.exposition(None)[0].decode()
    assert 'eastwest_drift_changes_total{cloud="aws",kind="flow_rule"} 1.0' in text
    assert 'eastwest_planned_changes_total{cloud="aws",kind="flow_rule"} 3.0' in text
