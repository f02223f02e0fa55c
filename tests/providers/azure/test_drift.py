"""Drift per rule on Azure, through azure-mgmt-network against the fake ARM: a console edit is
drift even when the policy changed the same NSG, and an NSG deleted in the console is
recreated as drift (its record lives on the VNet)."""

from __future__ import annotations

from typing import Any

from azure.mgmt.network.models import SecurityRule, Subnet

from moto_fixtures.azure import AzureServer, SeedReport
from orchestrator.apply import apply_plan
from orchestrator.model.policy import Policy
from orchestrator.pipeline import plan_policy
from orchestrator.plan import Plan
from providers.azure.adapter import AzureAdapter
from providers.azure.records import record_tag
from tests.providers.azure.conftest import RG, adapter_for, console, member, policy

APP_NSG = "eastwest-acme-app-vnet-app"
SSH = {"properties": {"protocol": "Tcp", "access": "Allow", "direction": "Inbound",
       "priority": 200, "sourceAddressPrefix": "*", "sourcePortRange": "*",
       "destinationAddressPrefix": "*", "destinationPortRange": "22"}}  # fmt: skip


def _policy(*ports: str, db: bool = True) -> Policy:
    segments: list[dict[str, Any]] = [
        {"name": "app", "members": [member("vnet-app", "snet-app-2")]},
        {"name": "onprem", "cidrs": ["172.16.0.0/12"]},
    ]
    rules = [{"name": "onprem-to-app", "from": "onprem", "to": "app", "ports": ["tcp/443", *ports]}]
    if db:
        segments.append({"name": "db", "members": [member("vnet-db", "snet-db-2")]})
        rules.append({"name": "app-to-db", "from": "app", "to": "db", "ports": ["tcp/5432"]})
    return policy("acme", segments, rules)


def _plan(p: Policy, adapter: AzureAdapter) -> Plan:
    result = plan_policy(p, lambda _: adapter, lambda _: None)
    assert result.plan is not None, result.diagnostics
    assert not result.failed, result.diagnostics
    return result.plan


def _apply(p: Policy, adapter: AzureAdapter) -> None:
    report = apply_plan(_plan(p, adapter), lambda _: adapter)
    assert report.ok, (report.errors, [r.message for _, r in report.results if not r.ok])
    assert not _plan(p, adapter).has_changes


def _shown(plan: Plan) -> set[tuple[str, str, bool]]:
    return {
        (str(c.action), c.key.split("/fwgroup/")[-1], c.drift)
        for c in plan.changes
        if c.resource.kind in {"firewall_group", "flow_rule"}
    }


def test_a_rogue_rule_in_an_nsg_whose_policy_also_changed_is_still_drift(
    server: AzureServer, seeded: SeedReport
) -> None:
    adapter = adapter_for(server, "acme")
    _apply(_policy(), adapter)
    console(server).security_rules.begin_create_or_update(
        RG, APP_NSG, "allow-ssh", SecurityRule(SSH)
    ).result()
    plan = _plan(_policy("tcp/80"), adapter)
    assert _shown(plan) == {
        ("-", "app@vnet-app/ingress/tcp:22/ref:allow-ssh", True),
        ("+", "app@vnet-app/ingress/tcp:80/set:onprem", False),
    }
    assert plan.counts()["drift"] == 1
    _apply(_policy("tcp/80"), adapter)


def test_an_nsg_deleted_in_the_console_is_recreated_as_drift(
    server: AzureServer, seeded: SeedReport
) -> None:
    adapter = adapter_for(server, "acme")
    _apply(_policy(), adapter)
    client = console(server)
    tags = client.virtual_networks.get(RG, "vnet-app").tags or {}
    assert record_tag("acme", "app") in tags
    # The console way: take the NSG off its subnet (ARM refuses to delete one in use), delete it.
    subnet = client.subnets.get(RG, "vnet-app", "snet-app-2").as_dict()
    del subnet["properties"]["networkSecurityGroup"]
    client.subnets.begin_create_or_update(RG, "vnet-app", "snet-app-2", Subnet(subnet)).result()
    client.network_security_groups.begin_delete(RG, APP_NSG).result()

    shown = _shown(_plan(_policy(), adapter))
    assert ("+", "app@vnet-app", True) in shown
    assert {drift for _, _, drift in shown} == {True}
    assert len(shown) >= 4  # the group and its rules
    _apply(_policy(), adapter)
    restored = client.subnets.get(RG, "vnet-app", "snet-app-2").as_dict()["properties"]
    assert restored["networkSecurityGroup"]["id"].endswith(f"/{APP_NSG}")


def test_a_group_the_policy_drops_takes_its_record_along(
    server: AzureServer, seeded: SeedReport
) -> None:
    adapter = adapter_for(server, "acme")
    _apply(_policy(), adapter)
    _apply(_policy(db=False), adapter)
    tags = console(server).virtual_networks.get(RG, "vnet-db").tags or {}
    assert record_tag("acme", "db") not in tags
    # Brought back by the policy, the group is a plain create, not drift.
    plan = _plan(_policy(), adapter)
    assert ("+", "db@vnet-db", False) in _shown(plan)
    assert plan.counts()["drift"] == 0
