"""The step engine with a fake cloud: what it does once for every cloud (order, batching, the
rule-by-rule fallback when part of a batch already happened, failures kept to their changes)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from orchestrator.state import (
    Action,
    AddressSet,
    Change,
    FirewallGroup,
    FlowRule,
    NativeRef,
    Scope,
    Step,
)
from providers.base import ChangeResult
from providers.core.engine import ContainerKind, Kinds, RuleKind, apply_step

SCOPE = Scope("fake", "1", "r")
GROUP = f"{SCOPE}/fwgroup/web/n"


class RefusedError(Exception):
    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class FakeCloud:
    caught: tuple[type[BaseException], ...] = (RefusedError,)

    def where(self, key: str) -> str:
        return f"fake {key}"

    def code(self, exc: BaseException) -> str | None:
        return exc.code if isinstance(exc, RefusedError) else None

    def failure(self, key: str, exc: BaseException) -> str:
        return f"{self.where(key)}: {exc}"


def _rule(n: int) -> FlowRule:
    return FlowRule(f"{GROUP}/r{n}", SCOPE, GROUP, "ingress", "tcp", n, n, "cidr:10.0.0.0/8")


class Rules:
    """Writes rules; ``refuse`` is the code a call with more than ``alone`` rules fails with."""

    def __init__(self, refuse: str | None = None, alone: int = 0) -> None:
        self.refuse, self.alone = refuse, alone
        self.calls: list[tuple[bool, int]] = []

    def write(
        self, adding: bool, gid: str, direction: str, rules: Sequence[FlowRule], ids: Any
    ) -> None:
        self.calls.append((adding, len(rules)))
        if self.refuse and len(rules) > self.alone:
            raise RefusedError(self.refuse)


def _kinds(rules: Rules, order: list[str], per_call: int = 0) -> Kinds:
    def create(res: Any) -> NativeRef:
        order.append(f"+{res.kind}")
        return NativeRef(f"id-{res.kind}")

    def delete(res: Any, _: NativeRef) -> None:
        order.append(f"-{res.kind}")

    def update(_: Any, __: Any, ref: NativeRef) -> NativeRef:
        return ref

    container = ContainerKind(create, update, delete)
    return Kinds(
        cloud=FakeCloud(),
        label="Fake",
        containers={"address_set": container, "firewall_group": container},
        rules=RuleKind(
            rules.write,
            per_call=per_call,
            exists=frozenset({"Duplicate"}),
            gone=frozenset({"NotFound"}),
            parent_gone=frozenset({"GroupGone"}),
        ),
        attachments=lambda changes, ids, report: {},
        transit=lambda step, changes, ids, report: {},
        transit_kinds=frozenset(),
    )


def _adds(n: int) -> list[Change]:
    return [Change(Action.CREATE, None, _rule(i)) for i in range(n)]


def _removes(n: int) -> list[Change]:
    return [Change(Action.DELETE, _rule(i), None) for i in range(n)]


IDS = {GROUP: NativeRef("sg-1")}


@pytest.mark.parametrize(
    ("step", "changes", "rules", "per_call", "calls", "ok"),
    [
        (Step.ADD_RULES, _adds(3), Rules(), 0, [(True, 3)], [True] * 3),
        (Step.ADD_RULES, _adds(5), Rules(), 2, [(True, 2), (True, 2), (True, 1)], [True] * 5),
        # Part of the batch was already there (a re-run): rule by rule, "exists" is success.
        (
            Step.ADD_RULES,
            _adds(3),
            Rules("Duplicate"),
            0,
            [(True, 3)] + [(True, 1)] * 3,
            [True] * 3,
        ),
        (
            Step.ADD_RULES,
            _adds(2),
            Rules("Duplicate", alone=1),
            0,
            [(True, 2), (True, 1), (True, 1)],
            [True] * 2,
        ),
        (
            Step.REMOVE_RULES,
            _removes(2),
            Rules("NotFound"),
            0,
            [(False, 2), (False, 1), (False, 1)],
            [True] * 2,
        ),
        # "gone" is not benign when adding, and any other error fails the batch's changes.
        (Step.ADD_RULES, _adds(2), Rules("NotFound"), 0, [(True, 2)], [False] * 2),
        (Step.ADD_RULES, _adds(2), Rules("Quota"), 0, [(True, 2)], [False] * 2),
        # The group went, its rules with it.
        (Step.REMOVE_RULES, _removes(2), Rules("GroupGone"), 0, [(False, 2)], [True] * 2),
    ],
    ids=[
        "one-call",
        "per-call",
        "exists-fallback",
        "exists-once",
        "gone-fallback",
        "gone-adding",
        "other-error",
        "group-gone",
    ],
)
def test_rules_are_batched_and_part_done_batches_go_rule_by_rule(  # noqa: PLR0917 (the table's columns)
    step: Step,
    changes: list[Change],
    rules: Rules,
    per_call: int,
    calls: list[tuple[bool, int]],
    ok: list[bool],
) -> None:
    heard: list[ChangeResult] = []
    results = apply_step(_kinds(rules, [], per_call), step, changes, dict(IDS), heard.append)
    assert rules.calls == calls
    assert [r.ok for r in results] == ok
    assert [r.key for r in results] == [c.key for c in changes]
    assert sorted(r.key for r in heard) == sorted(c.key for c in changes)


def test_rules_of_a_group_that_was_not_created_fail_without_a_call() -> None:
    rules = Rules()
    results = apply_step(_kinds(rules, []), Step.ADD_RULES, _adds(2), {})
    assert rules.calls == []
    assert all("does not exist" in r.message and not r.ok for r in results)


def _containers(action: Action) -> list[Change]:
    group = FirewallGroup(GROUP, SCOPE, "web", "n", "ew-web", "eastwest: segment web")
    aset = AddressSet(f"{SCOPE}/addrset/web", SCOPE, "web", "ew-web", frozenset({"10.0.0.0/8"}), 1)
    if action is Action.CREATE:
        return [Change(action, None, group), Change(action, None, aset)]
    return [Change(action, aset, None), Change(action, group, None)]


@pytest.mark.parametrize(
    ("step", "action", "expected"),
    [
        (Step.CREATE_CONTAINERS, Action.CREATE, ["+address_set", "+firewall_group"]),
        (Step.DELETE_CONTAINERS, Action.DELETE, ["-firewall_group", "-address_set"]),
    ],
    ids=["sets-before-groups", "groups-before-sets"],
)
def test_address_sets_go_in_before_groups_and_out_after_them(
    step: Step, action: Action, expected: list[str]
) -> None:
    order: list[str] = []
    ids = {GROUP: NativeRef("sg"), f"{SCOPE}/addrset/web": NativeRef("pl")}
    results = apply_step(_kinds(Rules(), order), step, _containers(action), ids)
    assert order == expected
    assert all(r.ok for r in results)


def test_a_kind_nobody_writes_is_a_failed_change() -> None:
    attachment_like = Change(Action.CREATE, None, _rule(1))
    kinds = _kinds(Rules(), [])
    results = apply_step(kinds, Step.CREATE_CONTAINERS, [attachment_like], {})
    assert not results[0].ok
    assert "not supported on Fake" in results[0].message
