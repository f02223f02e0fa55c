"""The reconciler runs the effective-access check every tick (docs/reconciler.md): a partition
whose workloads' groups open or block a flow against the policy is never ``in_sync``, its
findings name the group and rule, and ``eastwest_access_findings`` counts them per kind until
they are gone. Through ``reconcile_once`` and the fake cloud (injected, no patching)."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.errors import ObservationError
from orchestrator.reconcile.metrics import Metrics
from orchestrator.reconcile.once import Mode, Outcome, RunResult, Tick, reconcile_once
from orchestrator.reconcile.partition import Partition
from orchestrator.reconcile.source import PolicySource
from orchestrator.state.access import Combine, EffectiveRule, RuleSet, Workload
from tests.orchestrator.factories import SCOPE
from tests.orchestrator.reconcile.fakes import TARGET, FakeCloud, write_policy

PARTITION = Partition(SCOPE, TARGET)
OUT_ALL = EffectiveRule("sg-web (eastwest-test-web)", "sgr-out", False, True, "all")
PG_FROM_WEB = EffectiveRule(
    "sg-db (eastwest-test-db)", "sgr-pg", True, True, "tcp", 5432, 5432, ("10.10.0.0/16",)
)
PG_FROM_ANYWHERE = EffectiveRule("sg-open (pg-open)", "sgr-open", True, True, "tcp", 5432, 5432)


def _eni(name: str, network: str, address: str, *rules: EffectiveRule) -> Workload:
    rule_set = RuleSet(f"groups on {name}", Combine.ANY_ALLOW, (OUT_ALL, *rules))
    return Workload(name, network, f"subnet-{network}", address, (rule_set,))


WEB = _eni("eni-web", "vpc-web", "10.10.1.5")
DB = _eni("eni-db", "vpc-db", "10.30.0.5", PG_FROM_WEB)
OPEN_WEB = _eni("eni-web", "vpc-web", "10.10.1.5", PG_FROM_ANYWHERE)  # db → web opened
SHUT_DB = _eni("eni-db", "vpc-db", "10.30.0.5")  # web → db, allowed, blocked


@pytest.fixture
def source(tmp_path: Path) -> PolicySource:
    return PolicySource([write_policy(tmp_path / "policy.yaml")])


def _tick(source: PolicySource, cloud: FakeCloud, mode: Mode = Mode.AUDIT) -> RunResult:
    return reconcile_once(PARTITION, source, cloud.adapters, Tick(mode))


def _gauge(metrics: Metrics, kind: str) -> float | None:
    labels = {"policy": "test", "scope": str(SCOPE), "kind": kind}
    return metrics.registry.get_sample_value("eastwest_access_findings", labels)


# workloads → the outcome, what every finding names, and the gauge (open, blocked)
Expected = tuple[Outcome, str, tuple[int, int]]
CASES = {
    "as-the-policy-says": ((WEB, DB), (Outcome.IN_SYNC, "", (0, 0))),
    "a-hand-made-group-opens-db-to-web": (
        (OPEN_WEB, DB),
        (Outcome.FINDINGS, "sg-open (pg-open) rule sgr-open", (1, 0)),
    ),
    "nothing-admits-the-allowed-flow": (
        (WEB, SHUT_DB),
        (Outcome.FINDINGS, "groups on eni-db (no rule admits it)", (0, 1)),
    ),
}


@pytest.mark.parametrize(("workloads", "expected"), CASES.values(), ids=CASES.keys())
@pytest.mark.parametrize("mode", [Mode.AUDIT, Mode.ENFORCE], ids=str)
def test_a_converged_partition_is_in_sync_only_when_access_holds(
    source: PolicySource, mode: Mode, workloads: tuple[Workload, ...], expected: Expected
) -> None:
    outcome, named, (open_, blocked) = expected
    cloud = FakeCloud.converged()
    cloud.workloads = workloads
    result = _tick(source, cloud, mode)
    assert result.outcome is outcome
    assert (result.changes, cloud.writes) == (0, [])  # nothing eastwest could write
    assert all(named in n for n in result.notes if "→" in n)
    assert len(result.findings) == open_ + blocked
    metrics = Metrics()
    metrics.observe(result)
    gauge = (_gauge(metrics, "open_beyond_policy"), _gauge(metrics, "blocked_but_allowed"))
    assert gauge == (open_, blocked)


def test_removing_the_group_clears_the_finding_and_the_gauge(source: PolicySource) -> None:
    cloud, metrics = FakeCloud.converged(), Metrics()
    cloud.workloads = (OPEN_WEB, DB)
    first = _tick(source, cloud)
    metrics.observe(first)
    assert first.outcome is Outcome.FINDINGS
    assert _gauge(metrics, "open_beyond_policy") == 1
    assert "db → web: open beyond policy: tcp/5432" in first.notes[-1]
    cloud.workloads = (WEB, DB)  # the group's owner took it off
    second = _tick(source, cloud)
    metrics.observe(second)
    assert second.outcome is Outcome.IN_SYNC
    assert _gauge(metrics, "open_beyond_policy") == 0


def test_a_check_that_cannot_read_makes_the_run_partial_and_keeps_the_gauge(
    source: PolicySource,
) -> None:
    cloud, metrics = FakeCloud.converged(), Metrics()
    cloud.workloads = (OPEN_WEB, DB)
    metrics.observe(_tick(source, cloud))
    cloud.access_error = ObservationError("DescribeNetworkInterfaces: throttled")
    result = _tick(source, cloud)
    metrics.observe(result)
    assert result.outcome is Outcome.PARTIAL  # never in_sync without the check
    assert any("effective-access check" in n and "throttled" in n for n in result.notes)
    assert _gauge(metrics, "open_beyond_policy") == 1  # the last known count stays


def test_pending_changes_outrank_findings_and_the_findings_are_still_counted(
    source: PolicySource,
) -> None:
    cloud = FakeCloud()  # nothing applied yet
    cloud.workloads = (OPEN_WEB, DB)
    result = _tick(source, cloud)
    assert result.outcome is Outcome.PENDING
    assert len(result.findings) == 1
