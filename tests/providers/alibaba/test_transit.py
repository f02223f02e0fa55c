"""Transit routing on Alibaba end to end: the seeded landing zone (a CEN transit router, six spokes
in two zones, a security VPC with a firewall ENI per zone), async CBN delays on and a fifth of all
calls throttled. A policy with a hub and an inspected rule: apply, then an empty plan; the path
check (the functions ``eastwest paths`` runs) passes; drift made through the SDK is detected,
marked as drift and restored; hand-made routes, groups and the system table's links are
unchanged; switching ``inspect`` touches only that pair and adds before it removes; every request
is documented in the API metadata."""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Any

import pytest

from moto_fixtures.alibaba import landing_zone as lz
from moto_fixtures.alibaba import metadata
from moto_fixtures.alibaba.seed import SeedReport
from moto_fixtures.alibaba.server import AlibabaServer
from orchestrator.apply import apply_plan
from orchestrator.compile.membership import resolve_membership
from orchestrator.model.loader import load_policy
from orchestrator.model.policy import Policy
from orchestrator.paths.check import Member, ScopeReport, check_scope
from orchestrator.paths.command import expectations, firewalls
from orchestrator.pipeline import plan_policy
from orchestrator.plan import Plan
from orchestrator.state import Action, NetworkRoute, Scope, Step
from providers.alibaba.adapter import AlibabaAdapter
from tests.providers.alibaba import cloud as c
from tests.providers.alibaba.conftest import Sent, adapter_for

POLICY = "ali-hub"
SCOPE = Scope("alibaba", c.ACCOUNT, c.REGION)
CBN = "2017-09-12"


def write_policy(
    tmp: Path, report: SeedReport, *, inspect_web_app: bool = False, down: str | None = None
) -> Policy:
    doc = {
        "version": 1,
        "name": POLICY,
        "accounts": [
            {
                "name": "ali-sandbox",
                "cloud": "alibaba",
                "account_id": c.ACCOUNT,
                "regions": [c.REGION],
            }
        ],
        "hubs": [
            {
                "name": "hz",
                "account": "ali-sandbox",
                "region": c.REGION,
                "transit": report.transit_router,
                "inspection": {
                    "vpc": report.vpcs["security"],
                    "firewalls": [
                        {
                            "zone": zone,
                            "next_hop": report.firewall_enis[lz.firewall_eni_name(zone)],
                            "healthy": zone != down,
                        }
                        for zone in lz.ZONES
                    ],
                },
            }
        ],
        "segments": [
            {
                "name": s,
                "members": [{"account": "ali-sandbox", "region": c.REGION, "tags": {"segment": s}}],
            }
            for s in ("web", "app", "db")
        ],
        "rules": [
            {
                "name": "web-to-app",
                "from": "web",
                "to": "app",
                "ports": ["tcp/8080"],
                "inspect": inspect_web_app,
            },
            {
                "name": "app-to-db",
                "from": "app",
                "to": "db",
                "ports": ["tcp/5432"],
                "inspect": True,
            },
        ],
    }
    path = tmp / "hub.yaml"
    path.write_text(json.dumps(doc))  # JSON is YAML
    return load_policy([path]).policy


@pytest.fixture
def hub(cloud: tuple[AlibabaServer, SeedReport], tmp_path: Path) -> Policy:
    return write_policy(tmp_path, cloud[1])


@pytest.fixture
def ali(server: AlibabaServer, sent: Sent, sleeps: list[float]) -> AlibabaAdapter:
    return adapter_for(server, POLICY, sent, sleeps)


def plan(adapter: AlibabaAdapter, policy: Policy) -> Plan:
    result = plan_policy(policy, lambda _: adapter, lambda _: None)
    assert result.plan is not None, result.diagnostics
    assert not [d for d in result.diagnostics if d.severity == "error"], result.diagnostics
    return result.plan


def apply(adapter: AlibabaAdapter, p: Plan) -> None:
    report = apply_plan(p, lambda _: adapter)
    assert report.ok, [r.message for _, r in report.results if not r.ok] + list(report.errors)


def paths(adapter: AlibabaAdapter, policy: Policy) -> ScopeReport:
    """What ``eastwest paths`` checks for the scope, through the same functions."""
    membership = resolve_membership(policy, {SCOPE: adapter.inventory(SCOPE.region)})
    members = [
        Member(p.segment, p.network, p.cidrs) for p in membership.placements if p.scope == SCOPE
    ]
    return check_scope(
        adapter.routing(SCOPE), members, expectations(policy), firewalls(policy, SCOPE)
    )


def unowned(server: AlibabaServer, report: SeedReport) -> str:
    """Hand-made groups (with rules), every entry of every VPC route table not named for
    eastwest, and the system table's associations and propagations, as JSON text."""
    out: dict[str, Any] = {"groups": c.unowned_snapshot(server)}
    for name, table_id in sorted(report.route_tables.items()):
        body = c.rpc(server, c.VPC, "DescribeRouteEntryList", RouteTableId=table_id)
        out[name] = [
            e
            for e in body["RouteEntrys"]["RouteEntry"]
            if e["RouteEntryName"] != f"eastwest:{POLICY}"
        ]
    for action, key in (
        ("ListTransitRouterRouteTableAssociations", "TransitRouterAssociations"),
        ("ListTransitRouterRouteTablePropagations", "TransitRouterPropagations"),
    ):
        body = c.rpc(server, CBN, action, TransitRouterRouteTableId=report.tr_system_route_table)
        out[action] = sorted(
            (r["TransitRouterAttachmentId"], r["Status"])
            for r in body[key]
            if action.endswith("Propagations")  # associations move to eastwest's tables
        )
    return json.dumps(out, sort_keys=True)


def test_apply_then_plan_is_empty_and_paths_hold(
    cloud: tuple[AlibabaServer, SeedReport],
    ali: AlibabaAdapter,
    hub: Policy,
    sent: Sent,
    sleeps: list[float],
) -> None:
    server, report = cloud
    before = unowned(server, report)
    assert not paths(ali, hub).ok  # the system table lets every spoke reach every other
    server.calls.clear()
    sent.clear()
    first = plan(ali, hub)
    kinds = {ch.resource.kind for ch in first.changes}
    assert {"hub_table", "hub_association", "hub_propagation", "hub_route", "network_route"} <= (
        kinds
    )
    # The spokes' attachments leave the system table (which eastwest does not own).
    moved = [ch for ch in first.changes if ch.resource.kind == "hub_association"]
    assert {ch.action for ch in moved} == {Action.UPDATE}
    apply(ali, first)
    assert not plan(ali, hub).has_changes
    checked = paths(ali, hub)
    assert checked.ok, checked
    by_pair = {(p.source, p.destination): p for p in checked.pairs}
    assert by_pair[("app", "db")].expected == "inspected"
    assert by_pair[("app", "db")].walks
    assert by_pair[("db", "app")].expected == "inspected"
    assert by_pair[("web", "db")].expected == "denied"
    assert sleeps, "no call was retried: is the fault injection on?"
    for version, action, params in sent:
        metadata.assert_conforms(version, action, params)
    # The hook saw exactly what the fake received (throttled attempts included).
    assert [a for _, a, _ in sent] == [call.action for call in server.calls.calls()]
    assert unowned(server, report) == before


def _firewall_targets(ali: AlibabaAdapter, report: SeedReport) -> dict[str, set[str]]:
    """Per zone, the firewall ENIs its transit vSwitch table sends inspected traffic to."""
    model = ali.routing(SCOPE)
    return {
        zone: {
            r.target
            for r in model.tables[report.route_tables[lz.security_tr_table(zone)]].routes
            if r.kind == "firewall"
        }
        for zone in lz.ZONES
    }


def test_every_inspected_pair_crosses_one_firewall_from_every_zone(
    ali: AlibabaAdapter, hub: Policy, cloud: tuple[AlibabaServer, SeedReport]
) -> None:
    _, report = cloud
    apply(ali, plan(ali, hub))
    targets = _firewall_targets(ali, report)
    # per_pair: both zones' tables name the same ENI, so app (in both zones) → db (in both
    # zones) and back cross one firewall whatever zone each end is in.
    assert len({frozenset(t) for t in targets.values()}) == 1, targets
    (only,) = targets[lz.ZONES[0]]
    assert only in set(report.firewall_enis.values())
    checked = paths(ali, hub)
    assert checked.ok, checked
    assert {p.walks > 0 for p in checked.pairs if p.expected == "inspected"} == {True}


def test_the_old_per_zone_layout_is_reported_asymmetric(
    ali: AlibabaAdapter, hub: Policy, cloud: tuple[AlibabaServer, SeedReport]
) -> None:
    server, report = cloud
    apply(ali, plan(ali, hub))
    (chosen,) = _firewall_targets(ali, report)[lz.ZONES[0]]
    # By hand through the SDK, as a console user would: the zone whose own ENI was not chosen
    # gets it back, which is how each zone's table looked before per_pair.
    zone, eni = next(
        (z, report.firewall_enis[lz.firewall_eni_name(z)])
        for z in lz.ZONES
        if report.firewall_enis[lz.firewall_eni_name(z)] != chosen
    )
    table = report.route_tables[lz.security_tr_table(zone)]
    entries = c.rpc(server, c.VPC, "DescribeRouteEntryList", RouteTableId=table)
    for entry in entries["RouteEntrys"]["RouteEntry"]:
        if any(h["NextHopId"] == chosen for h in entry["NextHops"]["NextHop"]):
            c.rpc(
                server,
                c.VPC,
                "ModifyRouteEntry",
                RouteEntryId=entry["RouteEntryId"],
                NewNextHopType="NetworkInterface",
                NewNextHopId=eni,
            )
    assert _firewall_targets(ali, report)[zone] == {eni}
    checked = paths(ali, hub)
    assert not checked.ok
    found = {(v.source, v.destination, v.finding) for p in checked.pairs for v in p.violations}
    assert found == {("app", "db", "asymmetric"), ("db", "app", "asymmetric")}, checked
    problems = {v.problem for p in checked.pairs for v in p.violations}
    assert all(chosen in problem and eni in problem for problem in problems), problems
    apply(ali, plan(ali, hub))  # restored as drift
    assert paths(ali, hub).ok


def test_an_unhealthy_firewall_sends_every_zone_to_another_and_back(
    ali: AlibabaAdapter, hub: Policy, cloud: tuple[AlibabaServer, SeedReport], tmp_path: Path
) -> None:
    _, report = cloud
    apply(ali, plan(ali, hub))
    (chosen,) = _firewall_targets(ali, report)[lz.ZONES[0]]
    down_zone = next(z for z in lz.ZONES if report.firewall_enis[lz.firewall_eni_name(z)] == chosen)
    (spare,) = set(report.firewall_enis.values()) - {chosen}
    down = write_policy(tmp_path, report, down=down_zone)
    moved = plan(ali, down)
    assert {c.resource.kind for c in moved.changes} == {"network_route"}
    tables = {report.route_tables[lz.security_tr_table(z)] for z in lz.ZONES}
    assert {c.after.table for c in moved.changes if isinstance(c.after, NetworkRoute)} == tables
    apply(ali, moved)
    assert _firewall_targets(ali, report) == {z: {spare} for z in lz.ZONES}
    assert paths(ali, down).ok
    assert not plan(ali, down).has_changes
    apply(ali, plan(ali, hub))  # healthy again
    assert _firewall_targets(ali, report) == {z: {chosen} for z in lz.ZONES}
    assert paths(ali, hub).ok


def _owned_tr_table(server: AlibabaServer, report: SeedReport, segment: str) -> str:
    body = c.rpc(
        server,
        CBN,
        "ListTransitRouterRouteTables",
        TransitRouterId=report.transit_router,
        **{"Tag.1.Key": "eastwest:segment", "Tag.1.Value": segment},
    )
    (table,) = body["TransitRouterRouteTables"]
    return str(table["TransitRouterRouteTableId"])


def _wait_gone(server: AlibabaServer) -> None:
    """Let the fake finish what a console user started (its async delay)."""
    import time

    time.sleep(server.backend.cbn.delay * 1.5)


def test_drift_through_the_sdk_is_detected_and_restored(
    cloud: tuple[AlibabaServer, SeedReport], ali: AlibabaAdapter, hub: Policy
) -> None:
    server, report = cloud
    apply(ali, plan(ali, hub))
    before = unowned(server, report)
    app_table = _owned_tr_table(server, report, "app")
    db_table = _owned_tr_table(server, report, "db")
    # A console user deletes a TR route entry (app → db through the firewall), an association
    # (a db spoke's), and a spoke VPC route entry eastwest made.
    routes = c.rpc(
        server,
        CBN,
        "ListTransitRouterRouteEntries",
        TransitRouterRouteTableId=app_table,
        TransitRouterRouteEntryType="Static",
    )["TransitRouterRouteEntries"]
    c.rpc(
        server,
        CBN,
        "DeleteTransitRouterRouteEntry",
        TransitRouterRouteEntryId=routes[0]["TransitRouterRouteEntryId"],
    )
    _wait_gone(server)
    db_attachment = report.attachments["spoke-db-1-attachment"]
    c.rpc(
        server,
        CBN,
        "DissociateTransitRouterAttachmentFromRouteTable",
        TransitRouterAttachmentId=db_attachment,
        TransitRouterRouteTableId=db_table,
    )
    _wait_gone(server)
    spoke_table = report.route_tables["spoke-web-1-rt"]
    entries = c.rpc(
        server,
        c.VPC,
        "DescribeRouteEntryList",
        RouteTableId=spoke_table,
        RouteEntryName=f"eastwest:{POLICY}",
    )["RouteEntrys"]["RouteEntry"]
    c.rpc(server, c.VPC, "DeleteRouteEntry", RouteEntryId=entries[0]["RouteEntryId"])

    drift = plan(ali, hub)
    found = {(ch.action, ch.resource.kind, ch.drift) for ch in drift.changes}
    assert found == {
        (Action.CREATE, "hub_route", True),
        (Action.CREATE, "hub_association", True),
        (Action.CREATE, "network_route", True),
    }, [(ch.action, ch.key, ch.drift) for ch in drift.changes]
    assert len(drift.changes) == 3
    apply(ali, drift)
    assert not plan(ali, hub).has_changes
    assert paths(ali, hub).ok
    assert unowned(server, report) == before


def test_switching_inspect_touches_only_that_pair_and_adds_before_it_removes(
    cloud: tuple[AlibabaServer, SeedReport], ali: AlibabaAdapter, hub: Policy, tmp_path: Path
) -> None:
    _server, report = cloud
    apply(ali, plan(ali, hub))
    switched = write_policy(tmp_path, report, inspect_web_app=True)
    p = plan(ali, switched)
    web_app_blocks = [
        ipaddress.ip_network(s.cidr) for s in lz.SPOKES if s.segment in ("web", "app")
    ]

    def web_or_app(cidr: str) -> bool:
        """Routes are aggregated (10.50.0.0/16 + 10.51.0.0/16 → 10.50.0.0/15)."""
        net = ipaddress.ip_network(cidr)
        return all(
            any(sub.subnet_of(b) for b in web_app_blocks)  # type: ignore[arg-type]
            for sub in net.subnets(new_prefix=16)
        )

    web_app = {report.attachments[s.attachment] for s in lz.SPOKES if s.segment in ("web", "app")}
    assert p.changes
    for ch in p.changes:
        res = ch.resource
        if res.kind == "hub_route":
            assert web_or_app(res.destination), ch.key
        elif res.kind == "hub_propagation":
            assert res.attachment in web_app, ch.key
        elif res.kind == "network_route":
            # the security VPC's tables learn web and app CIDRs
            assert res.network == report.vpcs["security"], ch.key
            assert web_or_app(res.destination), ch.key
        else:
            raise AssertionError(f"unexpected change {ch.action} {ch.key}")
    adds = [ch for ch in p.changes if ch.action is Action.CREATE]
    removes = [ch for ch in p.changes if ch.action is Action.DELETE]
    assert {ch.resource.kind for ch in adds} >= {"hub_route", "hub_propagation"}
    assert {ch.resource.kind for ch in removes} == {"hub_propagation"}
    assert {ch.step for ch in adds} == {Step.ADD_RULES}
    assert {ch.step for ch in removes} == {Step.REMOVE_RULES}
    assert max(p.changes.index(ch) for ch in adds) < min(p.changes.index(ch) for ch in removes)
    apply(ali, p)
    assert not plan(ali, switched).has_changes
    checked = paths(ali, switched)
    assert checked.ok, checked
    back = plan(ali, hub)
    assert {ch.action for ch in back.changes} == {Action.CREATE, Action.DELETE}
    apply(ali, back)
    assert not plan(ali, hub).has_changes
    assert paths(ali, hub).ok
