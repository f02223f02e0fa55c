"""One firewall rule per policy rule and direction: a bidirectional rule becomes two rules
(from → to under the rule's own name, to → from under ``--rev``), one-way rules stay one, the
clouds' groups allow the same directions, and a name that would collide is a located error."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from orchestrator.compile import compile_policy
from orchestrator.compile.membership import resolve_membership
from orchestrator.compile.ngfw import compile_firewalls
from orchestrator.model import load_policy
from orchestrator.model.policy import Policy
from orchestrator.state import FlowRule, Network, Scope, ScopeInventory
from orchestrator.state.ngfw import NgfwRule, NgfwSection
from tests.providers.panos.policies import inspected_hub

SCOPE = Scope("aws", "111111111111", "us-east-1")
LABEL = "aws/us-east-1a"
INVENTORY = {
    SCOPE: ScopeInventory(
        SCOPE,
        networks=(Network("vpc-web", ("10.1.0.0/16",)), Network("vpc-db", ("10.2.0.0/16",))),
    )
}
SEGMENTS = """\
segments:
  - {name: web, members: [{account: aws-prod, region: us-east-1, vpc: vpc-web}]}
  - {name: db, members: [{account: aws-prod, region: us-east-1, vpc: vpc-db}]}
rules:
"""


def load(tmp_path: Path, rules: str) -> Policy:
    path = tmp_path / "policy.yaml"
    path.write_text(inspected_hub() + SEGMENTS + textwrap.dedent(rules), encoding="utf-8")
    return load_policy([path]).policy


def firewall_rules(policy: Policy) -> dict[str, NgfwRule]:
    states, diags = compile_firewalls(policy, resolve_membership(policy, INVENTORY))
    assert diags == []
    found = states[LABEL].resources.values()
    return {r.name: r for r in found if isinstance(r, NgfwRule) and r.action == "allow"}


P = "eastwest-acme-"
CASES = {
    "one-way": (
        "  - {name: web-db, from: web, to: db, ports: [tcp/5432], inspect: true}\n",
        {f"{P}web-db": (f"{P}web", f"{P}db")},
    ),
    "bidirectional": (
        "  - {name: web-db, from: web, to: db, ports: [tcp/5432], inspect: true,"
        " bidirectional: true}\n",
        {f"{P}web-db": (f"{P}web", f"{P}db"), f"{P}web-db--rev": (f"{P}db", f"{P}web")},
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_one_firewall_rule_per_direction(tmp_path: Path, case: str) -> None:
    text, expected = CASES[case]
    rules = firewall_rules(load(tmp_path, text))
    assert {n: (r.source[0], r.destination[0]) for n, r in rules.items()} == expected
    assert {r.services for r in rules.values()} == {(f"{P}tcp-5432",)}


def test_the_section_keeps_both_directions_together_before_the_deny(tmp_path: Path) -> None:
    policy = load(tmp_path, CASES["bidirectional"][0])
    states, _ = compile_firewalls(policy, resolve_membership(policy, INVENTORY))
    (section,) = [r for r in states[LABEL].resources.values() if isinstance(r, NgfwSection)]
    assert section.order == (f"{P}web-db", f"{P}web-db--rev", f"{P}-deny")


@pytest.mark.parametrize("bidirectional", [False, True], ids=["one-way", "bidirectional"])
def test_the_clouds_groups_allow_the_same_directions(tmp_path: Path, bidirectional: bool) -> None:
    text = "  - {name: web-db, from: web, to: db, ports: [tcp/5432], bidirectional: %s}\n"
    policy = load(tmp_path, text % str(bidirectional).lower())
    desired = compile_policy(policy, INVENTORY)
    ingress = {
        r.group.rsplit("/", 1)[-1].split("@")[0]
        for r in desired.scopes[SCOPE].resources.values()
        if isinstance(r, FlowRule) and r.direction == "ingress" and r.ports == "tcp/5432"
    }
    assert ingress == ({"db", "web"} if bidirectional else {"db"})


def test_a_rule_named_as_anothers_reverse_twin_is_a_located_error(tmp_path: Path) -> None:
    text = CASES["bidirectional"][0] + (
        "  - {name: web-db--rev, from: db, to: web, ports: [tcp/22], inspect: true}\n"
    )
    policy = load(tmp_path, text)
    _, diags = compile_firewalls(policy, resolve_membership(policy, INVENTORY))
    assert [d.path for d in diags] == ["rules[0].bidirectional"]
