"""Effective access at the workload on the Azure fake, through the adapter's ``access`` read and
the evaluator ``eastwest paths`` runs. The seeded NIC-level NSG ``nsg-vm-db-2`` lets PostgreSQL
in from anywhere at priority 100: web → db is opened beyond a policy that allows only app → db,
and the finding names that NSG and rule. A deny at 4000 (where a policy's deny sits) does not
help while the allow is above it; moved below the deny, the allow no longer opens web → db and
the deny is named as what blocks the allowed app → db. Taking the NSG off the NIC clears the
finding that names it."""

from __future__ import annotations

from typing import Any

import pytest
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.network.models import NetworkInterface, NetworkSecurityGroup

from moto_fixtures.azure import AzureServer, SeedReport
from moto_fixtures.azure.seed_workloads import LEGACY_ASG, PERMISSIVE_NIC, PERMISSIVE_NSG
from orchestrator.compile.membership import resolve_membership
from orchestrator.model.policy import Policy
from orchestrator.paths.access import check_access
from orchestrator.paths.check import Finding, Member, Violation
from orchestrator.paths.command import expectations, policy_probes
from orchestrator.state import Scope
from tests.providers.azure.conftest import RG, SUB, adapter_for, console, member, policy

SCOPE = Scope("azure", SUB, "eastus")
POLICY = policy(
    "az-access",
    [{"name": s, "members": [member(f"vnet-{s}", f"snet-{s}-2")]} for s in ("web", "app", "db")],
    [{"name": "app-db", "from": "app", "to": "db", "ports": ["tcp/5432"]}],
)


def _found(server: AzureServer, p: Policy = POLICY) -> list[Violation]:
    adapter = adapter_for(server, p.name)
    membership = resolve_membership(p, {SCOPE: adapter.inventory(SCOPE.region)})
    members = [Member(m.segment, m.network, m.cidrs) for m in membership.placements]
    probes, allowed = policy_probes(p)
    found = check_access(adapter.access(SCOPE), members, probes, allowed, expectations(p))
    return [v for vs in found.values() for v in vs]


def _rule(name: str, access: str, priority: int) -> dict[str, Any]:
    return {"name": name, "properties": {
        "protocol": "Tcp", "access": access, "direction": "Inbound", "priority": priority,
        "sourceAddressPrefix": "*", "sourcePortRange": "*",
        "destinationAddressPrefix": "*", "destinationPortRange": "5432"}}  # fmt: skip


def _set_rules(client: NetworkManagementClient, *rules: dict[str, Any]) -> None:
    nsg = client.network_security_groups.get(RG, PERMISSIVE_NSG).as_dict()
    body = {"location": nsg["location"], "properties": {"securityRules": list(rules)}}
    client.network_security_groups.begin_create_or_update(
        RG, PERMISSIVE_NSG, NetworkSecurityGroup(body)
    ).result()


def test_the_hand_made_nic_nsg_is_named_above_a_deny_and_removing_it_clears_it(
    server: AzureServer, seeded: SeedReport
) -> None:
    opened = [v for v in _found(server) if PERMISSIVE_NSG in v.problem]
    assert {(v.source, v.destination, v.finding) for v in opened} == {("web", "db", Finding.OPEN)}
    assert f"{PERMISSIVE_NSG} rule allow-pg-from-anywhere: allows tcp/5432" in opened[0].problem
    client = console(server)
    allow = _rule("allow-pg-from-anywhere", "Allow", 100)
    _set_rules(client, allow, _rule("deny-pg", "Deny", 4000))
    opened = [v for v in _found(server) if PERMISSIVE_NSG in v.problem]
    assert {v.finding for v in opened} == {Finding.OPEN}  # the allow is above the deny
    _set_rules(
        client, _rule("allow-pg-from-anywhere", "Allow", 4001), _rule("deny-pg", "Deny", 4000)
    )
    found = [v for v in _found(server) if PERMISSIVE_NSG in v.problem]
    assert {(v.source, v.destination, v.finding) for v in found} == {
        ("app", "db", Finding.BLOCKED)
    }, found
    assert f"{PERMISSIVE_NSG} rule deny-pg: denies tcp/5432" in found[0].problem
    nic = client.network_interfaces.get(RG, PERMISSIVE_NIC).as_dict()
    nic["properties"].pop("networkSecurityGroup")
    client.network_interfaces.begin_create_or_update(
        RG, PERMISSIVE_NIC, NetworkInterface(nic)
    ).result()
    assert [v for v in _found(server) if PERMISSIVE_NSG in v.problem] == []


@pytest.mark.parametrize(
    ("side", "opened"),
    [("destination", {("web", "db")}), ("source", set())],
    ids=["to-the-asg-of-the-db-nic", "from-the-asg-of-the-db-nic"],
)
def test_a_rule_naming_an_asg_applies_to_the_asgs_member_nics_only(
    server: AzureServer, seeded: SeedReport, side: str, opened: set[tuple[str, str]]
) -> None:
    """The hand-made allow with ``asg-db-legacy`` (whose only member is the db NIC) in place
    of ``*``: as its destination it still opens web → db (the NIC is a member); as its source it
    opens nothing from web (no web NIC is). (The NIC NSG's default ``AllowVnetInBound`` may
    still open it: that finding names another rule.)"""
    rule = _rule("allow-pg-from-anywhere", "Allow", 100)
    rule["properties"].pop(f"{side}AddressPrefix")
    rule["properties"][f"{side}ApplicationSecurityGroups"] = [{"id": seeded.asgs[LEGACY_ASG]}]
    _set_rules(console(server), rule)
    named = f"{PERMISSIVE_NSG} rule allow-pg-from-anywhere"
    found = [v for v in _found(server) if named in v.problem]
    assert {(v.source, v.destination) for v in found} == opened, [v.problem for v in found]
