"""Golden-text tests of the plan renderer. Regenerate with EASTWEST_UPDATE_GOLDEN=1."""

from __future__ import annotations

import json
import os
from dataclasses import replace
from pathlib import Path

import pytest

from orchestrator.compile import compile_policy
from orchestrator.plan import Plan, make_plan
from orchestrator.plan.document import is_plan_file, plan_to_json, read_plan, write_plan
from orchestrator.plan.render import render_plan
from orchestrator.state import AddressSet, FlowRule, NativeRef, ObservedScope, Resource, Target
from orchestrator.state.resources import cidrs_digest
from tests.orchestrator.factories import SCOPE, inventory, policy

GOLDEN = Path(__file__).parent / "golden"
TARGET = Target("aws", SCOPE.account, "prod")


def _plan(have: dict[str, Resource], applied: dict[str, str] | None = None) -> Plan:
    state = compile_policy(policy(), inventory())
    native = {k: NativeRef(f"id-{i}", 1 if "addrset" in k else None) for i, k in enumerate(have)}
    seen = ObservedScope(SCOPE, have, native, applied or {})
    return replace(
        make_plan(state, {SCOPE: seen}, {SCOPE: TARGET}), created_at="2026-01-01T00:00:00+00:00"
    )


def _drifted_plan() -> Plan:
    state = compile_policy(policy(), inventory())
    have = dict(state.scopes[SCOPE].resources)
    key = f"{SCOPE}/addrset/web"
    web = have[key]
    assert isinstance(web, AddressSet)
    have[key] = replace(web, cidrs=web.cidrs | {"10.99.0.0/16"})
    group = f"{SCOPE}/fwgroup/db@vpc-db"
    rogue = FlowRule(
        f"{group}/ingress/tcp:22/cidr:0.0.0.0/0",
        SCOPE,
        group,
        "ingress",
        "tcp",
        22,
        22,
        "cidr:0.0.0.0/0",
        "temporary debug",
    )
    have[rogue.key] = rogue
    return _plan(have, {key: cidrs_digest(web.cidrs)})


CASES = {
    "create": lambda: _plan({}),
    "no-changes": lambda: _plan(
        dict(compile_policy(policy(), inventory()).scopes[SCOPE].resources)
    ),
    "drift": _drifted_plan,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_render_matches_golden(name: str) -> None:
    text = render_plan(CASES[name]())
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("EASTWEST_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def test_colour_only_adds_escape_codes() -> None:
    plan = _drifted_plan()
    coloured = render_plan(plan, colour=True)
    assert "\x1b[" in coloured
    import re

    assert re.sub(r"\x1b\[[0-9;]*m", "", coloured) == render_plan(plan)


def test_plan_file_round_trips(tmp_path: Path) -> None:
    plan = _drifted_plan()
    path = tmp_path / "p.json"
    write_plan(plan, path)
    assert is_plan_file(path)
    again = read_plan(path).plan
    assert again == plan
    assert plan_to_json(again) == plan_to_json(plan)


def test_json_has_a_format_version_and_summary() -> None:
    body = plan_to_json(_drifted_plan())
    assert body["format_version"] == "1.2"
    assert body["summary"] == {"add": 0, "change": 1, "destroy": 1, "drift": 1}
    json.dumps(body)  # serialisable


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param("not json", "not a readable eastwest plan", id="garbage"),
        pytest.param('{"format_version": "9.0"}', "plan format 9.0 is not supported", id="future"),
        pytest.param('{"format_version": "1.0", "policy": "x"}', "damaged", id="truncated"),
    ],
)
def test_bad_plan_files_are_refused_clearly(tmp_path: Path, content: str, message: str) -> None:
    from orchestrator.errors import PlanFileError

    path = tmp_path / "p.json"
    path.write_text(content)
    with pytest.raises(PlanFileError, match=message):
        read_plan(path)


@pytest.mark.parametrize(
    ("drop_group", "summary"),
    [
        pytest.param(
            False,
            "No changes can be made, but the clouds do not match the policy: 1 conflict(s) above "
            "leave members unguarded.",
            id="nothing-else",
        ),
        pytest.param(
            True,
            "Plan: 1 to add, 0 to change, 0 to destroy; 1 conflict(s) above leave members "
            "unguarded.",
            id="with-changes",
        ),
    ],
)
def test_a_plan_with_a_member_eastwest_cannot_guard_never_says_the_clouds_match(
    drop_group: bool, summary: str
) -> None:
    state = compile_policy(policy(), inventory())
    have = dict(state.scopes[SCOPE].resources)
    held = f"{SCOPE}/fwgroup/db@vpc-db"
    if drop_group:
        del have[f"{SCOPE}/fwgroup/web@vpc-web"]
    native = {k: NativeRef(f"id-{i}") for i, k in enumerate(have)}
    seen = ObservedScope(SCOPE, have, native, {}, {held: "the group sg-theirs on vpc-db"})
    plan = make_plan(state, {SCOPE: seen}, {SCOPE: TARGET})
    assert len(plan.conflicts) == 1
    text = render_plan(plan)
    assert "The clouds match the policy" not in text
    assert text.rstrip().endswith(summary)
