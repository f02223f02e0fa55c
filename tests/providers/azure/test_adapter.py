"""The Azure adapter end to end against the fake ARM, with a fifth of calls answered 429."""

from __future__ import annotations

from typing import Any

import pytest

from moto_fixtures.azure import AzureServer, SeedReport
from orchestrator.apply import apply_plan
from orchestrator.errors import PermanentError
from orchestrator.model.policy import Policy
from orchestrator.pipeline import plan_policy
from orchestrator.plan import Plan
from orchestrator.state import Action, Target
from providers.azure.adapter import AzureAdapter, make_azure_adapter
from tests.providers.azure.conftest import (
    RG,
    SUB,
    THROTTLED,
    adapter_for,
    console,
    member,
    policy,
    unowned_snapshot,
)

APP_NSG = "eastwest-acme-app-vnet-app"


def _policy(extra_ports: tuple[str, ...] = (), name: str = "acme") -> Policy:
    return policy(
        name,
        [
            {"name": "app", "members": [member("vnet-app", "snet-app-2")]},
            {"name": "db", "members": [member("vnet-db", "snet-db-2")]},
            {"name": "onprem", "cidrs": ["172.16.0.0/12"]},
        ],
        [
            {"name": "app-to-db", "from": "app", "to": "db", "ports": ["tcp/5432"]},
            {
                "name": "onprem-to-app",
                "from": "onprem",
                "to": "app",
                "ports": ["tcp/443", *extra_ports],
            },
        ],
    )


def _plan(p: Policy, adapter: AzureAdapter) -> Plan:
    result = plan_policy(p, lambda _: adapter, lambda _: None)
    assert result.plan is not None, result.diagnostics
    assert not result.failed, result.diagnostics
    return result.plan


def _apply(p: Policy, adapter: AzureAdapter) -> Plan:
    plan = _plan(p, adapter)
    report = apply_plan(plan, lambda _: adapter)
    assert report.ok, (report.errors, [r.message for _, r in report.results if not r.ok])
    return plan


def _rules(server: AzureServer, nsg: str = APP_NSG) -> dict[str, dict[str, Any]]:
    body = console(server).network_security_groups.get(RG, nsg).as_dict()
    return {r["name"]: r["properties"] for r in body["properties"]["securityRules"]}


def test_apply_then_plan_is_empty_under_throttling(server: AzureServer, seeded: SeedReport) -> None:
    client = console(server)
    client.subnets.begin_create_or_update(
        RG, "vnet-app", "snet-app-2",
        {"properties": {"addressPrefix": "10.2.2.0/24",
                        "routeTable": {"id": seeded.route_tables["rt-app"]}}},
    ).result()  # fmt: skip
    before = unowned_snapshot(client)
    server.control.set_faults(THROTTLED)
    adapter = adapter_for(server, "acme")
    first = _apply(_policy(), adapter)
    assert first.counts()["add"] >= 9
    assert not _plan(_policy(), adapter).has_changes
    statuses = [c["status"] for c in server.control.calls()]
    assert statuses.count(429) >= 5  # the throttling really happened, and was absorbed
    server.control.set_faults(THROTTLED.updated({"throttle": 0.0}))
    assert unowned_snapshot(client) == before
    subnet = client.subnets.get(RG, "vnet-app", "snet-app-2").as_dict()["properties"]
    assert subnet["networkSecurityGroup"]["id"].endswith(f"/{APP_NSG}")
    assert subnet["routeTable"]["id"] == seeded.route_tables["rt-app"]  # untouched
    rules = _rules(server)
    assert rules["eastwest-in-onprem-tcp-443"]["sourceAddressPrefixes"] == ["172.16.0.0/12"]
    assert rules["eastwest-out-db-tcp-5432"]["destinationAddressPrefixes"] == ["10.3.2.0/24"]
    denies = {n: r for n, r in rules.items() if r["access"] == "Deny"}
    assert {r["sourceAddressPrefix"] for r in denies.values()} == {"VirtualNetwork"}
    allows = [r["priority"] for r in rules.values() if r["access"] == "Allow"]
    assert max(allows) < min(r["priority"] for r in denies.values())


def test_console_edits_show_as_drift_and_are_restored(
    server: AzureServer, seeded: SeedReport
) -> None:
    adapter = adapter_for(server, "acme")
    _apply(_policy(), adapter)
    before = unowned_snapshot(console(server))
    priorities = {n: r["priority"] for n, r in _rules(server).items()}
    server.control.set_faults(THROTTLED)
    client = console(server)
    client.security_rules.begin_delete(RG, APP_NSG, "eastwest-in-onprem-tcp-443").result()
    rogue = {"properties": {"protocol": "Tcp", "access": "Allow", "direction": "Inbound",
             "priority": 200, "sourceAddressPrefix": "*", "sourcePortRange": "*",
             "destinationAddressPrefix": "*", "destinationPortRange": "22"}}  # fmt: skip
    client.security_rules.begin_create_or_update(RG, APP_NSG, "allow-ssh", rogue).result()
    plan = _plan(_policy(), adapter)
    shown = {(c.action, c.key.rsplit("/", 3)[-2] + "/" + c.key.rsplit("/", 1)[-1], c.drift)
             for c in plan.changes if c.resource.kind == "flow_rule"}  # fmt: skip
    # onprem's prefixes lived only in the deleted rule: its (virtual) address set shows as "+"
    assert {c.key.rsplit("/", 1)[-1] for c in plan.changes if c.resource.kind == "address_set"} <= {
        "onprem"
    }
    assert shown == {
        (Action.CREATE, "tcp:443/set:onprem", True),
        (Action.DELETE, "tcp:22/ref:allow-ssh", True),
    }
    _apply(_policy(), adapter)
    assert not _plan(_policy(), adapter).has_changes
    after = _rules(server)
    assert "allow-ssh" not in after
    assert {n: r["priority"] for n, r in after.items()} == priorities
    server.control.set_faults(THROTTLED.updated({"throttle": 0.0}))
    assert unowned_snapshot(console(server)) == before


def test_an_edited_rule_and_a_deleted_deny_rule_are_restored(
    server: AzureServer, seeded: SeedReport
) -> None:
    adapter = adapter_for(server, "acme")
    _apply(_policy(), adapter)
    client = console(server)
    client.security_rules.begin_delete(RG, APP_NSG, "eastwest-deny-vnet-in").result()
    # app's prefixes are in three rules: the edited one is the odd one out
    edited = client.security_rules.get(RG, APP_NSG, "eastwest-in-app-any").as_dict()
    edited["properties"]["sourceAddressPrefixes"] = ["0.0.0.0/0"]
    client.security_rules.begin_create_or_update(
        RG, APP_NSG, "eastwest-in-app-any", edited
    ).result()
    plan = _plan(_policy(), adapter)
    actions = {(c.action, c.resource.kind) for c in plan.changes}
    assert (Action.UPDATE, "firewall_group") in actions  # the missing deny rule
    group = next(c for c in plan.changes if c.resource.kind == "firewall_group")
    assert "deny rule eastwest-deny-vnet-in is missing" in getattr(group.before, "description", "")
    edited_keys = [c.key for c in plan.changes if c.resource.kind == "flow_rule"]
    assert any(k.endswith("ingress/any/ref:eastwest-in-app-any") for k in edited_keys)
    assert any(k.endswith("ingress/any/set:app") for k in edited_keys)
    _apply(_policy(), adapter)
    assert not _plan(_policy(), adapter).has_changes
    rules = _rules(server)
    assert rules["eastwest-deny-vnet-in"]["access"] == "Deny"
    assert rules["eastwest-in-app-any"]["sourceAddressPrefixes"] == ["10.2.2.0/24"]


def test_a_segment_whose_only_rule_was_edited_is_rewritten(
    server: AzureServer, seeded: SeedReport
) -> None:
    adapter = adapter_for(server, "acme")
    _apply(_policy(), adapter)
    client = console(server)
    edited = client.security_rules.get(RG, APP_NSG, "eastwest-in-onprem-tcp-443").as_dict()
    edited["properties"]["sourceAddressPrefixes"] = ["0.0.0.0/0"]
    client.security_rules.begin_create_or_update(
        RG, APP_NSG, "eastwest-in-onprem-tcp-443", edited
    ).result()
    plan = _plan(_policy(), adapter)
    assert [(c.action, c.resource.kind) for c in plan.changes] == [(Action.UPDATE, "address_set")]
    _apply(_policy(), adapter)
    assert not _plan(_policy(), adapter).has_changes
    rules = _rules(server)
    assert rules["eastwest-in-onprem-tcp-443"]["sourceAddressPrefixes"] == ["172.16.0.0/12"]


def test_adding_a_rule_in_the_middle_keeps_every_priority(
    server: AzureServer, seeded: SeedReport
) -> None:
    adapter = adapter_for(server, "acme")
    server.control.set_faults(THROTTLED)
    _apply(_policy(("tcp/80", "tcp/9000")), adapter)
    before = {n: r["priority"] for n, r in _rules(server).items()}
    # tcp/8443 sorts between tcp/80 and tcp/9000 in the segment's rules
    plan = _apply(_policy(("tcp/80", "tcp/8443", "tcp/9000")), adapter)
    assert [c.action for c in plan.changes if c.resource.kind == "flow_rule"] == [Action.CREATE]
    after = {n: r["priority"] for n, r in _rules(server).items()}
    assert {n: after[n] for n in before} == before
    assert set(after) - set(before) == {"eastwest-in-onprem-tcp-8443"}
    assert after["eastwest-in-onprem-tcp-8443"] not in before.values()
    assert not _plan(_policy(("tcp/80", "tcp/8443", "tcp/9000")), adapter).has_changes


def test_a_member_subnet_with_someone_elses_nsg_is_a_conflict(
    server: AzureServer, seeded: SeedReport
) -> None:
    client = console(server)
    before = unowned_snapshot(client)
    subnet_before = client.subnets.get(RG, "vnet-web", "snet-web").as_dict()
    p = policy("acme", [{"name": "web", "members": [member("vnet-web", "snet-web")]}], [])
    adapter = adapter_for(server, "acme")
    plan = _plan(p, adapter)
    report = apply_plan(plan, lambda _: adapter)
    assert not report.ok
    messages = " ".join(r.message for _, r in report.results if not r.ok)
    assert "nsg-web" in messages
    assert "snet-web" in messages
    assert unowned_snapshot(client) == before
    assert client.subnets.get(RG, "vnet-web", "snet-web").as_dict() == subnet_before
    again = _plan(p, adapter)  # still shown, never silently accepted
    assert any(c.resource.kind == "firewall_group" for c in again.changes)


def test_two_policies_never_touch_each_other(server: AzureServer, seeded: SeedReport) -> None:
    _apply(_policy(), adapter_for(server, "acme"))
    mine = dict(_rules(server).items())
    other = policy("other", [{"name": "web", "members": [member("vnet-web", "snet-web-2")]}], [])
    _apply(other, adapter_for(server, "other"))
    assert _rules(server) == mine
    assert not _plan(_policy(), adapter_for(server, "acme")).has_changes


def test_production_credentials_need_azure_identity() -> None:
    target = Target("azure", SUB, "az-prod", None, RG)
    adapter = make_azure_adapter(target, policy="acme", sandbox=None)
    with pytest.raises(PermanentError, match="pip install azure-identity"):
        adapter.check_identity("eastus")


def test_a_target_without_resource_group_is_refused() -> None:
    sandbox = {"azure": {"endpoint_url": "https://127.0.0.1:1", "ca_bundle": ""}}
    adapter = make_azure_adapter(Target("azure", SUB, "az"), policy="acme", sandbox=sandbox)
    with pytest.raises(PermanentError, match="resource_group"):
        adapter.check_identity("eastus")
