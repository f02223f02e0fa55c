from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from orchestrator.errors import AccountMismatchError, ObservationError
from orchestrator.reconcile.backoff import Backoff
from orchestrator.reconcile.lease import LeaseLostError
from orchestrator.reconcile.once import Mode, Outcome, Tick, reconcile_once
from orchestrator.reconcile.partition import Partition, partitions_of
from orchestrator.reconcile.source import PolicySource
from orchestrator.state import Action, FlowRule, Scope, Step
from tests.orchestrator.factories import SCOPE, policy
from tests.orchestrator.reconcile.fakes import POLICY_BODY, TARGET, FakeCloud, write_policy

PARTITION = Partition(SCOPE, TARGET)


@pytest.fixture
def source(tmp_path: Path) -> PolicySource:
    return PolicySource([write_policy(tmp_path / "policy.yaml")])


def drifted() -> FakeCloud:
    """Converged, then someone deleted one managed rule in the console."""
    cloud = FakeCloud.converged()
    rule = next(k for k, r in cloud.resources.items() if isinstance(r, FlowRule))
    del cloud.resources[rule]
    return cloud


def test_partitions_are_the_policy_scopes() -> None:
    assert partitions_of(policy()) == (PARTITION,)
    assert PARTITION.name == "aws/111111111111/us-east-1"


def test_in_sync_makes_no_write(source: PolicySource) -> None:
    cloud = FakeCloud.converged()
    result = reconcile_once(PARTITION, source, cloud.adapters, Tick(Mode.ENFORCE))
    assert result.outcome is Outcome.IN_SYNC
    assert (result.changes, result.drift, result.errors, cloud.writes) == (0, 0, (), [])


def test_audit_reports_drift_and_writes_nothing(source: PolicySource) -> None:
    cloud = drifted()
    result = reconcile_once(PARTITION, source, cloud.adapters, Tick(Mode.AUDIT))
    assert result.outcome is Outcome.PENDING
    assert (result.changes, result.drift) == (1, 1)
    assert cloud.writes == []


def test_enforce_restores_drift_and_a_second_run_is_in_sync(source: PolicySource) -> None:
    cloud = drifted()
    result = reconcile_once(PARTITION, source, cloud.adapters, Tick(Mode.ENFORCE))
    assert result.outcome is Outcome.APPLIED
    assert result.drift == 1
    assert [step for step, _ in cloud.writes] == [Step.ADD_RULES]
    again = reconcile_once(PARTITION, source, cloud.adapters, Tick(Mode.ENFORCE))
    assert again.outcome is Outcome.IN_SYNC


def test_policy_changes_are_not_drift(source: PolicySource) -> None:
    result = reconcile_once(PARTITION, source, FakeCloud().adapters, Tick(Mode.AUDIT))
    assert result.changes > 0
    assert result.drift == 0
    assert result.plan is not None
    assert {c.action for c in result.plan.changes} == {Action.CREATE}


def test_a_broken_policy_file_keeps_the_last_good_policy(
    source: PolicySource, tmp_path: Path
) -> None:
    cloud = FakeCloud.converged()
    assert reconcile_once(PARTITION, source, cloud.adapters, Tick(Mode.ENFORCE)).errors == ()
    (tmp_path / "policy.yaml").write_text("version: 1\nname: [broken\n", encoding="utf-8")
    result = reconcile_once(PARTITION, source, cloud.adapters, Tick(Mode.ENFORCE))
    assert result.outcome is Outcome.IN_SYNC  # nothing deleted: the last good policy rules
    assert cloud.writes == []
    assert "the last good policy stays in force" in result.notes[0]
    assert any("policy.yaml" in note for note in result.notes[1:])


@pytest.mark.parametrize(
    ("error", "retried"),
    [
        pytest.param(ObservationError("aws/…: Throttling"), True, id="transient-observation"),
        pytest.param(AccountMismatchError("wrong account"), False, id="permanent-identity"),
    ],
)
def test_transient_errors_back_off_permanent_ones_wait_for_the_tick(
    source: PolicySource, error: Exception, retried: bool
) -> None:
    cloud = FakeCloud.converged()
    if isinstance(error, ObservationError):
        cloud.observe_error = error
    else:
        cloud.identity_error = error  # type: ignore[assignment]
    tick = Tick(Mode.ENFORCE, attempt=2, backoff=Backoff(base=1.0, cap=60.0))
    result = reconcile_once(PARTITION, source, cloud.adapters, tick)
    assert result.outcome is Outcome.FAILED
    assert result.errors
    assert cloud.writes == []
    if retried:
        assert result.retry_in is not None
        assert 2.0 <= result.retry_in <= 4.0
    else:
        assert result.retry_in is None


def test_a_stale_lease_never_applies(source: PolicySource) -> None:
    def lost() -> None:
        raise LeaseLostError("the store's lease (epoch 1) is no longer held")

    cloud = drifted()
    result = reconcile_once(PARTITION, source, cloud.adapters, Tick(Mode.ENFORCE, guard=lost))
    assert result.outcome is Outcome.SKIPPED
    assert cloud.writes == []
    assert "epoch 1" in result.notes[-1]


def test_fencing_is_checked_before_every_step(source: PolicySource) -> None:
    checks: list[int] = []

    def guard() -> None:
        checks.append(1)
        if len(checks) > 2:  # valid for the pre-apply check and the first step only
            raise LeaseLostError("a standby took the lease")

    cloud = FakeCloud()  # empty: the plan has two steps (containers, then rules)
    result = reconcile_once(PARTITION, source, cloud.adapters, Tick(Mode.ENFORCE, guard=guard))
    assert result.outcome is Outcome.FAILED
    assert [step for step, _ in cloud.writes] == [Step.CREATE_CONTAINERS]
    assert any("standby took the lease" in e for e in result.errors)


def test_a_partition_the_policy_dropped_is_skipped(source: PolicySource) -> None:
    gone = Partition(Scope("aws", "111111111111", "eu-west-1"), TARGET)
    cloud = FakeCloud.converged()
    result = reconcile_once(gone, source, cloud.adapters, Tick(Mode.ENFORCE))
    assert result.outcome is Outcome.SKIPPED
    assert cloud.writes == []


def test_times_come_from_the_injected_clock(source: PolicySource) -> None:
    moments = iter([datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, 0, 0, 3, tzinfo=UTC)])
    tick = Tick(Mode.AUDIT, clock=lambda: next(moments))
    result = reconcile_once(PARTITION, source, FakeCloud.converged().adapters, tick)
    assert result.duration == 3.0


def test_an_unchanged_policy_is_read_but_not_parsed_again(
    source: PolicySource, tmp_path: Path
) -> None:
    first = source.load()
    assert source.load() is first
    assert source.parses == 1
    path = tmp_path / "policy.yaml"
    path.write_text(path.read_text().replace("tcp/5432", "tcp/5433"), encoding="utf-8")
    assert source.load().loaded.policy.rules[0].ports == ["tcp/5433"]
    assert source.parses == 2
    path.write_text("version: 1\nname: [broken\n", encoding="utf-8")
    broken = source.load()
    assert broken.problems
    assert source.load() is broken
    assert source.parses == 3


def _exposed(tmp_path: Path) -> PolicySource:
    """onprem's 10.0.0.0/8 covers web's VPC (10.10.0.0/16): rules from onprem reach it."""
    body = yaml.safe_load(yaml.safe_dump(POLICY_BODY))
    body["segments"][2]["cidrs"] = ["10.0.0.0/8"]
    body["rules"].append({"name": "vpn-to-db", "from": "onprem", "to": "db", "ports": ["tcp/22"]})
    path = tmp_path / "exposed.yaml"
    path.write_text(yaml.safe_dump(body), encoding="utf-8")
    return PolicySource([path])


@pytest.mark.parametrize(
    ("mode", "outcome"),
    [
        pytest.param(Mode.AUDIT, Outcome.PENDING, id="audit-reports-with-a-warning"),
        pytest.param(Mode.ENFORCE, Outcome.FAILED, id="enforce-refuses-to-write"),
    ],
)
def test_enforce_mode_is_strict_about_exposure(
    tmp_path: Path, mode: Mode, outcome: Outcome
) -> None:
    cloud = FakeCloud()
    result = reconcile_once(PARTITION, _exposed(tmp_path), cloud.adapters, Tick(mode))
    assert result.outcome is outcome
    assert cloud.writes == []
    if mode is Mode.ENFORCE:
        assert any("10.0.0.0/8 of segment 'onprem' overlaps vpc-web" in e for e in result.errors)
        assert all("exposed.yaml:" in e for e in result.errors)
