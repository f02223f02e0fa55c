"""A bidirectional inspected rule on the fake firewall: two security rules, one per direction,
read back from the running configuration through pan-os-python (not eastwest's code); making
a one-way rule bidirectional adds the reverse rule and renames nothing."""

from __future__ import annotations

from pathlib import Path

from panos.firewall import Firewall
from panos.policies import Rulebase, SecurityRule

from moto_fixtures.panos import PanosServer
from orchestrator.firewalls import apply_rulebase, plan_rulebase
from orchestrator.state.change import Action
from providers.panos.adapter import PanosAdapter

from .conftest import LABEL, POLICY, load, membership_of

P = "eastwest-acme-"
ONE_WAY = (
    "  - {name: ops-to-web, from: ops, to: web, ports: [tcp/22, tcp/8000-8100], inspect: true}"
)
BOTH_WAYS = ONE_WAY[:-1] + ", bidirectional: true}"


def _running(server: PanosServer) -> dict[str, SecurityRule]:
    fw = Firewall("127.0.0.1", server.username, server.password, port=server.port)
    rules = SecurityRule.refreshall(fw.add(Rulebase()), running_config=True)
    return {r.name: r for r in rules}


def _apply(tmp_path: Path, adapter: PanosAdapter, text: str) -> list[str]:
    policy = load(tmp_path, text)
    plan = plan_rulebase(policy, membership_of(policy), LABEL, adapter)
    assert not plan.failed, plan.diagnostics
    apply_rulebase(plan, adapter)
    return [f"{c.action.value} {c.resource.key}" for c in plan.changes]


def test_a_bidirectional_rule_is_two_firewall_rules_with_stable_names(
    tmp_path: Path, adapter: PanosAdapter, panos_server: PanosServer
) -> None:
    assert POLICY.count(ONE_WAY) == 1
    _apply(tmp_path, adapter, POLICY)
    before = _running(panos_server)
    assert f"{P}ops-to-web--rev" not in before
    changes = _apply(tmp_path, adapter, POLICY.replace(ONE_WAY, BOTH_WAYS))
    rules = _running(panos_server)
    forward, reverse = rules[f"{P}ops-to-web"], rules[f"{P}ops-to-web--rev"]
    assert (forward.source, forward.destination) == ([f"{P}ops"], [f"{P}web"])
    assert (reverse.source, reverse.destination) == ([f"{P}web"], [f"{P}ops"])
    assert reverse.service == forward.service == [f"{P}tcp-22", f"{P}tcp-8000-8100"]
    assert (reverse.action, reverse.tag) == ("allow", ["eastwest"])
    # The forward rule is untouched: only the reverse one is added, and the section re-ordered.
    assert f"{Action.CREATE.value} ngfw/{LABEL}/rule/{P}ops-to-web--rev" in changes
    assert not [c for c in changes if c.endswith(f"/rule/{P}ops-to-web")]
    names = list(rules)
    assert names[: names.index(f"{P}-deny") + 1] == [
        f"{P}ops-to-web",
        f"{P}ops-to-web--rev",
        f"{P}web-to-db",
        f"{P}-deny",
    ]
    assert _apply(tmp_path, adapter, POLICY.replace(ONE_WAY, BOTH_WAYS)) == []
