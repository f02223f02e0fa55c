"""Fault isolation in the pipeline and the reconciler, over injected fake adapters: a scope
whose identity, inventory or observation cannot be read is skipped with its reason, the other
scope is planned, and while an inventory is missing nothing there is deleted or shrunk."""

from __future__ import annotations

from collections.abc import Collection, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from orchestrator.compile import compile_policy
from orchestrator.diagnostics import SCOPE_SKIPPED
from orchestrator.errors import AccountMismatchError, ObservationError, ProviderError
from orchestrator.model.policy import Policy
from orchestrator.pipeline import HELD_BACK, plan_policy
from orchestrator.plan.document import plan_to_json
from orchestrator.reconcile.once import Mode, Outcome, Tick, reconcile_once
from orchestrator.reconcile.partition import Partition
from orchestrator.reconcile.source import PolicySource
from orchestrator.state import (
    Action,
    Change,
    DesiredScope,
    NativeRef,
    Network,
    ObservedScope,
    Scope,
    ScopeInventory,
    Step,
    Target,
)
from orchestrator.state.access import AccessModel
from providers.base import Adapter, ChangeResult, Report
from tests.orchestrator.reconcile.fakes import applied_digests

EAST = Scope("aws", "111111111111", "us-east-1")
WEST = Scope("aws", "222222222222", "us-west-2")
TARGETS = {EAST: Target("aws", EAST.account, "east"), WEST: Target("aws", WEST.account, "west")}
BODY: dict[str, Any] = {
    "version": 1,
    "name": "test",
    "accounts": [
        {"name": "east", "cloud": "aws", "account_id": EAST.account, "regions": [EAST.region]},
        {"name": "west", "cloud": "aws", "account_id": WEST.account, "regions": [WEST.region]},
    ],
    "segments": [
        {
            "name": "web",
            "members": [
                {"account": "east", "region": EAST.region, "vpc": "vpc-web"},
                {"account": "west", "region": WEST.region, "vpc": "vpc-web2"},
            ],
        },
        {"name": "db", "members": [{"account": "east", "region": EAST.region, "vpc": "vpc-db"}]},
    ],
    "rules": [{"name": "web-to-db", "from": "web", "to": "db", "ports": ["tcp/5432"]}],
}
INVENTORY = {
    EAST: ScopeInventory(
        EAST, (Network("vpc-web", ("10.1.0.0/16",)), Network("vpc-db", ("10.3.0.0/16",)))
    ),
    WEST: ScopeInventory(WEST, (Network("vpc-web2", ("10.2.0.0/16",)),)),
}


@dataclass
class Clouds:
    """Both scopes converged on the policy; ``fail`` maps (scope, read) to the error it raises."""

    fail: dict[tuple[Scope, str], ProviderError] = field(default_factory=dict)
    writes: list[tuple[Scope, Action, str]] = field(default_factory=list)
    converged_on: Policy = field(default_factory=lambda: Policy.model_validate(BODY))

    def __post_init__(self) -> None:
        desired = compile_policy(self.converged_on, INVENTORY)
        self.resources = {s: dict(d.resources) for s, d in desired.scopes.items()}

    def __call__(self, target: Target) -> Adapter:
        return FakeAdapter(self, target)

    def read(self, scope: Scope, what: str) -> None:
        if (scope, what) in self.fail:
            raise self.fail[scope, what]


class FakeAdapter:
    def __init__(self, clouds: Clouds, target: Target) -> None:
        self.clouds, self.target = clouds, target
        self.scope = next(s for s, t in TARGETS.items() if t == target)

    def check_identity(self, region: str = "") -> None:
        self.clouds.read(self.scope, "identity")

    def inventory(self, region: str) -> ScopeInventory:
        self.clouds.read(self.scope, "inventory")
        return INVENTORY[self.scope]

    def observe(self, scope: Scope, desired: DesiredScope | None) -> ObservedScope:
        self.clouds.read(scope, "observe")
        held = self.clouds.resources.get(scope, {})
        native = {k: NativeRef(f"id-{k}") for k in held}
        return ObservedScope(scope, dict(held), native, applied_digests(held))

    def access(self, scope: Scope, networks: Collection[str] | None = None) -> AccessModel:
        """No workload interfaces: the access check has nothing to judge (and no finding)."""
        self.clouds.read(scope, "access")
        return AccessModel(scope, ())

    def apply(
        self,
        scope: Scope,
        step: Step,
        changes: Sequence[Change],
        ids: MutableMapping[str, NativeRef],
        *,
        run_id: str = "",
        report: Report | None = None,
    ) -> list[ChangeResult]:
        self.clouds.writes += [(scope, c.action, c.key) for c in changes]
        return [ChangeResult(c.key, True) for c in changes]

    def record_applied(
        self, scope: Scope, applied: Mapping[str, str], ids: Mapping[str, NativeRef]
    ) -> None:
        """Nothing to record: the fake's digests are computed from what it holds."""


def grown_policy() -> Policy:
    """The policy with one more rule: creations in EAST, whatever else is read."""
    rules = [*BODY["rules"], {"name": "db-to-web", "from": "db", "to": "web", "ports": ["tcp/22"]}]
    return Policy.model_validate({**BODY, "rules": rules})


FAILURES = [
    pytest.param("identity", AccountMismatchError("aws: the credentials are 999"), id="identity"),
    pytest.param("inventory", ProviderError("aws/222222222222/us-west-2: refused"), id="inventory"),
    pytest.param("observe", ObservationError("aws/222222222222/us-west-2: 503"), id="observe"),
]


@pytest.mark.parametrize(("read", "error"), FAILURES)
def test_an_unreadable_scope_is_skipped_and_the_other_planned(
    read: str, error: ProviderError
) -> None:
    clouds = Clouds({(WEST, read): error})
    result = plan_policy(grown_policy(), clouds, lambda _: None)

    assert result.plan is not None
    assert not result.failed
    assert result.partial
    west, east = (next(sp for sp in result.plan.scopes if sp.scope == s) for s in (WEST, EAST))
    assert west.changes == ()
    assert west.skipped is not None
    assert str(error) in west.skipped
    skips = [d for d in result.diagnostics if d.code == SCOPE_SKIPPED]
    assert [str(WEST) in d.summary and "(west)" in d.summary for d in skips] == [True]
    assert {c.action for c in east.changes} == {Action.CREATE}  # the new rule's both sides
    document = plan_to_json(result.plan)
    assert document["complete"] is False
    assert [s["scope"] for s in document["scopes"] if s["skipped"]] == [str(WEST)]


@pytest.mark.parametrize(
    ("read", "held"),
    [
        pytest.param("inventory", True, id="missing-inventory-holds-back"),
        pytest.param("observe", False, id="desired-complete-plans-all"),
    ],
)
def test_deletions_and_updates_wait_while_an_inventory_is_missing(read: str, held: bool) -> None:
    """EAST still holds a rule the policy dropped (two deletions). Without WEST's inventory,
    web's address set in EAST would also lose 10.2.0.0/16: an update that only reflects what
    was not read, so all three wait."""
    error = ProviderError("aws/222222222222/us-west-2: timed out")
    clouds = Clouds({(WEST, read): error}, converged_on=grown_policy())
    result = plan_policy(Policy.model_validate(BODY), clouds, lambda _: None)

    assert result.plan is not None
    east = next(sp for sp in result.plan.scopes if sp.scope == EAST)
    notes = [d for d in result.diagnostics if d.code == HELD_BACK]
    if held:
        assert east.changes == ()
        assert len(notes) == 1
        assert "us-east-1 (east): 3 deletion(s) or update(s) held back" in notes[0].summary
        assert "aws/222222222222/us-west-2 could not be read" in notes[0].summary
    else:
        assert notes == []
        assert {c.action for c in east.changes} == {Action.DELETE}
        assert len(east.changes) == 2  # the dropped rule's two sides


@pytest.fixture
def source(tmp_path: Path) -> PolicySource:
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(BODY, sort_keys=False), encoding="utf-8")
    return PolicySource([path])


@pytest.mark.parametrize(
    ("partition", "outcome"),
    [
        pytest.param(EAST, Outcome.PARTIAL, id="the-readable-scope-is-partial"),
        pytest.param(WEST, Outcome.FAILED, id="the-unreadable-scope-failed"),
    ],
)
def test_the_reconciler_says_partial(
    source: PolicySource, partition: Scope, outcome: Outcome
) -> None:
    clouds = Clouds({(WEST, "inventory"): ProviderError("aws/222222222222/us-west-2: refused")})
    clouds.resources[EAST] = {}  # EAST lost everything: its creations still go in
    result = reconcile_once(
        Partition(partition, TARGETS[partition]), source, lambda _: clouds, Tick(Mode.ENFORCE)
    )

    assert result.outcome is outcome
    if outcome is Outcome.PARTIAL:
        assert any(str(WEST) in note for note in result.notes)
        assert clouds.writes
        assert {a for _, a, _ in clouds.writes} == {Action.CREATE}
    else:
        assert clouds.writes == []
        assert any("refused" in e for e in result.errors)
