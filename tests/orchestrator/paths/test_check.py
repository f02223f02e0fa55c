"""The path walker and checker on literal routing models: two spokes (web 10.1/16, db 10.2/16),
one hub, an inspection network (10.9/16) with a firewall endpoint in zone a."""

from __future__ import annotations

import json

import pytest

from orchestrator.paths.check import Expect, Member, check_scope
from orchestrator.paths.render import render_text, report_json
from orchestrator.paths.walk import Outcome, walk
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

SCOPE = Scope("aws", "111111111111", "us-east-1")
FW = "vpce-fw"
MEMBERS = (Member("web", "vpc-web", ("10.1.0.0/16",)), Member("db", "vpc-db", ("10.2.0.0/16",)))

LOCAL = {"vpc-web": "10.1.0.0/16", "vpc-db": "10.2.0.0/16", "vpc-insp": "10.9.0.0/16"}


def _subnet_tables(web_to: HopKind = HopKind.TRANSIT) -> dict[str, RouteTable]:
    def spoke(net: str, kind: HopKind) -> RouteTable:
        routes = [SubnetRoute(LOCAL[net], HopKind.LOCAL, "local")]
        if kind is HopKind.TRANSIT:
            routes.append(SubnetRoute("0.0.0.0/0", HopKind.TRANSIT, "tgw-1"))
        return RouteTable(f"rtb-{net}", net, tuple(routes))

    local_insp = SubnetRoute(LOCAL["vpc-insp"], HopKind.LOCAL, "local")
    return {
        "rtb-vpc-web": spoke("vpc-web", web_to),
        "rtb-vpc-db": spoke("vpc-db", HopKind.TRANSIT),
        "rtb-tgwsub": RouteTable(
            "rtb-tgwsub", "vpc-insp", (local_insp, SubnetRoute("0.0.0.0/0", HopKind.FIREWALL, FW))
        ),
        "rtb-fwsub": RouteTable(
            "rtb-fwsub",
            "vpc-insp",
            (local_insp, SubnetRoute("10.0.0.0/8", HopKind.TRANSIT, "tgw-1")),
        ),
    }


def _model(
    transit: dict[str, tuple[TransitRoute, ...]],
    associated: dict[str, str],
    tables: dict[str, RouteTable] | None = None,
) -> RoutingModel:
    def place(sid: str, net: str, cidr: str, table: str) -> SubnetPlace:
        return SubnetPlace(sid, net, "us-east-1a", cidr, table)

    subnets = [
        place("subnet-web", "vpc-web", "10.1.0.0/20", "rtb-vpc-web"),
        place("subnet-web-tgw", "vpc-web", "10.1.255.0/28", "rtb-local-web"),
        place("subnet-db", "vpc-db", "10.2.0.0/20", "rtb-vpc-db"),
        place("subnet-db-tgw", "vpc-db", "10.2.255.0/28", "rtb-local-db"),
        place("subnet-insp-tgw", "vpc-insp", "10.9.0.0/28", "rtb-tgwsub"),
        place("subnet-insp-fw", "vpc-insp", "10.9.1.0/24", "rtb-fwsub"),
    ]
    route_tables = tables if tables is not None else _subnet_tables()
    route_tables = {
        **route_tables,
        "rtb-local-web": RouteTable(
            "rtb-local-web", "vpc-web", (SubnetRoute(LOCAL["vpc-web"], HopKind.LOCAL),)
        ),
        "rtb-local-db": RouteTable(
            "rtb-local-db", "vpc-db", (SubnetRoute(LOCAL["vpc-db"], HopKind.LOCAL),)
        ),
    }
    attachments = {
        f"att-{n}": TransitAttachment(f"att-{n}", "tgw-1", f"vpc-{n}", (sub,), associated.get(n))
        for n, sub in (
            ("web", "subnet-web-tgw"),
            ("db", "subnet-db-tgw"),
            ("insp", "subnet-insp-tgw"),
        )
    }
    return RoutingModel(
        SCOPE,
        subnets={s.id: s for s in subnets},
        tables=route_tables,
        next_hops={FW: NextHop(FW, "subnet-insp-fw")},
        attachments=attachments,
        transit_tables={k: TransitTable(k, "tgw-1", v) for k, v in transit.items()},
    )


def r(cidr: str, attachment: str | None, propagated: bool = False) -> TransitRoute:
    return TransitRoute(cidr, attachment, propagated)


WEB, DB = "10.1.0.0/16", "10.2.0.0/16"
# One table for everything, every VPC propagated: what a default TGW table looks like.
FLAT = _model(
    {"tgw-rtb-default": (r(WEB, "att-web", True), r(DB, "att-db", True))},
    {"web": "tgw-rtb-default", "db": "tgw-rtb-default", "insp": "tgw-rtb-default"},
)
# Per segment tables sending the peer to inspection; the inspection table routes back.
INSPECTED = _model(
    {
        "tgw-rtb-web": (r(DB, "att-insp"),),
        "tgw-rtb-db": (r(WEB, "att-insp"),),
        "tgw-rtb-insp": (r(WEB, "att-web", True), r(DB, "att-db", True)),
    },
    {"web": "tgw-rtb-web", "db": "tgw-rtb-db", "insp": "tgw-rtb-insp"},
)
# web → db through the firewall, db → web straight back.
ASYMMETRIC = _model(
    {
        "tgw-rtb-web": (r(DB, "att-insp"),),
        "tgw-rtb-db": (r(WEB, "att-web", True),),
        "tgw-rtb-insp": (r(WEB, "att-web", True), r(DB, "att-db", True)),
    },
    {"web": "tgw-rtb-web", "db": "tgw-rtb-db", "insp": "tgw-rtb-insp"},
)
ISOLATED = _model(
    {"tgw-rtb-web": (), "tgw-rtb-db": ()},
    {"web": "tgw-rtb-web", "db": "tgw-rtb-db"},
)
BLACKHOLE = _model(
    {"tgw-rtb-web": (r(DB, None),), "tgw-rtb-db": (r(WEB, "att-web", True),)},
    {"web": "tgw-rtb-web", "db": "tgw-rtb-db"},
)
# The inspection table sends db's traffic back to inspection: around and around.
LOOP = _model(
    {
        "tgw-rtb-web": (r(DB, "att-insp"),),
        "tgw-rtb-db": (r(WEB, "att-insp"),),
        "tgw-rtb-insp": (r("10.0.0.0/8", "att-insp"),),
    },
    {"web": "tgw-rtb-web", "db": "tgw-rtb-db", "insp": "tgw-rtb-insp"},
)


def _expect(kind: Expect) -> dict[tuple[str, str], Expect]:
    return {} if kind is Expect.DENIED else {("web", "db"): kind, ("db", "web"): kind}


CASES = [
    # (model, expectation, violations per ordered pair (web→db, db→web), a table named)
    pytest.param(FLAT, Expect.DIRECT, (0, 0), "", id="direct-both-ways"),
    pytest.param(INSPECTED, Expect.INSPECTED, (0, 0), "", id="inspected-both-ways"),
    pytest.param(INSPECTED, Expect.DIRECT, (0, 0), "", id="inspected-satisfies-direct"),
    pytest.param(ASYMMETRIC, Expect.INSPECTED, (0, 1), "tgw-rtb-db", id="asymmetric"),
    pytest.param(ISOLATED, Expect.DENIED, (0, 0), "", id="no-route-denied-ok"),
    pytest.param(FLAT, Expect.DENIED, (1, 1), "tgw-rtb-default", id="route-where-denied"),
    pytest.param(FLAT, Expect.INSPECTED, (1, 1), "tgw-rtb-default", id="direct-not-inspected"),
    pytest.param(ISOLATED, Expect.DIRECT, (1, 1), "tgw-rtb-web", id="no-route-for-a-rule"),
    pytest.param(BLACKHOLE, Expect.DIRECT, (1, 0), "tgw-rtb-web", id="blackhole"),
    pytest.param(LOOP, Expect.INSPECTED, (1, 1), "tgw-rtb-insp", id="loop"),
    pytest.param(LOOP, Expect.DENIED, (0, 0), "", id="loop-is-no-route"),
]


@pytest.mark.parametrize(("model", "expect", "counts", "table"), CASES)
def test_check_judges_each_direction(
    model: RoutingModel, expect: Expect, counts: tuple[int, int], table: str
) -> None:
    report = check_scope(model, MEMBERS, _expect(expect), frozenset({FW}))
    by_pair = {(p.source, p.destination): p for p in report.pairs}
    assert len(by_pair["web", "db"].violations) == counts[0]
    assert len(by_pair["db", "web"].violations) == counts[1]
    assert all(p.walks == 1 for p in report.pairs)  # transit subnets are not sources
    assert report.ok == (counts == (0, 0))
    if table:
        named = {t for p in report.pairs for v in p.violations for t in v.tables}
        assert table in named


def test_inspected_path_names_every_hop_and_the_firewall() -> None:
    [path] = walk(INSPECTED, "subnet-web", "10.2.0.1", frozenset({FW}))
    assert path.outcome is Outcome.ARRIVED
    assert path.network == "vpc-db"
    assert path.firewalls == (FW,)
    assert path.tables() == (
        "rtb-vpc-web",
        "tgw-rtb-web",
        "rtb-tgwsub",
        "rtb-fwsub",
        "tgw-rtb-insp",
        "rtb-local-db",
    )


@pytest.mark.parametrize(
    ("model", "outcome", "wrong"),
    [
        pytest.param(BLACKHOLE, Outcome.BLACKHOLE, "tgw-rtb-web", id="blackhole"),
        pytest.param(LOOP, Outcome.LOOP, "rtb-tgwsub", id="loop"),  # the table met again
        pytest.param(ISOLATED, Outcome.NO_ROUTE, "tgw-rtb-web", id="no-route"),
    ],
)
def test_walk_ends_where_routing_fails(model: RoutingModel, outcome: Outcome, wrong: str) -> None:
    [path] = walk(model, "subnet-web", "10.2.0.1", frozenset({FW}))
    assert path.outcome is outcome
    report = check_scope(model, MEMBERS, _expect(Expect.DIRECT), frozenset({FW}))
    [violation] = report.pairs[1].violations  # web → db (pairs sorted: db→web, web→db)
    assert violation.wrong_hop == wrong


def test_an_undeclared_endpoint_is_not_a_firewall() -> None:
    report = check_scope(INSPECTED, MEMBERS, _expect(Expect.INSPECTED), frozenset({"vpce-other"}))
    assert [len(p.violations) for p in report.pairs] == [1, 1]
    assert "without crossing a firewall" in report.pairs[0].violations[0].problem


def test_longest_prefix_wins_over_a_default_route() -> None:
    tables = _subnet_tables()
    web = tables["rtb-vpc-web"]
    # A more specific route to the internet gateway beats 0.0.0.0/0 → hub.
    tables["rtb-vpc-web"] = RouteTable(
        web.id, web.network, (*web.routes, SubnetRoute(DB, HopKind.OTHER, "igw-1"))
    )
    model = _model(
        {"t": (r(WEB, "att-web", True), r(DB, "att-db", True))}, {"web": "t", "db": "t"}, tables
    )
    [path] = walk(model, "subnet-web", "10.2.0.1", frozenset())
    assert path.outcome is Outcome.LEFT


def test_renderers_name_the_tables() -> None:
    report = check_scope(FLAT, MEMBERS, {}, frozenset({FW}))
    text = render_text([report])
    assert "BAD web → db (denied, 1 path(s))" in text
    assert "wrong at tgw-rtb-default" in text
    assert text.endswith("2 violation(s).\n")
    doc = json.loads(json.dumps(report_json([report])))
    assert doc["format_version"] == "2.1"
    assert doc["ok"] is False
    assert doc["scopes"][0]["pairs"][0]["violations"][0]["tables"] == [
        "rtb-vpc-db",
        "tgw-rtb-default",
        "rtb-local-web",
    ]
