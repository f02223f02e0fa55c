"""A group somebody else holds (its name taken by an unowned group in its VPC) cannot be
attached either: the planner holds its attachments with it, one conflict naming the occupant,
and plans no change for them (was an AWS-only special case in the adapter; now any cloud's
observation gets it on its way into a plan, ``pipeline.observe_scopes``)."""

from __future__ import annotations

import pytest

from orchestrator.plan import make_plan
from orchestrator.plan.planner import hold_attachments
from orchestrator.state import (
    DesiredScope,
    DesiredState,
    FirewallGroup,
    GroupAttachment,
    ObservedScope,
    Resource,
    Target,
)
from orchestrator.state.attachments import attachment_key
from orchestrator.state.resources import group_key
from tests.orchestrator.factories import ACCOUNT, SCOPE

TARGET = Target("aws", ACCOUNT, "prod")
GROUP = FirewallGroup(group_key(SCOPE, "db", "vpc-1"), SCOPE, "db", "vpc-1", "eastwest-db", "d")
OTHER = FirewallGroup(group_key(SCOPE, "web", "vpc-2"), SCOPE, "web", "vpc-2", "eastwest-web", "")
HELD = "the security group eastwest-db (sg-decoy) in vpc-1"


def _attach(interface: str, group: FirewallGroup) -> GroupAttachment:
    return GroupAttachment(attachment_key(SCOPE, interface), SCOPE, interface, group.network,
                           group.key)  # fmt: skip


ON_HELD, ON_FREE = _attach("eni-1", GROUP), _attach("eni-2", OTHER)


def _want(*resources: Resource) -> DesiredScope:
    return DesiredScope(SCOPE, {r.key: r for r in resources})


@pytest.mark.parametrize(
    ("foreign", "held"),
    [
        ({GROUP.key: HELD}, {GROUP.key: HELD, ON_HELD.key: HELD}),
        ({}, {}),
        ({OTHER.key: "x"}, {OTHER.key: "x", ON_FREE.key: "x"}),
    ],
    ids=["held-group-holds-its-attachment", "nothing-held", "only-the-held-groups-attachments"],
)
def test_hold_attachments(foreign: dict[str, str], held: dict[str, str]) -> None:
    seen = ObservedScope(SCOPE, {}, {}, {}, foreign)
    out = hold_attachments(_want(GROUP, OTHER, ON_HELD, ON_FREE), seen)
    assert dict(out.foreign) == held
    assert hold_attachments(None, seen) is seen


def test_a_plan_creates_neither_the_held_group_nor_its_attachment() -> None:
    want = _want(GROUP, OTHER, ON_HELD, ON_FREE)
    seen = hold_attachments(want, ObservedScope(SCOPE, {}, {}, {}, {GROUP.key: HELD}))
    plan = make_plan(
        DesiredState("p", {SCOPE: want}, {SCOPE: TARGET}), {SCOPE: seen}, {SCOPE: TARGET}
    )
    assert {c.key for c in plan.changes} == {OTHER.key, ON_FREE.key}
    assert len(plan.conflicts) == 1
    assert HELD in plan.conflicts[0].summary
