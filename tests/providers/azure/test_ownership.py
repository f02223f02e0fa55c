"""Ownership by all of its marks, on the fake ARM: an NSG or a route table on the name eastwest
would give its own, with only some of eastwest's marks (its key tag, or another policy's marks),
is foreign: never adopted or rewritten, a conflict for that resource alone, and the rest of the
plan applies and converges. Read back through the Azure SDK."""

from __future__ import annotations

from typing import Any

import pytest

from moto_fixtures.azure import AzureServer, SeedReport
from orchestrator.apply import apply_plan
from orchestrator.model.policy import Policy
from orchestrator.pipeline import PlanResult, plan_policy
from orchestrator.plan import Plan
from orchestrator.state import FirewallGroup, NetworkRoute, Scope
from orchestrator.state.routes import route_owner
from providers.azure import translate as tr
from providers.azure.adapter import AzureAdapter
from providers.azure.conflicts import tags_lost
from tests.providers.azure.conftest import RG, SUB, adapter_for, console, member, policy

POLICY: Policy = policy(
    "acme",
    [
        {"name": "app", "members": [member("vnet-app", "snet-app-2")]},
        {"name": "db", "members": [member("vnet-db", "snet-db-2")]},
    ],
    [{"name": "app-to-db", "from": "app", "to": "db", "ports": ["tcp/5432"]}],
)


def _plan(adapter: AzureAdapter) -> PlanResult:
    result = plan_policy(POLICY, lambda _: adapter, lambda _: None)
    assert result.plan is not None, result.diagnostics
    return result


def _tags(case: str, key: str) -> dict[str, str]:
    if case == "key-only":
        return {tr.TAG_KEY: key}
    return {tr.TAG_MANAGED: "true", tr.TAG_POLICY: "other", tr.TAG_KEY: key}


def _planted(server: AzureServer, case: str) -> tuple[AzureAdapter, Plan, FirewallGroup, str, Any]:
    """A plan made on a clean cloud, then an NSG planted on the name of its first group: the
    adapter, the plan, that group, the NSG's name and the NSG as ARM answers it."""
    client = console(server)
    adapter = adapter_for(server, "acme")
    plan = _plan(adapter).plan
    assert plan is not None
    wanted = min(
        (c.resource for c in plan.changes if isinstance(c.resource, FirewallGroup)),
        key=lambda g: g.key,
    )
    name = tr.nsg_name(wanted)
    body: Any = {"location": "eastus", "tags": _tags(case, wanted.key), "properties": {}}
    client.network_security_groups.begin_create_or_update(RG, name, body).result()
    return adapter, plan, wanted, name, client.network_security_groups.get(RG, name).as_dict()


@pytest.mark.parametrize("case", ["key-only", "other-policy"])
def test_an_nsg_with_some_of_the_marks_is_foreign_and_the_rest_converges(
    server: AzureServer, seeded: SeedReport, case: str
) -> None:
    adapter, _, wanted, name, before = _planted(server, case)

    result = _plan(adapter)
    assert result.plan is not None
    assert not [c.key for c in result.plan.changes if wanted.key in c.key]
    assert any(name in d.summary and "not eastwest's" in d.summary for d in result.diagnostics)
    report = apply_plan(result.plan, lambda _: adapter)
    assert report.ok, [r.message for _, r in report.results if not r.ok]

    assert report.results  # the other group was made
    assert console(server).network_security_groups.get(RG, name).as_dict() == before
    again = _plan(adapter)
    assert again.plan is not None
    assert not again.plan.has_changes, [c.key for c in again.plan.changes]


@pytest.mark.parametrize("case", ["key-only", "other-policy"])
def test_an_nsg_planted_after_the_plan_is_not_adopted_at_apply(
    server: AzureServer, seeded: SeedReport, case: str
) -> None:
    adapter, plan, wanted, name, before = _planted(server, case)

    report = apply_plan(plan, lambda _: adapter)

    failed = {c.key: r.message for c, r in report.results if not r.ok}
    assert list(failed) == [wanted.key]
    assert "not eastwest's" in failed[wanted.key]
    assert console(server).network_security_groups.get(RG, name).as_dict() == before


ROUTED: Policy = Policy.model_validate(
    {
        "version": 1,
        "name": "acme",
        "accounts": [{"name": "az-prod", "cloud": "azure", "subscription_id": SUB,
                      "resource_group": RG, "regions": ["eastus"]}],
        "hubs": [{"name": "hub", "account": "az-prod", "region": "eastus", "transit": "vnet-hub",
                  "inspection": {"vpc": "vnet-hub",
                                 "firewalls": [{"zone": "1", "next_hop": "10.0.1.10"}]}}],
        "segments": [{"name": s, "members": [member(f"vnet-{s}")]} for s in ("web", "app", "db")],
        "rules": [
            {"name": "web-to-app", "from": "web", "to": "app", "ports": ["tcp/443"],
             "inspect": True},
            {"name": "app-to-db", "from": "app", "to": "db", "ports": ["tcp/5432"]},
        ],
    }
)  # fmt: skip


@pytest.mark.parametrize("case", ["key-only", "other-policy"])
def test_a_route_table_with_some_of_the_marks_is_foreign_and_the_rest_converges(
    server: AzureServer, seeded: SeedReport, case: str
) -> None:
    client = console(server)
    for segment in ("web", "app", "db"):  # whole VNets as members: the users' NSGs go
        subnet: Any = client.subnets.get(RG, f"vnet-{segment}", f"snet-{segment}").as_dict()
        subnet["properties"].pop("networkSecurityGroup")
        client.subnets.begin_create_or_update(
            RG, f"vnet-{segment}", f"snet-{segment}", subnet
        ).result()
    adapter = adapter_for(server, "acme")
    first = plan_policy(ROUTED, lambda _: adapter, lambda _: None).plan
    assert first is not None
    tables = [c.resource.table for c in first.changes if isinstance(c.resource, NetworkRoute)]
    table = min(t for t in tables if t.startswith("eastwest-acme-"))
    scope = Scope("azure", SUB, "eastus")
    body: Any = {"location": "eastus", "tags": _tags(case, route_owner(scope, table))}
    client.route_tables.begin_create_or_update(RG, table, body).result()
    before = client.route_tables.get(RG, table).as_dict()

    result = plan_policy(ROUTED, lambda _: adapter, lambda _: None)
    assert result.plan is not None
    tables = [c.resource.table for c in result.plan.changes if isinstance(c.resource, NetworkRoute)]
    assert tables  # the other tables still get their routes
    assert table not in tables
    assert any(table in d.summary and "not eastwest's" in d.summary for d in result.diagnostics)
    report = apply_plan(result.plan, lambda _: adapter)
    assert report.ok, [r.message for _, r in report.results if not r.ok]

    assert client.route_tables.get(RG, table).as_dict() == before
    again = plan_policy(ROUTED, lambda _: adapter, lambda _: None).plan
    assert again is not None
    assert not again.has_changes, [c.key for c in again.changes]


def test_an_owned_nsg_whose_tags_were_lost_is_adopted_again_by_its_name_marks(
    server: AzureServer, seeded: SeedReport
) -> None:
    client = console(server)
    adapter = adapter_for(server, "acme")
    first = _plan(adapter).plan
    assert first is not None
    assert apply_plan(first, lambda _: adapter).ok
    name = "eastwest-acme-app-vnet-app"
    client.network_security_groups.update_tags(RG, name, {"tags": {}})

    result = _plan(adapter)
    assert result.plan is not None
    assert result.plan.has_changes  # not "No changes": the NSG is eastwest's, by its name marks
    report = apply_plan(result.plan, lambda _: adapter)
    assert report.ok, [r.message for _, r in report.results if not r.ok]

    nsg = client.network_security_groups.get(RG, name).as_dict()
    assert nsg["tags"]["eastwest:policy"] == "acme"
    assert [s["id"].rsplit("/", 1)[1] for s in nsg["properties"]["subnets"]] == ["snet-app-2"]
    names = [str(n.name) for n in client.network_security_groups.list(RG)]
    assert [n for n in names if n.startswith("eastwest")] == [name, "eastwest-acme-db-vnet-db"]
    again = _plan(adapter)
    assert again.plan is not None
    assert not again.plan.has_changes, [c.key for c in again.plan.changes]


_GROUP = FirewallGroup(
    key="azure/s/eastus/fwgroup/app@vnet-app",
    scope=Scope("azure", "s", "eastus"),
    segment="app",
    network="vnet-app",
    name="eastwest-acme-app",
    description="",
)
_SUBNET = (
    "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks/{}/subnets/a"
)
_LOST: dict[str, Any] = {
    "name": "eastwest-acme-app-vnet-app",
    "properties": {
        "securityRules": [{"name": n} for n in tr.DENY_NAMES.values()],
        "subnets": [{"id": _SUBNET.format("vnet-app")}],
    },
}


@pytest.mark.parametrize(
    ("nsg", "lost"),
    [
        (_LOST, True),
        ({**_LOST, "tags": {tr.TAG_KEY: _GROUP.key}}, False),
        ({**_LOST, "tags": {tr.TAG_POLICY: "acme"}}, False),
        ({**_LOST, "name": "eastwest-acme-db-vnet-app"}, False),
        ({**_LOST, "properties": {**_LOST["properties"], "securityRules": []}}, False),
        ({**_LOST, "properties": {**_LOST["properties"], "subnets": []}}, False),
        ({**_LOST, "properties": {**_LOST["properties"],
                                  "subnets": [{"id": _SUBNET.format("vnet-db")}]}}, False),
    ],
    ids=["all-name-marks", "some-tag", "policy-tag", "other-name", "no-deny-rules",
         "on-no-subnet", "other-vnet"],
)  # fmt: skip
def test_only_an_nsg_with_every_name_mark_and_no_tag_at_all_lost_its_tags(
    nsg: dict[str, Any], lost: bool
) -> None:
    assert tags_lost(nsg, _GROUP) is lost
