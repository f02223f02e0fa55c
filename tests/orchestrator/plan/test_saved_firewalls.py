"""The firewalls and the conflicts of a plan in its saved file: written, read back equal,
re-derived (a firewall whose rulebase moved is stale, a forged firewall change is refused),
shown in the text, valid against the published schema; the policy files named absolutely."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from orchestrator.diagnostics import Diagnostic, Severity
from orchestrator.errors import PlanFileError, StalePlanError
from orchestrator.plan import Plan
from orchestrator.plan.document import plan_to_json, read_plan, write_plan
from orchestrator.plan.ngfw import FirewallPlan
from orchestrator.plan.render import render_plan
from orchestrator.plan.saved import PolicyRef, check_rederived
from orchestrator.schemas import document_schema
from orchestrator.state.change import Action
from orchestrator.state.ngfw import (
    NgfwAddressGroup,
    NgfwChange,
    NgfwRule,
    NgfwSection,
    ngfw_key,
)
from tests.orchestrator.plan.test_render import _drifted_plan
from tests.orchestrator.plan.test_saved import assert_rederived

FW = "aws/us-east-1a"
GROUP = NgfwAddressGroup(
    ngfw_key(FW, "ngfw_address_group", "eastwest-acme-db"),
    FW,
    "eastwest-acme-db",
    "db",
    ("10.2.0.0/16",),
)
RULE = NgfwRule(
    key=ngfw_key(FW, "ngfw_rule", "eastwest-acme-web-to-db"),
    firewall=FW,
    name="eastwest-acme-web-to-db",
    source=("eastwest-acme-web",),
    destination=("eastwest-acme-db",),
    applications=("postgres",),
    services=("eastwest-acme-tcp-5432",),
    users=("any",),
    action="allow",
    tags=("eastwest",),
    schedule="eastwest-acme-web-to-db",
)
HAND_EDITED = replace(RULE, applications=("any",), recorded="0123456789ab")
SECTION = NgfwSection(ngfw_key(FW, "ngfw_section", "eastwest"), FW, (RULE.name,))
CONFLICT = Diagnostic(Severity.ERROR, "aws/1/us-east-1: sg-x is not eastwest's", path="")


def with_firewalls(plan: Plan) -> Plan:
    changes = (
        NgfwChange(Action.UPDATE, replace(GROUP, cidrs=()), GROUP),
        NgfwChange(Action.UPDATE, HAND_EDITED, RULE, drift=True),
        NgfwChange(Action.CREATE, None, SECTION),
    )
    firewalls = (
        FirewallPlan(FW, changes, "fp-1"),
        FirewallPlan("aws/us-east-1b", (), None, skipped="could not be read: HTTP 503"),
    )
    return replace(plan, firewalls=firewalls, conflicts=(CONFLICT,))


def test_firewalls_and_conflicts_survive_the_file(tmp_path: Path) -> None:
    plan = with_firewalls(_drifted_plan())
    path = tmp_path / "plan.json"
    write_plan(plan, path, PolicyRef(("p.yaml",), "sha256:abc"))
    saved = read_plan(path)
    assert saved.plan.firewalls == plan.firewalls
    assert saved.plan.conflicts == plan.conflicts
    assert saved.plan.counts() == plan.counts()
    check_rederived(saved.plan, plan)


def test_the_policy_files_are_named_absolutely(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "plan.json"
    write_plan(_drifted_plan(), path, PolicyRef(("policies/p.yaml",), "sha256:abc"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    saved = read_plan(path)
    assert saved.policy is not None
    (named,) = saved.policy.files
    assert os.path.isabs(named)
    assert Path(named) == tmp_path / "policies" / "p.yaml"


def _firewall_edit(plan: Plan, **fields: object) -> Plan:
    first, *rest = plan.firewalls
    return replace(plan, firewalls=(replace(first, **fields), *rest))  # type: ignore[arg-type]


def _forged(plan: Plan) -> Plan:
    first = plan.firewalls[0]
    widened = replace(RULE, source=("any",))
    changes = (*first.changes[:1], NgfwChange(Action.UPDATE, HAND_EDITED, widened, drift=True))
    return _firewall_edit(plan, changes=(*changes, *first.changes[2:]))


EDITS: dict[str, tuple[Callable[[Plan], Plan], type[Exception] | None, str]] = {
    "identical": (lambda p: p, None, ""),
    "firewall-moved": (lambda p: _firewall_edit(p, fingerprint="fp-2"), StalePlanError, "stale"),
    "rule-forged": (_forged, PlanFileError, "not what the policy produces now"),
    "change-dropped": (lambda p: _firewall_edit(p, changes=()), PlanFileError, "not what"),
    "firewall-dropped": (
        lambda p: replace(p, firewalls=p.firewalls[1:]),
        PlanFileError,
        "in one plan only",
    ),
}


@pytest.mark.parametrize("edit", EDITS, ids=list(EDITS))
def test_a_saved_firewall_plan_is_applied_only_if_re_derived_identically(edit: str) -> None:
    assert_rederived(with_firewalls(_drifted_plan()), *EDITS[edit])


def test_the_text_shows_each_firewall_and_counts_its_changes() -> None:
    plain = _drifted_plan()
    plan = with_firewalls(plain)
    text = render_plan(plan)
    assert "Firewall aws/us-east-1a\n" in text
    assert "  ~ ngfw_rule eastwest-acme-web-to-db (drift: changed on the firewall)" in text
    assert "Firewall aws/us-east-1b: not planned, could not be read: HTTP 503" in text
    assert f"changed outside eastwest: {RULE.key}" in text
    before, after = plain.counts(), plan.counts()
    assert (after["add"] - before["add"], after["change"] - before["change"]) == (1, 2)
    assert after["drift"] - before["drift"] == 1
    assert not plan.complete
    assert plain.complete


def test_a_plan_with_only_firewall_changes_has_changes() -> None:
    quiet = replace(_drifted_plan(), scopes=())
    assert not quiet.has_changes
    assert with_firewalls(quiet).has_changes


def test_the_document_is_valid_against_the_published_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    body = json.loads(json.dumps(plan_to_json(with_firewalls(_drifted_plan()))))
    assert body["format_version"] == "1.2"
    assert [f["firewall"] for f in body["firewalls"]] == [FW, "aws/us-east-1b"]
    jsonschema.Draft202012Validator(document_schema("plan")).validate(body)
    body["firewalls"][0]["changes"][0]["kind"] = "flow_rule"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(document_schema("plan")).validate(body)
