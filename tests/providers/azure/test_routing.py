"""Hub-spoke routing (UDRs to the hub's appliance) end to end against the fake ARM, with a
fifth of calls answered 429.

The landing zone (moto_fixtures/azure/seed.py): vnet-hub with the NVA subnet (load balancer
frontend 10.0.1.10), spokes vnet-web/app/db peered with it, each spoke subnet with the user's
route table rt-<segment> holding 0.0.0.0/0 → 10.0.1.10 (forced tunnelling), plus a second subnet
per spoke without NSG or route table (seeded). The policy: web → app inspected, app → db direct,
web ↔ db denied. Everything is read back through azure-mgmt-network, as a console user would.
"""

from __future__ import annotations

from typing import Any

import pytest
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.network.models import Route, Subnet

from moto_fixtures.azure import AzureServer, SeedReport
from orchestrator.apply import apply_plan
from orchestrator.compile.membership import resolve_membership
from orchestrator.model.policy import Policy
from orchestrator.paths.check import Member, ScopeReport, check_scope
from orchestrator.paths.command import expectations, firewalls
from orchestrator.pipeline import plan_policy
from orchestrator.plan import Plan
from orchestrator.state import Action, NetworkRoute, Scope
from providers.azure.adapter import AzureAdapter
from tests.providers.azure.conftest import RG, SUB, THROTTLED, adapter_for, console, member

REGION = "eastus"
SCOPE = Scope("azure", SUB, REGION)
NVA = "10.0.1.10"
CIDRS = {"web": "10.1.0.0/16", "app": "10.2.0.0/16", "db": "10.3.0.0/16"}


def _policy(
    rules: list[dict[str, Any]] | None = None,
    firewalls_: list[dict[str, Any]] | None = None,
    *,
    hubbed: bool = True,
) -> Policy:
    account = {"name": "az-prod", "cloud": "azure", "subscription_id": SUB,
               "resource_group": RG, "regions": [REGION]}  # fmt: skip
    hub = {"name": "hub", "account": "az-prod", "region": REGION, "transit": "vnet-hub",
           "inspection": {"vpc": "vnet-hub",
                          "firewalls": firewalls_ or [{"zone": "1", "next_hop": NVA}]}}  # fmt: skip
    default = [
        {"name": "web-to-app", "from": "web", "to": "app", "ports": ["tcp/443"], "inspect": True},
        {"name": "app-to-db", "from": "app", "to": "db", "ports": ["tcp/5432"]},
    ]
    return Policy.model_validate(
        {
            "version": 1,
            "name": "acme",
            "accounts": [account],
            "hubs": [hub] if hubbed else [],
            "segments": [{"name": s, "members": [member(f"vnet-{s}")]} for s in CIDRS],
            "rules": default if rules is None else rules,
        }
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


def _paths(p: Policy, adapter: AzureAdapter) -> ScopeReport:
    """What ``eastwest paths`` checks for the scope, through the adapter's routing reader."""
    membership = resolve_membership(p, {SCOPE: adapter.inventory(REGION)})
    members = [
        Member(pl.segment, pl.network, pl.cidrs)
        for pl in membership.placements
        if pl.scope == SCOPE
    ]
    return check_scope(adapter.routing(SCOPE), members, expectations(p), firewalls(p, SCOPE))


def _violations(report: ScopeReport) -> list[str]:
    return [
        f"{v.source}→{v.destination}: {v.problem} via {' → '.join(v.tables)}"
        for pair in report.pairs
        for v in pair.violations
    ]


def _routes(client: NetworkManagementClient, table: str) -> dict[str, dict[str, Any]]:
    body = client.route_tables.get(RG, table).as_dict()
    return {
        r["name"]: {k: v for k, v in r["properties"].items() if k != "provisioningState"}
        for r in body["properties"].get("routes") or ()
    }


def _unowned(client: NetworkManagementClient) -> dict[str, Any]:
    """Every route not named by eastwest, per table, and every table eastwest did not create,
    as ARM answers them (content, not etags: a table PUT rewrites its routes byte for byte)."""
    found: dict[str, Any] = {}
    for table in client.route_tables.list(RG):
        body = table.as_dict()
        if (body.get("tags") or {}).get("eastwest:managed") == "true":
            continue
        tags = {k: v for k, v in (body.get("tags") or {}).items() if not k.startswith("eastwest:")}
        routes = {n: r for n, r in _routes(client, body["name"]).items()
                  if not n.startswith("eastwest-")}  # fmt: skip
        found[body["name"]] = {"tags": tags, "routes": routes,
                               "subnets": body["properties"].get("subnets")}  # fmt: skip
    return found


def _route_changes(plan: Plan) -> list[tuple[Action, str, bool]]:
    return sorted(
        (c.action, c.key.removeprefix(f"{SCOPE}/rtb/"), c.drift)
        for c in plan.changes
        if isinstance(c.resource, NetworkRoute)
    )


@pytest.fixture
def routed(server: AzureServer, seeded: SeedReport) -> SeedReport:
    """The landing zone with the user's NSGs taken off the spoke subnets, so whole VNets can be
    members (a subnet with someone else's NSG is an NSG conflict: test_adapter.py)."""
    client = console(server)
    for segment in CIDRS:
        subnet = client.subnets.get(RG, f"vnet-{segment}", f"snet-{segment}").as_dict()
        subnet["properties"].pop("networkSecurityGroup")
        client.subnets.begin_create_or_update(
            RG, f"vnet-{segment}", f"snet-{segment}", Subnet(subnet)
        ).result()
    server.control.clear()
    return seeded


@pytest.fixture
def applied(server: AzureServer, routed: SeedReport) -> AzureAdapter:
    server.control.set_faults(THROTTLED)
    adapter = adapter_for(server, "acme")
    _apply(_policy(), adapter)
    return adapter


def test_apply_then_an_empty_plan_and_a_passing_path_check(
    server: AzureServer, routed: SeedReport
) -> None:
    client = console(server)
    adapter = adapter_for(server, "acme")
    before = _unowned(client)
    # Forced tunnelling sends every pair, web ↔ db included, through the appliance.
    assert any("web→db" in v for v in _violations(_paths(_policy(), adapter)))
    server.control.set_faults(THROTTLED)
    _apply(_policy(), adapter)
    assert not _plan(_policy(), adapter).has_changes
    assert _violations(_paths(_policy(), adapter)) == []
    assert _unowned(client) == before
    assert any(c["status"] == 429 for c in server.control.calls())

    web = _routes(client, "rt-web")
    assert web["eastwest-acme-10.2.0.0_16"] == {
        "addressPrefix": "10.2.0.0/16", "nextHopType": "VirtualAppliance",
        "nextHopIpAddress": NVA, "hasBgpOverride": False,
    }  # fmt: skip
    assert web["eastwest-acme-10.3.0.0_16"]["nextHopType"] == "None"  # denied: dropped
    owned = client.route_tables.get(RG, "eastwest-acme-web-vnet-web").as_dict()
    assert owned["tags"]["eastwest:managed"] == "true"
    assert [s["id"].rsplit("/", 1)[1] for s in owned["properties"]["subnets"]] == ["snet-web-2"]
    assert set(_routes(client, "eastwest-acme-web-vnet-web")) == set(web) - {"default-via-nva"}


def test_every_pair_is_judged_as_the_policy_says(applied: AzureAdapter) -> None:
    report = _paths(_policy(), applied)
    judged = {(p.source, p.destination): (p.expected.value, p.walks > 0) for p in report.pairs}
    assert judged == {
        ("web", "app"): ("inspected", True), ("app", "web"): ("inspected", True),
        ("app", "db"): ("direct", True), ("db", "app"): ("direct", True),
        ("web", "db"): ("denied", True), ("db", "web"): ("denied", True),
    }  # fmt: skip
    assert report.ok


def test_a_deleted_route_and_a_changed_next_hop_are_drift_and_restored(
    server: AzureServer, applied: AzureAdapter
) -> None:
    client = console(server)
    client.routes.begin_delete(RG, "rt-web", "eastwest-acme-10.2.0.0_16").result()
    edited = {"addressPrefix": "10.1.0.0/16", "nextHopType": "VirtualAppliance",
              "nextHopIpAddress": "10.0.1.4"}  # fmt: skip
    client.routes.begin_create_or_update(
        RG, "rt-app", "eastwest-acme-10.1.0.0_16", Route({"properties": edited})
    ).result()
    assert _violations(_paths(_policy(), applied))  # web → app has no way now

    plan = _plan(_policy(), applied)
    assert _route_changes(plan) == [
        (Action.CREATE, "rt-web/10.2.0.0_16", True),
        (Action.UPDATE, "rt-app/10.1.0.0_16", True),
    ]
    _apply(_policy(), applied)
    assert not _plan(_policy(), applied).has_changes
    assert _routes(client, "rt-app")["eastwest-acme-10.1.0.0_16"]["nextHopIpAddress"] == NVA
    assert _violations(_paths(_policy(), applied)) == []


def test_a_subnet_that_lost_eastwests_table_gets_it_back(
    server: AzureServer, applied: AzureAdapter
) -> None:
    client = console(server)
    subnet = client.subnets.get(RG, "vnet-db", "snet-db-2").as_dict()
    subnet["properties"].pop("routeTable")
    client.subnets.begin_create_or_update(RG, "vnet-db", "snet-db-2", Subnet(subnet)).result()
    plan = _plan(_policy(), applied)
    assert {c.action for c in plan.changes} == {Action.UPDATE}
    assert {c.key.split("/rtb/")[1].split("/")[0] for c in plan.changes} == {
        "eastwest-acme-db-vnet-db"
    }
    _apply(_policy(), applied)
    table = client.subnets.get(RG, "vnet-db", "snet-db-2").as_dict()["properties"]["routeTable"]
    assert table["id"].endswith("/routeTables/eastwest-acme-db-vnet-db")
    assert not _plan(_policy(), applied).has_changes


def test_an_unowned_route_on_a_wanted_destination_is_a_conflict_left_alone(
    server: AzureServer, routed: SeedReport
) -> None:
    client = console(server)
    theirs = {"addressPrefix": "10.2.0.0/16", "nextHopType": "Internet"}
    client.routes.begin_create_or_update(
        RG, "rt-db", "to-app", Route({"properties": theirs})
    ).result()
    adapter = adapter_for(server, "acme")
    result = plan_policy(_policy(), lambda _: adapter, lambda _: None)
    assert result.plan is not None
    assert any("to-app" in d.summary for d in result.diagnostics)
    assert "rt-db/10.2.0.0_16" not in {k for _, k, _ in _route_changes(result.plan)}
    before = _unowned(client)
    _apply(_policy(), adapter)
    assert _unowned(client) == before
    assert "eastwest-acme-10.2.0.0_16" not in _routes(client, "rt-db")
    assert any("db→app" in v for v in _violations(_paths(_policy(), adapter)))


@pytest.mark.parametrize(
    ("rule", "inspect"),
    [("app-to-db", True), ("web-to-app", False)],
    ids=["direct-to-inspected", "inspected-to-direct"],
)
def test_switching_inspection_changes_no_route(
    applied: AzureAdapter, rule: str, inspect: bool
) -> None:
    """In hub-spoke the appliance is the only way between spokes, so both kinds of pair take it:
    switching changes the check's expectation only."""
    p = _policy()
    rules = [
        {**r.model_dump(by_alias=True, exclude_none=True), "inspect": inspect}
        if r.name == rule
        else r.model_dump(by_alias=True, exclude_none=True)
        for r in p.rules
    ]
    switched = _policy(rules)
    assert not _plan(switched, applied).has_changes
    assert _violations(_paths(switched, applied)) == []


def test_dropping_a_rule_touches_only_that_pairs_routes(
    server: AzureServer, applied: AzureAdapter
) -> None:
    only_web_app = [
        {"name": "web-to-app", "from": "web", "to": "app", "ports": ["tcp/443"], "inspect": True}
    ]
    plan = _plan(_policy(only_web_app), applied)
    routes = _route_changes(plan)
    assert {(a, k.rsplit("/", 1)[1]) for a, k, _ in routes} == {
        (Action.UPDATE, "10.3.0.0_16"),  # app's tables: db is dropped now
        (Action.UPDATE, "10.2.0.0_16"),  # db's tables: app is dropped now
    }
    assert {k.split("/")[0] for _, k, _ in routes} == {
        "rt-app", "eastwest-acme-app-vnet-app", "rt-db", "eastwest-acme-db-vnet-db"
    }  # fmt: skip
    _apply(_policy(only_web_app), applied)
    assert _routes(console(server), "rt-app")["eastwest-acme-10.3.0.0_16"]["nextHopType"] == "None"
    assert _violations(_paths(_policy(only_web_app), applied)) == []


def test_an_unhealthy_appliance_moves_every_route_to_the_healthy_one(
    applied: AzureAdapter,
) -> None:
    two: list[dict[str, Any]] = [{"zone": "1", "next_hop": "10.0.1.4", "healthy": False},
           {"zone": "2", "next_hop": "10.0.1.5"}]  # fmt: skip
    plan = _plan(_policy(firewalls_=two), applied)
    targets = {c.after.target for c in plan.changes if isinstance(c.after, NetworkRoute)}
    assert targets == {"10.0.1.5"}
    _apply(_policy(firewalls_=two), applied)
    assert _violations(_paths(_policy(firewalls_=two), applied)) == []


def test_dropping_the_hub_removes_every_route_and_eastwests_tables(
    server: AzureServer, routed: SeedReport
) -> None:
    client = console(server)
    before = _unowned(client)
    adapter = adapter_for(server, "acme")
    server.control.set_faults(THROTTLED)
    _apply(_policy(), adapter)
    plan = _plan(_policy(hubbed=False), adapter)
    assert {c.action for c in plan.changes} == {Action.DELETE}
    assert all(isinstance(c.resource, NetworkRoute) for c in plan.changes)
    _apply(_policy(hubbed=False), adapter)
    assert not _plan(_policy(hubbed=False), adapter).has_changes
    tables = {str(t.name): t.as_dict() for t in client.route_tables.list(RG)}
    assert sorted(tables) == ["rt-app", "rt-db", "rt-web"]  # eastwest's own are gone
    assert all("eastwest:routes-digest:acme" not in (t.get("tags") or {}) for t in tables.values())
    assert _unowned(client) == before
    subnet = client.subnets.get(RG, "vnet-web", "snet-web-2").as_dict()
    assert "routeTable" not in subnet["properties"]
