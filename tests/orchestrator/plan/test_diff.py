from __future__ import annotations

from dataclasses import replace

import pytest

from orchestrator.compile import compile_policy
from orchestrator.plan import diff_scope, make_plan
from orchestrator.plan.planner import order_changes
from orchestrator.state import (
    Action,
    AddressSet,
    Change,
    DesiredScope,
    FlowRule,
    NativeRef,
    ObservedScope,
    Resource,
    Step,
    Target,
    rules_digest,
)
from orchestrator.state.resources import cidrs_digest
from tests.orchestrator.factories import SCOPE, inventory, policy

TARGET = Target("aws", SCOPE.account, "prod")


def desired() -> DesiredScope:
    return compile_policy(policy(), inventory()).scopes[SCOPE]


def observed(
    resources: dict[str, Resource], applied: dict[str, str] | None = None
) -> ObservedScope:
    native = {k: NativeRef(f"id-{i}") for i, k in enumerate(resources)}
    return ObservedScope(SCOPE, resources, native, applied or {})


def apply_changes(start: dict[str, Resource], changes: list[Change]) -> dict[str, Resource]:
    out = dict(start)
    for change in changes:
        if change.action is Action.DELETE:
            del out[change.key]
        else:
            assert change.after is not None
            out[change.key] = change.after
    return out


def test_empty_world_creates_everything_in_make_before_break_order() -> None:
    changes = order_changes(diff_scope(desired(), observed({})))
    assert {c.action for c in changes} == {Action.CREATE}
    steps = [c.step for c in changes]
    assert steps == sorted(steps)
    assert steps[0] is Step.CREATE_CONTAINERS
    assert steps[-1] is Step.ADD_RULES


def test_round_trip_applying_the_diff_gives_the_desired_state_and_a_second_diff_is_empty() -> None:
    want = desired()
    start: dict[str, Resource] = {}
    after = apply_changes(start, diff_scope(want, observed(start)))
    assert after == dict(want.resources)
    assert diff_scope(want, observed(after)) == []


def test_foreign_rule_in_an_owned_group_is_removed_and_marked_drift() -> None:
    want = desired()
    have = dict(want.resources)
    group = f"{SCOPE}/fwgroup/web@vpc-web"
    rogue = FlowRule(
        f"{group}/ingress/tcp:22/cidr:0.0.0.0/0",
        SCOPE,
        group,
        "ingress",
        "tcp",
        22,
        22,
        "cidr:0.0.0.0/0",
    )
    wanted_rules = [r for r in want.of_kind(FlowRule) if r.group == group]
    have[rogue.key] = rogue
    changes = diff_scope(want, observed(have, {group: rules_digest(wanted_rules)}))
    assert [(c.action, c.key, c.drift) for c in changes] == [(Action.DELETE, rogue.key, True)]
    assert changes[0].step is Step.REMOVE_RULES


def test_policy_change_is_not_drift() -> None:
    want = desired()
    have = dict(want.resources)
    group = f"{SCOPE}/fwgroup/db@vpc-db"
    old_rules = [r for r in want.of_kind(FlowRule) if r.group == group]
    extra = replace(old_rules[0], key=old_rules[0].key + "x")
    have[extra.key] = extra
    # eastwest applied the old set (with extra); the policy no longer wants extra
    changes = diff_scope(want, observed(have, {group: rules_digest([*old_rules, extra])}))
    assert [(c.action, c.drift) for c in changes] == [(Action.DELETE, False)]


def test_changed_address_set_is_an_update_and_drift_when_edited_outside() -> None:
    want = desired()
    have = dict(want.resources)
    key = f"{SCOPE}/addrset/web"
    wanted = want.resources[key]
    assert isinstance(wanted, AddressSet)
    have[key] = replace(wanted, cidrs=wanted.cidrs | {"8.8.8.8/32"})
    changes = diff_scope(want, observed(have, {key: cidrs_digest(wanted.cidrs)}))
    assert [(c.action, c.key, c.drift) for c in changes] == [(Action.UPDATE, key, True)]


def test_unreadable_scope_has_no_changes_and_says_why() -> None:
    from orchestrator.errors import ObservationError

    state = compile_policy(policy(), inventory())
    plan = make_plan(state, {SCOPE: ObservationError("AccessDenied")}, {SCOPE: TARGET})
    assert plan.changes == ()
    assert plan.scopes[0].skipped is not None
    assert "AccessDenied" in plan.scopes[0].skipped
    assert not plan.complete
    assert any("no changes planned" in d.summary for d in plan.diagnostics)


def test_scope_without_desired_resources_deletes_what_it_owns() -> None:
    want = desired()
    changes = order_changes(diff_scope(None, observed(dict(want.resources))))
    assert {c.action for c in changes} == {Action.DELETE}
    kinds = [c.resource.kind for c in changes]
    assert kinds.index("flow_rule") < kinds.index("firewall_group")


@pytest.mark.parametrize("drop", ["addrset/web", "fwgroup/web@vpc-web"], ids=["set", "group"])
def test_applied_digests_are_recorded_for_groups_whose_rules_change(drop: str) -> None:
    state = compile_policy(policy(), inventory())
    have = {k: v for k, v in state.scopes[SCOPE].resources.items() if not k.endswith(drop)}
    plan = make_plan(state, {SCOPE: observed(have)}, {SCOPE: TARGET})
    if drop.startswith("fwgroup"):
        assert f"{SCOPE}/{drop}" in plan.scopes[0].applied
    assert all(k.split("/")[3] == "fwgroup" for k in plan.scopes[0].applied)
