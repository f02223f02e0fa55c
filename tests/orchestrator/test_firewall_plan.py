"""The hub firewalls inside ``eastwest plan``: each planned beside the clouds' scopes through an
injected adapter, an unreadable one skipped (a partial plan, never a crash), creations only
while a cloud's networks are missing, and the firewalls applied one batch each (the CLI
against the sandbox's fake PAN-OS is tests/providers/panos/test_plan_apply_sandbox.py)."""

from __future__ import annotations

import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from orchestrator.compile.membership import Membership, resolve_membership
from orchestrator.compile.ngfw import compile_firewalls
from orchestrator.diagnostics import SCOPE_SKIPPED
from orchestrator.errors import ObservationError, PermanentError
from orchestrator.firewall_plan import (
    apply_firewalls,
    hub_firewalls,
    plan_firewalls,
    reachable,
    with_firewalls,
)
from orchestrator.model import load_policy
from orchestrator.model.policy import Policy
from orchestrator.pipeline import HELD_BACK, PlanResult
from orchestrator.plan import Plan, ScopePlan
from orchestrator.state import Network, Scope, ScopeInventory, Target
from orchestrator.state.change import Action
from orchestrator.state.ngfw import (
    FirewallApplied,
    FirewallCatalogue,
    FirewallState,
    NgfwChange,
    NgfwRule,
)
from tests.providers.panos.policies import inspected_hub

SCOPE = Scope("aws", "111111111111", "us-east-1")
LABELS = ["aws/us-east-1a", "aws/us-east-1b"]
POLICY = inspected_hub("us-east-1a", "us-east-1b") + textwrap.dedent(
    """\
    segments:
      - {name: web, members: [{account: aws-prod, region: us-east-1, vpc: vpc-web}]}
      - {name: db, members: [{account: aws-prod, region: us-east-1, vpc: vpc-db}]}
    rules:
      - {name: web-to-db, from: web, to: db, ports: [tcp/5432], inspect: true}
    """
)


def policy(tmp_path: Path) -> Policy:
    path = tmp_path / "policy.yaml"
    path.write_text(POLICY, encoding="utf-8")
    return load_policy([path]).policy


NETWORKS = (Network("vpc-web", ("10.1.0.0/16",)), Network("vpc-db", ("10.2.0.0/16",)))


def membership(p: Policy, db: tuple[str, ...] = ("10.2.0.0/16",)) -> Membership:
    networks = (NETWORKS[0], Network("vpc-db", db))
    return resolve_membership(p, {SCOPE: ScopeInventory(SCOPE, networks=networks)})


@dataclass
class FakeFirewall:
    """A firewall holding ``state``; ``down`` makes every call fail as an unreachable one."""

    label: str
    state: FirewallState
    down: bool = False
    applied: list[Sequence[NgfwChange]] = field(default_factory=list)

    def observe(self) -> FirewallState:
        if self.down:
            raise ObservationError(f"panos/{self.label}: connection refused")
        return self.state

    def catalogue(self, applications: Iterable[str], profiles: Iterable[str]) -> FirewallCatalogue:
        return FirewallCatalogue(frozenset(applications), frozenset(profiles))

    def apply(self, changes: Sequence[NgfwChange]) -> FirewallApplied:
        if self.down:
            raise PermanentError(f"panos/{self.label}: connection refused")
        self.applied.append(changes)
        return FirewallApplied("7", len(changes))


def fleet(states: dict[str, FirewallState], down: Iterable[str] = ()) -> dict[str, FakeFirewall]:
    return {label: FakeFirewall(label, states[label], label in down) for label in states}


def test_every_hub_firewall_is_planned_from_the_same_compile(tmp_path: Path) -> None:
    p = policy(tmp_path)
    fakes = fleet({label: FirewallState(label) for label in LABELS})
    plans, diags = plan_firewalls(p, membership(p), hub_firewalls(p), fakes.__getitem__)
    assert [f.firewall for f in plans] == LABELS
    want, _ = compile_firewalls(p, membership(p))
    for planned in plans:
        assert {c.resource.key for c in planned.changes} == set(want[planned.firewall].resources)
        assert all(c.action is Action.CREATE for c in planned.changes)
        assert planned.skipped is None
        assert planned.fingerprint
    assert diags == ()


def test_a_firewall_that_cannot_be_read_is_skipped_and_the_others_planned(
    tmp_path: Path,
) -> None:
    p = policy(tmp_path)
    fakes = fleet({label: FirewallState(label) for label in LABELS}, down=[LABELS[0]])
    plans, diags = plan_firewalls(p, membership(p), LABELS, fakes.__getitem__)
    assert plans[0].changes == ()
    assert plans[0].fingerprint is None
    assert plans[0].skipped is not None
    assert "connection refused" in plans[0].skipped
    assert plans[1].changes
    assert plans[1].skipped is None
    assert [d.code for d in diags] == [SCOPE_SKIPPED]
    assert LABELS[0] in diags[0].summary


@pytest.mark.parametrize("creations_only", [False, True], ids=["complete", "inventory-missing"])
def test_updates_wait_for_a_complete_plan(tmp_path: Path, creations_only: bool) -> None:
    p = policy(tmp_path)
    applied, _ = compile_firewalls(p, membership(p, ("10.2.0.0/16", "10.3.0.0/16")))
    fakes = fleet({label: applied[label] for label in LABELS})
    plans, diags = plan_firewalls(
        p, membership(p), LABELS[:1], fakes.__getitem__, creations_only=creations_only
    )
    (planned,) = plans
    updates = [c for c in planned.changes if c.action is Action.UPDATE]
    assert bool(updates) is not creations_only
    assert [d.code for d in diags] == ([HELD_BACK] if creations_only else [])


def test_apply_sends_one_batch_per_firewall_with_changes_and_reports_each(
    tmp_path: Path,
) -> None:
    p = policy(tmp_path)
    want, _ = compile_firewalls(p, membership(p))
    states = {LABELS[0]: FirewallState(LABELS[0]), LABELS[1]: want[LABELS[1]]}
    fakes = fleet(states)
    plans, _ = plan_firewalls(p, membership(p), LABELS, fakes.__getitem__)
    fakes[LABELS[0]].down = True
    outcomes = apply_firewalls(plans, fakes.__getitem__)
    # The second firewall is already as wanted: nothing sent there, no outcome.
    assert [(o.firewall, o.applied) for o in outcomes] == [(LABELS[0], None)]
    assert "connection refused" in outcomes[0].error
    assert outcomes[0].counts()["failed"] == len(plans[0].changes)
    fakes[LABELS[0]].down = False
    (done,) = apply_firewalls(plans, fakes.__getitem__)
    assert done.applied == FirewallApplied("7", len(plans[0].changes))
    assert done.counts() == {
        "added": len(plans[0].changes),
        "changed": 0,
        "destroyed": 0,
        "failed": 0,
    }
    assert len(fakes[LABELS[0]].applied) == 1
    assert fakes[LABELS[1]].applied == []
    rules = [c.after for c in plans[0].changes if isinstance(c.after, NgfwRule)]
    assert {r.name for r in rules} == {"eastwest-acme-web-to-db", "eastwest-acme--deny"}


@pytest.mark.parametrize(
    ("sandbox", "environ", "expected"),
    [
        pytest.param({"panos": {"firewalls": {LABELS[1]: {}}}}, {}, LABELS[1:], id="sandbox"),
        pytest.param(None, {"EASTWEST_PANOS_AWS_US_EAST_1A_HOST": "fw1"}, LABELS[:1], id="env"),
        pytest.param(None, {}, [], id="nothing-configured"),
    ],
)
def test_only_firewalls_eastwest_is_told_how_to_reach_are_planned(
    monkeypatch: pytest.MonkeyPatch,
    sandbox: dict[str, object] | None,
    environ: dict[str, str],
    expected: list[str],
) -> None:
    for name in ("EASTWEST_PANOS_AWS_US_EAST_1A_HOST", "EASTWEST_PANOS_AWS_US_EAST_1B_HOST"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    assert reachable(LABELS, sandbox) == expected


PANORAMA = "panorama/pano.example/hub"


@pytest.mark.parametrize(
    ("sandbox", "expected"),
    [
        pytest.param(None, [PANORAMA], id="named-by-the-policy"),
        pytest.param({"panos": {"panoramas": {"pano.example": {}}}}, [PANORAMA], id="sandbox"),
        pytest.param({"panos": {"panoramas": {}}}, [], id="not-in-the-sandbox"),
    ],
)
def test_a_panorama_is_reached_at_the_host_the_policy_names(
    sandbox: dict[str, object] | None, expected: list[str]
) -> None:
    assert reachable([PANORAMA], sandbox) == expected


OTHER = Scope("aws", "222222222222", "us-east-1")


@pytest.mark.parametrize(
    ("inventory_read", "held"), [(True, False), (False, True)], ids=["owned-unread", "net-unread"]
)
def test_a_plan_gets_its_firewalls_and_holds_back_only_for_unread_networks(
    tmp_path: Path, inventory_read: bool, held: bool
) -> None:
    """A skipped scope whose networks were read (only its owned resources were not) leaves the
    firewalls' addresses whole; one whose networks were not read holds their updates back."""
    p = policy(tmp_path)
    grown, _ = compile_firewalls(p, membership(p, ("10.2.0.0/16", "10.3.0.0/16")))
    fakes = fleet({label: grown[label] for label in LABELS})
    skipped = ScopePlan(OTHER, Target("aws", OTHER.account, "other"), (), None, skipped="down")
    inventory = {SCOPE: ScopeInventory(SCOPE, networks=NETWORKS)}
    if inventory_read:
        inventory[OTHER] = ScopeInventory(OTHER)
    result = PlanResult(Plan("acme", (skipped,)), None, (), inventory)
    sandbox: dict[str, Any] = {"panos": {"firewalls": {key: {} for key in LABELS}}}
    planned = with_firewalls(result, p, sandbox, fakes.__getitem__).plan
    assert planned is not None
    assert [f.firewall for f in planned.firewalls] == LABELS
    updates = [c for f in planned.firewalls for c in f.changes if c.action is Action.UPDATE]
    assert bool(updates) is not held
    assert any(d.code == HELD_BACK for d in planned.diagnostics) is held
