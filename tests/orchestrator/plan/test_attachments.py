"""Attachments in a plan: their step, drift from the interface's ledger, rendering, round trip."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from orchestrator.compile import compile_policy
from orchestrator.plan import Plan, make_plan
from orchestrator.plan.document import read_plan, write_plan
from orchestrator.plan.render import render_plan
from orchestrator.state import (
    Action,
    GroupAttachment,
    Interface,
    NativeRef,
    ObservedScope,
    Resource,
    Step,
    Target,
)
from orchestrator.state.attachments import claim_digest
from tests.orchestrator.factories import SCOPE, inventory, policy

TARGET = Target("aws", SCOPE.account, "prod")
ENI = Interface("eni-1", "vpc-web", "subnet-web-a", "instance", ("sg-own",))
KEY = f"{SCOPE}/attach/eni-1"
GROUP = f"{SCOPE}/fwgroup/web@vpc-web"


def _desired(mode: str = "add") -> dict[str, Resource]:
    inv = inventory()
    inv[SCOPE] = replace(inv[SCOPE], interfaces=(ENI,))
    return dict(compile_policy(policy(attach=mode), inv).scopes[SCOPE].resources)


def _plan(have: dict[str, Resource], applied: dict[str, str], mode: str = "add") -> Plan:
    state = compile_policy(
        policy(attach=mode), {SCOPE: replace(inventory()[SCOPE], interfaces=(ENI,))}
    )
    native = {k: NativeRef(f"id-{i}") for i, k in enumerate(have)}
    return make_plan(state, {SCOPE: ObservedScope(SCOPE, have, native, applied)}, {SCOPE: TARGET})


def _without_attachment() -> dict[str, Resource]:
    return {k: v for k, v in _desired().items() if k != KEY}


ADD = GroupAttachment(KEY, SCOPE, "eni-1", "vpc-web", GROUP, "add")
EXCLUSIVE = replace(ADD, mode="exclusive")


@pytest.mark.parametrize(
    ("have", "applied", "mode", "action", "drift"),
    [
        pytest.param(None, {}, "add", Action.CREATE, False, id="new-interface"),
        pytest.param(ADD, {KEY: claim_digest("add", GROUP)}, "add", None, False, id="in-sync"),
        pytest.param(
            None,
            {KEY: claim_digest("add", GROUP)},
            "add",
            Action.CREATE,
            True,
            id="detached-by-hand-is-drift",
        ),
        pytest.param(
            replace(EXCLUSIVE, others=("sg-new",)),
            {KEY: claim_digest("exclusive", GROUP)},
            "exclusive",
            Action.UPDATE,
            True,
            id="group-added-by-hand-to-exclusive-is-drift",
        ),
        pytest.param(
            ADD,
            {KEY: claim_digest("add", GROUP)},
            "exclusive",
            Action.UPDATE,
            False,
            id="mode-change-is-an-update",
        ),
    ],
)
def test_attachment_changes(
    have: GroupAttachment | None,
    applied: dict[str, str],
    mode: str,
    action: Action | None,
    drift: bool,
) -> None:
    observed = _without_attachment()
    if have is not None:
        observed[KEY] = have
    plan = _plan(observed, applied, mode)
    changes = [c for c in plan.changes if c.key == KEY]
    if action is None:
        assert changes == []
        return
    assert [(c.action, c.drift, c.step) for c in changes] == [(action, drift, Step.ADD_RULES)]


def test_removal_is_a_member_step_before_the_rules() -> None:
    observed = {**_without_attachment(), KEY: ADD}
    state_none = compile_policy(
        policy(attach="none"), {SCOPE: replace(inventory()[SCOPE], interfaces=(ENI,))}
    )
    native = {k: NativeRef(f"id-{i}") for i, k in enumerate(observed)}
    seen = ObservedScope(SCOPE, observed, native, {KEY: claim_digest("add", GROUP)})
    plan = make_plan(state_none, {SCOPE: seen}, {SCOPE: TARGET})
    [change] = [c for c in plan.changes if c.key == KEY]
    assert (change.action, change.step) == (Action.DELETE, Step.REMOVE_RULES)
    assert any("attach: none" in d.summary for d in plan.diagnostics)


def test_render_names_the_interface_and_the_group() -> None:
    text = render_plan(_plan(_without_attachment(), {}), compact=True)
    assert "+ group_attachment eni-1 ← web@vpc-web" in text
    full = render_plan(_plan({**_without_attachment(), KEY: ADD}, {}, "exclusive"))
    assert '~ mode         = "add" -> "exclusive"' in full


def test_a_plan_with_attachments_round_trips(tmp_path: Path) -> None:
    plan = _plan(
        {**_without_attachment(), KEY: replace(EXCLUSIVE, others=("sg-a",))}, {}, "exclusive"
    )
    write_plan(plan, tmp_path / "p.json")
    assert read_plan(tmp_path / "p.json").plan == plan
