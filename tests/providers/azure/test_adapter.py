"""The Azure adapter end to end against the fake ARM, with a fifth of calls answered 429."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from azure.mgmt.network.models import SecurityRule, Subnet

from moto_fixtures.azure import AzureServer, SeedReport
from orchestrator.apply import apply_plan
from orchestrator.diagnostics import Severity, has_errors
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
REGION = "eastus"
CIDRS = ("web", "app", "db")


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
    """The plan; its only errors may be conflicts (members eastwest cannot guard), which the
    tests about them look at through ``_errors``."""
    result = plan_policy(p, lambda _: adapter, lambda _: None)
    assert result.plan is not None, result.diagnostics
    others = [d for d in result.diagnostics if d not in result.plan.conflicts]
    assert not has_errors(others), result.diagnostics
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
        Subnet({"properties": {"addressPrefix": "10.2.2.0/24",
                               "routeTable": {"id": seeded.route_tables["rt-app"]}}}),
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
    client.security_rules.begin_create_or_update(
        RG, APP_NSG, "allow-ssh", SecurityRule(rogue)
    ).result()
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
        RG, APP_NSG, "eastwest-in-app-any", SecurityRule(edited)
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
        RG, APP_NSG, "eastwest-in-onprem-tcp-443", SecurityRule(edited)
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


def _by_tags(*segments: str) -> Policy:
    """Whole spoke VNets by tag: snet-<segment> (nsg-<segment>) and snet-<segment>-2 (free)."""
    members = {
        s: {"account": "az-prod", "region": REGION, "tags": {"segment": s}} for s in segments
    }
    rule = {"name": "web-to-app", "from": "web", "to": "app", "ports": ["tcp/8080"]}
    both = {"web", "app"} <= set(segments)
    return policy("acme", [{"name": s, "members": [members[s]]} for s in segments],
                  [rule] if both else [])  # fmt: skip


def _errors(p: Policy, adapter: AzureAdapter) -> list[str]:
    """Fail closed: a member subnet eastwest cannot guard is an error, never a warning."""
    result = plan_policy(p, lambda _: adapter, lambda _: None)
    assert result.failed
    return [d.summary for d in result.diagnostics if d.severity is Severity.ERROR]


def test_a_member_subnet_with_someone_elses_nsg_is_a_conflict_found_at_plan_time(
    server: AzureServer, seeded: SeedReport
) -> None:
    client = console(server)
    before = unowned_snapshot(client)
    subnets_before = [client.subnets.get(RG, f"vnet-{s}", f"snet-{s}").as_dict() for s in CIDRS]
    adapter = adapter_for(server, "acme")
    p = _by_tags("web", "app", "db")
    for attempt in ("first plan", "after apply"):
        plan = _plan(p, adapter)
        assert not plan.has_changes, (attempt, [c.key for c in plan.changes])  # nothing doomed
        warnings = _errors(p, adapter)
        assert len(warnings) == len(CIDRS), (attempt, warnings)  # one per occupant
        for segment in CIDRS:
            assert any(
                f"the NSG nsg-{segment} on member subnet vnet-{segment}/snet-{segment} is not "
                "eastwest's; "
                in w
                and w.endswith(" more left out")
                for w in warnings
            ), (attempt, warnings)
        assert any("fwgroup/web@vnet-web and 3 more left out" in w for w in warnings)
        report = apply_plan(plan, lambda _: adapter)
        assert report.ok, [r.message for _, r in report.results if not r.ok]
    assert not [
        n for n in client.network_security_groups.list(RG) if str(n.name).startswith("eastwest")
    ]
    assert unowned_snapshot(client) == before
    assert [client.subnets.get(RG, f"vnet-{s}", f"snet-{s}").as_dict() for s in CIDRS] == (
        subnets_before
    )


def test_a_conflict_on_an_existing_group_is_no_phantom_update(
    server: AzureServer, seeded: SeedReport
) -> None:
    """A group applied while snet-web was free, then nsg-web put back on it by hand: the
    group still guards snet-web-2, and the plan converges instead of showing it as changed
    (with no attribute differing) forever."""
    client = console(server)
    subnet = client.subnets.get(RG, "vnet-web", "snet-web").as_dict()
    theirs = subnet["properties"].pop("networkSecurityGroup")
    client.subnets.begin_create_or_update(RG, "vnet-web", "snet-web", Subnet(subnet)).result()
    adapter = adapter_for(server, "acme")
    p = _by_tags("web")
    _apply(p, adapter)
    subnet = client.subnets.get(RG, "vnet-web", "snet-web").as_dict()
    subnet["properties"]["networkSecurityGroup"] = theirs
    client.subnets.begin_create_or_update(RG, "vnet-web", "snet-web", Subnet(subnet)).result()

    assert not _plan(p, adapter).has_changes
    [said] = _errors(p, adapter)
    assert said.endswith(
        "the NSG nsg-web on member subnet vnet-web/snet-web is not eastwest's; "
        "fwgroup/web@vnet-web kept as it is, without it"
    ), said

    # A repairable problem beside it is still shown and repaired; apply names the held subnet.
    free = client.subnets.get(RG, "vnet-web", "snet-web-2").as_dict()
    free["properties"].pop("networkSecurityGroup")
    client.subnets.begin_create_or_update(RG, "vnet-web", "snet-web-2", Subnet(free)).result()
    plan = _plan(p, adapter)
    [change] = plan.changes
    assert change.action is Action.UPDATE
    assert "[subnet snet-web-2 is not associated]" in getattr(change.before, "description", "")
    report = apply_plan(plan, lambda _: adapter)
    assert "snet-web (NSG nsg-web)" in " ".join(r.message for _, r in report.results)
    nsg = client.subnets.get(RG, "vnet-web", "snet-web-2").as_dict()["properties"]
    assert nsg["networkSecurityGroup"]["id"].endswith("/eastwest-acme-web-vnet-web")
    held = client.subnets.get(RG, "vnet-web", "snet-web").as_dict()["properties"]
    assert held["networkSecurityGroup"] == theirs
    assert not _plan(p, adapter).has_changes


def test_two_policies_never_touch_each_other(server: AzureServer, seeded: SeedReport) -> None:
    _apply(_policy(), adapter_for(server, "acme"))
    mine = dict(_rules(server).items())
    other = policy("other", [{"name": "web", "members": [member("vnet-web", "snet-web-2")]}], [])
    _apply(other, adapter_for(server, "other"))
    assert _rules(server) == mine
    assert not _plan(_policy(), adapter_for(server, "acme")).has_changes


def test_production_credentials_come_from_the_default_azure_credential_chain() -> None:
    from azure.identity import DefaultAzureCredential

    from providers.azure.session import default_credential

    # Made, not used: asking it for a token would try the machine's managed identity endpoint.
    assert isinstance(default_credential(), DefaultAzureCredential)


def test_without_azure_identity_the_error_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "azure.identity", None)  # as if not installed
    target = Target("azure", SUB, "az-prod", None, RG)
    adapter = make_azure_adapter(target, policy="acme", sandbox=None)
    with pytest.raises(PermanentError, match="pip install azure-identity"):
        adapter.check_identity("eastus")


def test_a_target_without_resource_group_is_refused() -> None:
    sandbox = {"azure": {"endpoint_url": "https://127.0.0.1:1", "ca_bundle": ""}}
    adapter = make_azure_adapter(Target("azure", SUB, "az"), policy="acme", sandbox=sandbox)
    with pytest.raises(PermanentError, match="resource_group"):
        adapter.check_identity("eastus")
