"""Asymmetric inspection, on a literal two-zone model shaped like the Alibaba landing zone: web in
zone a, db in zone b, a security network with a transit subnet and a firewall in each zone. The
hub delivers into the security network in the packet's zone, so each zone's transit table decides
which firewall a direction crosses."""

from __future__ import annotations

import pytest

from orchestrator.paths.check import Expect, Finding, Member, check_scope
from orchestrator.paths.render import render_text, report_json
from orchestrator.state import (
    HopKind,
    NextHop,
    RouteTable,
    RoutingModel,
    Scope,
    SubnetPlace,
    SubnetRoute,
    TransitAttachment,
    TransitRoute,
    TransitTable,
)

SCOPE = Scope("alibaba", "5123456789012345", "cn-hangzhou")
WEB, DB, SEC = "10.1.0.0/16", "10.2.0.0/16", "10.9.0.0/16"
FW_A, FW_B = "eni-fw-a", "eni-fw-b"
MEMBERS = (Member("web", "vpc-web", (WEB,)), Member("db", "vpc-db", (DB,)))
INSPECTED = {("web", "db"): Expect.INSPECTED, ("db", "web"): Expect.INSPECTED}


def _model(zone_a_to: str, zone_b_to: str) -> RoutingModel:
    """Each zone's transit subnet of the security network sends everything to the named ENI."""

    def table(tid: str, net: str, *routes: SubnetRoute) -> RouteTable:
        return RouteTable(tid, net, routes)

    local = {n: SubnetRoute(c, HopKind.LOCAL, "local") for n, c in (("web", WEB), ("db", DB))}
    sec_local = SubnetRoute(SEC, HopKind.LOCAL, "local")
    tables = [
        table("vtb-web", "vpc-web", local["web"], SubnetRoute(DB, HopKind.TRANSIT, "tr-1")),
        table("vtb-db", "vpc-db", local["db"], SubnetRoute(WEB, HopKind.TRANSIT, "tr-1")),
        table(
            "vtb-tr-a", "vpc-sec", sec_local, SubnetRoute("10.0.0.0/8", HopKind.FIREWALL, zone_a_to)
        ),
        table(
            "vtb-tr-b", "vpc-sec", sec_local, SubnetRoute("10.0.0.0/8", HopKind.FIREWALL, zone_b_to)
        ),
        table("vtb-fw", "vpc-sec", sec_local, SubnetRoute("10.0.0.0/8", HopKind.TRANSIT, "tr-1")),
    ]
    subnets = [
        SubnetPlace("vsw-web", "vpc-web", "a", "10.1.0.0/20", "vtb-web"),
        SubnetPlace("vsw-db", "vpc-db", "b", "10.2.0.0/20", "vtb-db"),
        SubnetPlace("vsw-tr-a", "vpc-sec", "a", "10.9.0.0/28", "vtb-tr-a"),
        SubnetPlace("vsw-tr-b", "vpc-sec", "b", "10.9.0.16/28", "vtb-tr-b"),
        SubnetPlace("vsw-fw-a", "vpc-sec", "a", "10.9.1.0/24", "vtb-fw"),
        SubnetPlace("vsw-fw-b", "vpc-sec", "b", "10.9.2.0/24", "vtb-fw"),
    ]
    attachments = [
        TransitAttachment("att-web", "tr-1", "vpc-web", ("vsw-web",), "trt-web"),
        TransitAttachment("att-db", "tr-1", "vpc-db", ("vsw-db",), "trt-db"),
        TransitAttachment("att-sec", "tr-1", "vpc-sec", ("vsw-tr-a", "vsw-tr-b"), "trt-sec"),
    ]
    hub = {
        "trt-web": (TransitRoute(DB, "att-sec", False),),
        "trt-db": (TransitRoute(WEB, "att-sec", False),),
        "trt-sec": (TransitRoute(WEB, "att-web", True), TransitRoute(DB, "att-db", True)),
    }
    return RoutingModel(
        SCOPE,
        subnets={s.id: s for s in subnets},
        tables={t.id: t for t in tables},
        next_hops={FW_A: NextHop(FW_A, "vsw-fw-a"), FW_B: NextHop(FW_B, "vsw-fw-b")},
        attachments={a.id: a for a in attachments},
        transit_tables={k: TransitTable(k, "tr-1", v) for k, v in hub.items()},
    )


@pytest.mark.parametrize(
    ("zone_a_to", "zone_b_to", "asymmetric"),
    [
        pytest.param(FW_A, FW_B, True, id="per-zone-is-asymmetric"),
        pytest.param(FW_B, FW_B, False, id="per-pair-one-firewall"),
        pytest.param(FW_A, FW_A, False, id="per-pair-the-other-firewall"),
    ],
)
def test_a_return_through_another_firewall_is_asymmetric(
    zone_a_to: str, zone_b_to: str, asymmetric: bool
) -> None:
    report = check_scope(_model(zone_a_to, zone_b_to), MEMBERS, INSPECTED, frozenset({FW_A, FW_B}))
    found = [v for p in report.pairs for v in p.violations]
    assert report.ok is not asymmetric
    if not asymmetric:
        assert found == []
        return
    assert {(v.source, v.destination, v.finding) for v in found} == {
        ("web", "db", Finding.ASYMMETRIC),
        ("db", "web", Finding.ASYMMETRIC),
    }
    web_db = next(v for v in found if v.source == "web")
    assert web_db.problem == f"out through {FW_A}, back through {FW_B}"
    assert web_db.wrong_hop == "vtb-tr-b"  # the zone-b transit table picked the other one
    assert f"asymmetric: out through {FW_A}, back through {FW_B}" in render_text([report])
    doc = report_json([report])
    assert {v["finding"] for s in doc["scopes"] for p in s["pairs"] for v in p["violations"]} == {
        "asymmetric"
    }


def test_a_direct_pair_is_not_judged_for_symmetry() -> None:
    direct = dict.fromkeys(INSPECTED, Expect.DIRECT)
    report = check_scope(_model(FW_A, FW_B), MEMBERS, direct, frozenset({FW_A, FW_B}))
    assert report.ok


def test_a_hub_that_keeps_flows_on_one_firewall_is_not_judged_by_routes() -> None:
    # AWS appliance mode: the transit gateway returns a flow through the endpoint it used.
    report = check_scope(
        _model(FW_A, FW_B), MEMBERS, INSPECTED, frozenset({FW_A, FW_B}), hub_keeps_flows=True
    )
    assert report.ok
