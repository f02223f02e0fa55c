"""The hub firewalls' rulebase in a reconciler tick: the partition whose scope holds the hub
plans its firewalls beside the clouds, audit reports their changes and drift, enforce commits
them (firewalls first), and a firewall that cannot be read or written is never in sync.

The firewalls are injected fakes (``CommittingFirewall``); the clouds the in-memory
``FakeCloud``, already converged, so every change here is the firewalls'. The sandbox's fake
PAN-OS under ``eastwest run`` is test_run_process.py."""

from __future__ import annotations

import copy
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from orchestrator.compile import compile_policy
from orchestrator.firewall_plan import FirewallReach, scope_firewalls
from orchestrator.model.policy import Policy
from orchestrator.pipeline import AdapterFor, Compiled, Progress, policy_scopes
from orchestrator.reconcile.metrics import Metrics
from orchestrator.reconcile.once import Mode, Outcome, RunResult, Tick, reconcile_once
from orchestrator.reconcile.partition import Partition
from orchestrator.reconcile.source import PolicySource
from orchestrator.state import Scope
from orchestrator.state.ngfw import FirewallState, NgfwRule
from tests.orchestrator.factories import SCOPE, inventory
from tests.orchestrator.reconcile.fakes import (
    POLICY_BODY,
    TARGET,
    CommittingFirewall,
    FakeCloud,
)

A, B = "aws/us-east-1a", "aws/us-east-1b"
PARTITION = Partition(SCOPE, TARGET)
HUB = {
    "name": "use1",
    "account": "prod",
    "region": "us-east-1",
    "transit": "tgw-1",
    "inspection": {
        "vpc": "vpc-insp",
        "firewalls": [
            {"zone": "us-east-1a", "next_hop": "vpce-a"},
            {"zone": "us-east-1b", "next_hop": "vpce-b"},
        ],
    },
}
SANDBOX: dict[str, Any] = {"panos": {"firewalls": {A: {}, B: {}}}}
RULE = "ngfw/aws/us-east-1a/rule/eastwest-test-web-to-db"


def hub_policy(**extra: Any) -> dict[str, Any]:
    body = copy.deepcopy(POLICY_BODY)
    body["rules"][0]["inspect"] = True
    return {**body, "hubs": [HUB], **extra}


@pytest.fixture
def source(tmp_path: Path) -> PolicySource:
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(hub_policy(), sort_keys=False), encoding="utf-8")
    return PolicySource([path])


def security_only(policy: Policy, adapter_for: AdapterFor, progress: Progress) -> Compiled:
    """The compile without the hub's transit reads (the fake cloud has no routing to read)."""
    scopes, notes = policy_scopes(policy)
    desired = compile_policy(policy, inventory())
    return Compiled(desired, scopes, tuple(notes), desired.diagnostics, {}, inventory())


class World:
    """A converged fake cloud, the hub's two fake firewalls, and one tick of the partition."""

    def __init__(self, source: PolicySource) -> None:
        self.source = source
        self.cloud = FakeCloud.converged()
        self.firewalls = {
            label: CommittingFirewall(label, FirewallState(label)) for label in (A, B)
        }

    def tick(self, mode: Mode) -> RunResult:
        reach = FirewallReach(SANDBOX, adapters=lambda _: self.firewalls.__getitem__)
        tick = Tick(mode, compile=security_only, firewalls=reach)
        return reconcile_once(PARTITION, self.source, self.cloud.adapters, tick)

    def commits(self) -> dict[str, int]:
        return {label: len(fw.applied) for label, fw in self.firewalls.items()}


def firewall_changes(result: RunResult) -> int:
    assert result.plan is not None
    return sum(len(f.changes) for f in result.plan.firewalls)


def test_audit_reports_the_firewalls_changes_and_writes_nothing(source: PolicySource) -> None:
    world = World(source)
    result = world.tick(Mode.AUDIT)
    assert result.outcome is Outcome.PENDING
    assert result.plan is not None
    assert [f.firewall for f in result.plan.firewalls] == [A, B]
    assert result.changes == firewall_changes(result) > 0  # the clouds are converged
    assert result.drift == 0  # a policy's first rulebase is no drift
    assert any(n.startswith(f"firewall {A}: ") and "change(s), 0 drift" in n for n in result.notes)
    assert world.commits() == {A: 0, B: 0}
    assert world.cloud.writes == []


def test_enforce_commits_each_firewall_once_then_is_in_sync(source: PolicySource) -> None:
    world = World(source)
    first = world.tick(Mode.ENFORCE)
    assert (first.outcome, first.errors) == (Outcome.APPLIED, ())
    assert world.commits() == {A: 1, B: 1}
    assert [o.firewall for o in first.firewalls] == [A, B]
    assert any("edit(s) committed (job 7)" in n for n in first.notes)
    rule = world.firewalls[A].state.resources[RULE]
    assert isinstance(rule, NgfwRule)
    assert rule.services == ("eastwest-test-tcp-5432",)
    again = world.tick(Mode.ENFORCE)
    assert (again.outcome, again.changes) == (Outcome.IN_SYNC, 0)
    assert world.commits() == {A: 1, B: 1}


@pytest.mark.parametrize(
    ("mode", "outcome", "restored"),
    [(Mode.AUDIT, Outcome.PENDING, False), (Mode.ENFORCE, Outcome.APPLIED, True)],
    ids=["audit-reports", "enforce-restores"],
)
def test_a_rule_edited_on_the_firewall_is_drift(
    source: PolicySource, mode: Mode, outcome: Outcome, restored: bool
) -> None:
    world = World(source)
    world.tick(Mode.ENFORCE)
    fw = world.firewalls[A]
    wanted = fw.state.resources[RULE]
    assert isinstance(wanted, NgfwRule)
    edited = replace(wanted, services=("any",))  # by hand: its recorded digest stays
    fw.state = replace(fw.state, resources={**fw.state.resources, RULE: edited})
    result = world.tick(mode)
    assert (result.outcome, result.drift, result.changes) == (outcome, 1, 1)
    assert f"firewall {A}: 1 change(s), 1 drift" in result.notes
    assert (fw.state.resources[RULE] == wanted) is restored
    assert world.commits() == {A: 1 + restored, B: 1}
    metrics = Metrics()
    metrics.observe(result)
    text = metrics.exposition(None)[0].decode()
    assert 'eastwest_drift_changes_total{cloud="aws",kind="ngfw_rule"} 1.0' in text


@pytest.mark.parametrize("mode", [Mode.AUDIT, Mode.ENFORCE], ids=["audit", "enforce"])
def test_an_unreachable_firewall_makes_the_run_partial_and_the_other_converges(
    source: PolicySource, mode: Mode
) -> None:
    world = World(source)
    world.firewalls[A].down = True
    result = world.tick(mode)
    assert result.outcome is Outcome.PARTIAL  # never in_sync, never the others held up
    assert any(A in n and "connection refused" in n for n in result.notes)
    assert world.commits() == {A: 0, B: int(mode is Mode.ENFORCE)}


def test_a_failed_commit_fails_the_run_and_the_clouds_are_still_applied(
    source: PolicySource,
) -> None:
    world = World(source)
    world.firewalls[B].fail_commit = True
    drifted = next(iter(world.cloud.resources))
    del world.cloud.resources[drifted]
    result = world.tick(Mode.ENFORCE)
    assert result.outcome is Outcome.FAILED
    assert result.errors == (f"firewall {B}: panos/{B}: commit failed: rule is invalid",)
    assert world.commits() == {A: 1, B: 0}
    assert drifted in world.cloud.resources


OTHER = {"name": "other", "cloud": "aws", "account_id": "222222222222", "regions": ["us-east-1"]}


@pytest.mark.parametrize(
    ("hubs", "scope", "expected"),
    [
        pytest.param([HUB], SCOPE, [A, B], id="the-hubs-scope"),
        pytest.param([HUB], Scope("aws", "111111111111", "us-west-2"), [], id="another-region"),
        pytest.param(
            [{**HUB, "name": "second", "account": "other"}, HUB],
            SCOPE,
            [],
            id="shared-label-goes-to-the-first-hub",
        ),
    ],
)
def test_a_partition_plans_the_firewalls_of_its_hubs_only(
    hubs: list[dict[str, Any]], scope: Scope, expected: list[str]
) -> None:
    body = hub_policy(hubs=hubs)
    body["accounts"] = [*body["accounts"], OTHER]
    assert scope_firewalls(Policy.model_validate(body), scope) == expected
