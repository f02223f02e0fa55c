"""Drift per rule: somebody's edit is drift even when the policy changed the same group."""

from __future__ import annotations

from typing import Any

import pytest

from orchestrator.compile import compile_policy
from orchestrator.plan import diff_scope
from orchestrator.plan.drift import SEARCH_LIMIT, last_written, lines_digest
from orchestrator.state import (
    DesiredScope,
    FlowRule,
    NativeRef,
    ObservedScope,
    Resource,
    rules_digest,
)
from tests.orchestrator.factories import SCOPE, inventory, policy

DB = f"{SCOPE}/fwgroup/db@vpc-db"
WEB = f"{SCOPE}/fwgroup/web@vpc-web"
ROGUE = f"{DB}/ingress/tcp:22/cidr:0.0.0.0/0"
WIDER = [{"name": "web-to-db", "from": "web", "to": "db", "ports": ["tcp/5432", "tcp/6432"]}]
NONE: list[dict[str, Any]] = []


def compiled(rules: list[dict[str, Any]] | None = None) -> DesiredScope:
    body = {} if rules is None else {"rules": rules}
    return compile_policy(policy(**body), inventory()).scopes[SCOPE]


def rogue() -> FlowRule:
    return FlowRule(ROGUE, SCOPE, DB, "ingress", "tcp", 22, 22, "cidr:0.0.0.0/0")


def recorded(state: DesiredScope) -> dict[str, str]:
    """What the last apply of ``state`` recorded: each group's rules digest."""
    rules = list(state.of_kind(FlowRule))
    return {g: rules_digest([r for r in rules if r.group == g]) for g in (DB, WEB)}


def observe(resources: dict[str, Resource], applied: dict[str, str]) -> ObservedScope:
    native = {key: NativeRef(f"id-{i}") for i, key in enumerate(resources)}
    return ObservedScope(SCOPE, resources, native, applied)


def shown(want: DesiredScope, seen: ObservedScope) -> set[tuple[str, str, bool]]:
    return {
        (str(c.action), c.key.removeprefix(f"{SCOPE}/"), c.drift) for c in diff_scope(want, seen)
    }


CASES = [
    # (new policy's rules, somebody adds the rogue rule, somebody deletes this rule) → changes
    pytest.param(
        WIDER,
        True,
        None,
        {
            ("-", "fwgroup/db@vpc-db/ingress/tcp:22/cidr:0.0.0.0/0", True),
            ("+", "fwgroup/db@vpc-db/ingress/tcp:6432/set:web", False),
            ("+", "fwgroup/web@vpc-web/egress/tcp:6432/set:db", False),
        },
        id="rogue-rule-while-the-policy-adds-one",
    ),
    pytest.param(
        NONE,
        True,
        None,
        {
            ("-", "fwgroup/db@vpc-db/ingress/tcp:22/cidr:0.0.0.0/0", True),
            ("-", "fwgroup/db@vpc-db/ingress/tcp:5432/set:web", False),
            ("-", "fwgroup/web@vpc-web/egress/tcp:5432/set:db", False),
        },
        id="rogue-rule-while-the-policy-drops-one",
    ),
    pytest.param(
        WIDER,
        False,
        f"{DB}/ingress/any/set:db",
        {
            ("+", "fwgroup/db@vpc-db/ingress/any/set:db", True),
            ("+", "fwgroup/db@vpc-db/ingress/tcp:6432/set:web", False),
            ("+", "fwgroup/web@vpc-web/egress/tcp:6432/set:db", False),
        },
        id="rule-deleted-while-the-policy-adds-one",
    ),
    pytest.param(
        None,
        True,
        f"{DB}/ingress/any/set:db",
        {
            ("-", "fwgroup/db@vpc-db/ingress/tcp:22/cidr:0.0.0.0/0", True),
            ("+", "fwgroup/db@vpc-db/ingress/any/set:db", True),
        },
        id="edits-only",
    ),
    pytest.param(
        WIDER,
        False,
        None,
        {
            ("+", "fwgroup/db@vpc-db/ingress/tcp:6432/set:web", False),
            ("+", "fwgroup/web@vpc-web/egress/tcp:6432/set:db", False),
        },
        id="policy-change-only",
    ),
]


@pytest.mark.parametrize(("rules", "add_rogue", "deleted", "expected"), CASES)
def test_each_change_is_drift_exactly_when_somebody_else_made_it(
    rules: list[dict[str, Any]] | None,
    add_rogue: bool,
    deleted: str | None,
    expected: set[tuple[str, str, bool]],
) -> None:
    before = compiled()
    have: dict[str, Resource] = dict(before.resources)
    if add_rogue:
        have[ROGUE] = rogue()
    if deleted is not None:
        del have[deleted]
    assert shown(compiled(rules), observe(have, recorded(before))) == expected


def test_a_group_deleted_by_somebody_is_recreated_as_drift_when_its_record_survives() -> None:
    state = compiled()
    have = {k: v for k, v in state.resources.items() if not k.startswith(DB)}
    changes = shown(state, observe(have, recorded(state)))
    assert changes == {
        ("+", "fwgroup/db@vpc-db", True),
        ("+", "fwgroup/db@vpc-db/egress/any/set:db", True),
        ("+", "fwgroup/db@vpc-db/ingress/any/set:db", True),
        ("+", "fwgroup/db@vpc-db/ingress/tcp:5432/set:web", True),
    }


def test_a_group_never_recorded_is_a_plain_create() -> None:
    state = compiled()
    have = {k: v for k, v in state.resources.items() if not k.startswith(DB)}
    applied = {WEB: recorded(state)[WEB]}
    assert {drift for _, _, drift in shown(state, observe(have, applied))} == {False}


@pytest.mark.parametrize(
    ("have", "want", "written"),
    [
        pytest.param({"a", "b", "x"}, {"a", "b", "c"}, {"a", "b"}, id="one-outside-one-policy"),
        pytest.param({"a"}, {"a", "b"}, {"a", "b"}, id="deleted-outside"),
        pytest.param({"a", "b"}, {"a"}, {"a", "b"}, id="dropped-by-policy"),
        pytest.param(set(), {"a", "b"}, {"a", "b"}, id="owner-gone"),
    ],
)
def test_the_last_written_lines_are_found_back_from_the_digest(
    have: set[str], want: set[str], written: set[str]
) -> None:
    found = last_written(frozenset(have), frozenset(want), lines_digest(written))
    assert found == frozenset(written)


def test_beyond_the_search_limit_every_change_of_the_owner_counts_as_drift() -> None:
    many = frozenset(f"rule-{i}" for i in range(40))
    assert last_written(many, frozenset(), lines_digest({"rule-0", "x"})) is None
    assert SEARCH_LIMIT < 2**40
