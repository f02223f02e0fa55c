"""The who / what / when / why / how of an inspected rule (orchestrator/model/ngfw.py): accepted
on inspected rules, a located error on any other, and bad values told in the firewall's terms."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from orchestrator.errors import PolicyError
from orchestrator.model import load_policy
from tests.providers.panos.policies import inspected_hub

POLICY = (
    inspected_hub()
    + """\
segments:
  - {name: web, members: [{account: aws-prod, region: us-east-1, vpc: vpc-1}]}
  - {name: db, members: [{account: aws-prod, region: us-east-1, vpc: vpc-2}]}
rules:
  - name: web-to-db
    from: web
    to: db
    ports: [tcp/5432]
    inspect: true
    FIELD
"""
)
FIELD_LINE = POLICY.splitlines().index("    FIELD") + 1
GOOD = """applications: [postgres, ssl]
    users: ['ACME\\alice', bob@acme.example]
    groups: ['cn=dba,ou=groups,dc=acme,dc=example']
    schedule: {days: [mon, tue, wed, thu, fri], hours: ['08:00-12:00', '13:00-18:00']}
    category: payments
    profile: strict"""


def _write(tmp_path: Path, field: str, inspect: bool = True) -> Path:
    text = POLICY.replace("FIELD", field)
    if not inspect:
        text = text.replace("inspect: true", "inspect: false")
    path = tmp_path / "p.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_an_inspected_rule_carries_every_field(tmp_path: Path) -> None:
    rule = load_policy([_write(tmp_path, GOOD)]).policy.rules[0]
    assert rule.applications == ["postgres", "ssl"]
    assert rule.users == ["ACME\\alice", "bob@acme.example"]
    assert rule.schedule is not None
    assert (rule.schedule.days[0], rule.schedule.hours) == ("mon", ["08:00-12:00", "13:00-18:00"])
    assert (rule.category, rule.profile) == ("payments", "strict")


@pytest.mark.parametrize(
    ("field", "name"),
    [
        ("applications: [ssl]", "applications"),
        ("users: [alice]", "users"),
        ("groups: [dba]", "groups"),
        ("schedule: {hours: ['08:00-18:00']}", "schedule"),
        ("category: payments", "category"),
        ("profile: strict", "profile"),
    ],
    ids=lambda value: str(value).split(":")[0],
)
def test_an_uninspected_rule_may_not_carry_them(tmp_path: Path, field: str, name: str) -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy([_write(tmp_path, field, inspect=False)])
    [problem] = caught.value.diagnostics
    assert problem.path == f"rules[0].{name}"
    assert problem.line == FIELD_LINE
    assert "set 'inspect: true'" in problem.summary


@pytest.mark.parametrize(
    ("field", "path", "message"),
    [
        ("applications: [Web Browsing]", "rules[0].applications[0]", "is not an App-ID name"),
        ("schedule: {hours: ['8-18']}", "rules[0].schedule.hours[0]", "is not a time window"),
        ("schedule: {hours: ['25:00-26:00']}", "rules[0].schedule.hours[0]", "24-hour"),
        ("schedule: {hours: ['22:00-02:00']}", "rules[0].schedule.hours[0]", "past midnight"),
        ("schedule: {days: [funday], hours: ['08:00-09:00']}", "rules[0].schedule.days[0]", ""),
        ("schedule: {days: [mon, mon], hours: ['08:00-09:00']}", "rules[0].schedule", "twice"),
        ("schedule: {days: [mon]}", "rules[0].schedule.hours", ""),
        ("users: [' alice']", "rules[0].users[0]", "no outer spaces"),
        ("category: '-x'", "rules[0].category", "is not a PAN-OS object name"),
    ],
    ids=[
        "app-name",
        "window-shape",
        "window-hour",
        "window-midnight",
        "unknown-day",
        "repeated-day",
        "no-hours",
        "user-spaces",
        "category-name",
    ],
)
def test_bad_values_are_located(tmp_path: Path, field: str, path: str, message: str) -> None:
    with pytest.raises(PolicyError) as caught:
        load_policy([_write(tmp_path, field)])
    [problem] = caught.value.diagnostics
    assert problem.path == path
    assert problem.line == FIELD_LINE
    assert message in problem.summary
