"""Compile → observe → diff → apply on the fake firewall, checked by reading its running
configuration through pan-os-python (not eastwest's code)."""

from __future__ import annotations

from pathlib import Path

from panos.firewall import Firewall
from panos.objects import AddressGroup, AddressObject, ScheduleObject, ServiceObject
from panos.policies import Rulebase, SecurityRule

from moto_fixtures.panos import PanosServer
from moto_fixtures.panos.fleet import describe_fleet
from orchestrator.compile.ngfw import compile_firewalls
from orchestrator.plan.ngfw import diff_firewall
from orchestrator.state.ngfw import FirewallState, NgfwChange
from providers.panos.adapter import PanosAdapter

from .conftest import LABEL, load, membership_of, outside_section

PREFIX = "eastwest-acme-"


def desired(tmp_path: Path) -> FirewallState:
    policy = load(tmp_path)
    states, diags = compile_firewalls(policy, membership_of(policy))
    assert diags == []
    return states[LABEL]


def plan(adapter: PanosAdapter, want: FirewallState) -> list[NgfwChange]:
    seen = adapter.observe()
    return diff_firewall(want, FirewallState(LABEL, seen.resources))


def reader(server: PanosServer) -> Firewall:
    return Firewall("127.0.0.1", server.username, server.password, port=server.port)


def running_rules(server: PanosServer) -> list[SecurityRule]:
    rulebase = reader(server).add(Rulebase())
    return list(SecurityRule.refreshall(rulebase, running_config=True))


def test_apply_writes_exactly_the_expected_rulebase(
    tmp_path: Path, adapter: PanosAdapter, panos_server: PanosServer
) -> None:
    changes = plan(adapter, desired(tmp_path))
    applied = adapter.apply(changes)
    assert applied.job
    rules = running_rules(panos_server)
    assert [r.name for r in rules] == [
        f"{PREFIX}ops-to-web",
        f"{PREFIX}web-to-db",
        f"{PREFIX}-deny",
        "ops-jump-host-ssh",
        "log-untrust-denies",
    ]
    web_to_db = rules[1]
    assert (web_to_db.source, web_to_db.destination) == ([f"{PREFIX}web"], [f"{PREFIX}db"])
    assert (web_to_db.application, web_to_db.service) == (["postgres"], [f"{PREFIX}tcp-5432"])
    assert web_to_db.source_user == [
        "ACME\\app-web",
        "cn=web-apps,ou=groups,dc=acme,dc=example",
    ]
    assert (web_to_db.schedule, web_to_db.action) == (f"{PREFIX}web-to-db", "allow")
    assert web_to_db.tag == ["eastwest", f"{PREFIX}payments"]
    ops = rules[0]
    assert ops.service == [f"{PREFIX}tcp-22", f"{PREFIX}tcp-8000-8100"]
    assert ops.application == ["any"]
    deny = rules[2]
    groups = [f"{PREFIX}db", f"{PREFIX}ops", f"{PREFIX}web"]
    assert (deny.source, deny.destination, deny.action) == (groups, groups, "deny")
    fw = reader(panos_server)
    schedule = ScheduleObject.refreshall(fw, running_config=True)[0]
    assert (schedule.recurrence, schedule.weekly_monday_time, schedule.weekly_sunday_time) == (
        "weekly",
        ["06:00-22:00"],
        None,
    )
    db = next(g for g in AddressGroup.refreshall(fw, running_config=True) if g.name.endswith("db"))
    addresses = {a.name: a.value for a in AddressObject.refreshall(fw, running_config=True)}
    assert sorted(addresses[m] for m in db.static_value) == ["10.2.0.0/16", "10.3.0.0/24"]
    services = {
        s.name: s.destination_port for s in ServiceObject.refreshall(fw, running_config=True)
    }
    assert services[f"{PREFIX}tcp-8000-8100"] == "8000-8100"


def test_a_second_plan_is_empty(tmp_path: Path, adapter: PanosAdapter) -> None:
    want = desired(tmp_path)
    adapter.apply(plan(adapter, want))
    assert plan(adapter, want) == []
    assert adapter.apply([]).edits == 0


def _rest(server: PanosServer) -> bytes:
    return outside_section(server.device.running)


def test_nothing_outside_eastwests_section_changes(
    tmp_path: Path, adapter: PanosAdapter, panos_server: PanosServer
) -> None:
    before = _rest(panos_server)
    adapter.apply(plan(adapter, desired(tmp_path)))
    assert _rest(panos_server) == before
    policy = load(tmp_path).model_copy(update={"rules": []})
    states, _ = compile_firewalls(policy, membership_of(policy))
    adapter.apply(plan(adapter, states.get(LABEL, FirewallState(LABEL))))
    assert _rest(panos_server) == before
    assert not [r for r in running_rules(panos_server) if r.name.startswith(PREFIX)]


def test_the_registry_makes_the_adapter_lazily(panos_server: PanosServer) -> None:
    from providers import panos_adapter

    sandbox = {"panos": describe_fleet({LABEL: panos_server})}
    made = panos_adapter(LABEL, policy="acme", sandbox=sandbox)
    assert isinstance(made, PanosAdapter)
    assert (made.prefix, made.admin) == (PREFIX, "admin")
    assert made.observe().resources == {}
