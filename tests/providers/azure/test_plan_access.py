"""The plan's effective-access check on Azure (DESIGN.md rule 8), against the seeded fake: with
eastwest's rules shared into the user's ``nsg-<segment>`` NSGs and applied, a hand-made allow
of tcp/5432 from anywhere at priority 150 in ``nsg-db`` (above eastwest's deny at 4096), with
a hand-made allow-all outbound in ``nsg-web``, opens web → db: a plan with no changes must not
say the clouds match, and names that NSG and rule; taking the rule out clears it. One allow
alone opens nothing (eastwest denies at both ends), and the plan says so by matching."""

from __future__ import annotations

from typing import Any

import pytest
from azure.mgmt.network.models import NetworkSecurityGroup

from moto_fixtures.azure import AzureServer, SeedReport
from orchestrator.apply import apply_plan
from orchestrator.model.policy import Policy
from orchestrator.paths.effect import with_access_check
from orchestrator.pipeline import PlanResult, plan_policy
from orchestrator.plan import Plan
from orchestrator.plan.render import render_plan
from orchestrator.state import Target
from providers.azure.adapter import AzureAdapter, make_azure_adapter
from providers.azure.session import FAST
from tests.providers.azure.conftest import RG, SUB, console, policy, sandbox_of

MATCH = "No changes. The clouds match the policy."


def _spokes() -> Policy:
    members = {s: {"account": "az-prod", "region": "eastus", "tags": {"segment": s}}
               for s in ("web", "app", "db")}  # fmt: skip
    rules = [{"name": "app-db", "from": "app", "to": "db", "ports": ["tcp/5432"]}]
    return policy("acme", [{"name": s, "members": [m]} for s, m in members.items()], rules)


def _plan(p: Policy, adapter: AzureAdapter) -> PlanResult:
    result = plan_policy(p, lambda _: adapter, lambda _: None)
    return with_access_check(result, p, lambda _: adapter, lambda _: None)


def _allow(name: str, direction: str, port: str) -> dict[str, Any]:
    return {"name": name, "properties": {
        "protocol": "Tcp", "access": "Allow", "direction": direction, "priority": 150,
        "sourceAddressPrefix": "*", "sourcePortRange": "*",
        "destinationAddressPrefix": "*", "destinationPortRange": port}}  # fmt: skip


def _set(server: AzureServer, nsg_name: str, add: Any = None, drop: str = "") -> None:
    """Write the NSG as a console user does: all its rules, one added or one taken out."""
    client = console(server)
    nsg = client.network_security_groups.get(RG, nsg_name).as_dict()
    rules = [{"name": r["name"], "properties": r["properties"]}
             for r in nsg["properties"]["securityRules"] if r["name"] != drop]  # fmt: skip
    body = {"location": nsg["location"], "properties": {"securityRules": rules + [add] * bool(add)}}
    client.network_security_groups.begin_create_or_update(
        RG, nsg_name, NetworkSecurityGroup(body)
    ).result()


@pytest.fixture
def sharing(server: AzureServer, seeded: SeedReport) -> AzureAdapter:
    target = Target("azure", SUB, "az-prod", None, RG)
    adapter = make_azure_adapter(
        target, policy="acme", sandbox=sandbox_of(server), tuning=FAST, existing_nsgs="share"
    )
    first = _plan(_spokes(), adapter)
    assert first.plan is not None, first.diagnostics
    assert first.plan.has_changes
    assert apply_plan(first.plan, lambda _: adapter).ok
    return adapter


def test_a_hand_made_rule_above_eastwests_deny_is_named_and_removing_it_clears_it(
    server: AzureServer, sharing: AzureAdapter
) -> None:
    assert MATCH in render_plan(_must_plan(_spokes(), sharing))
    _set(server, "nsg-db", _allow("dba-pg-any", "Inbound", "5432"))
    assert MATCH in render_plan(_must_plan(_spokes(), sharing))  # web's NSG still denies it
    _set(server, "nsg-web", _allow("allow-any-out", "Outbound", "*"))
    plan = _must_plan(_spokes(), sharing)
    text = render_plan(plan)
    assert not plan.has_changes  # neither rule is eastwest's: nothing it may change
    assert "match the policy" not in text
    assert "No changes eastwest can make, but 1 flow(s) are not as the policy says:" in text
    [finding] = plan.access.findings
    assert (finding.source, finding.destination, finding.finding) == (
        "web",
        "db",
        "open beyond policy",
    )
    assert "opened by nsg-db rule dba-pg-any: allows tcp/5432 from 0.0.0.0/0" in finding.problem
    _set(server, "nsg-db", drop="dba-pg-any")
    assert MATCH in render_plan(_must_plan(_spokes(), sharing))


def _must_plan(p: Policy, adapter: AzureAdapter) -> Plan:
    result = _plan(p, adapter)
    assert result.plan is not None, result.diagnostics
    assert not result.failed, result.diagnostics
    assert result.plan.access.ran
    return result.plan


def test_a_member_vnet_without_nics_is_judged_on_its_subnets_nsgs(
    server: AzureServer, sharing: AzureAdapter
) -> None:
    client = console(server)
    for nic in ("nic-vm-db-1", "nic-vm-db-2"):  # vnet-db keeps no workload
        client.network_interfaces.begin_delete(RG, nic).result()
    assert MATCH in render_plan(_must_plan(_spokes(), sharing))
    _set(server, "nsg-db", _allow("dba-pg-any", "Inbound", "5432"))
    _set(server, "nsg-web", _allow("allow-any-out", "Outbound", "*"))
    [finding] = _must_plan(_spokes(), sharing).access.findings
    assert (finding.source, finding.destination) == ("web", "db")
    assert "opened by nsg-db rule dba-pg-any" in finding.problem
    assert "vnet-db/snet-db (no interface)" in finding.example  # snet-db's first host
