"""Compiling transit routing from literal policies and inventories (no cloud)."""

from __future__ import annotations

from typing import Any

import pytest

from orchestrator.compile import compile_policy
from orchestrator.diagnostics import Severity
from orchestrator.model.policy import Policy
from orchestrator.state import (
    ApplianceMode,
    DesiredState,
    HubAssociation,
    HubInfo,
    HubPropagation,
    HubRoute,
    HubTable,
    Network,
    NetworkRoute,
    NextHop,
    Scope,
    ScopeInventory,
    Subnet,
    TransitAttachment,
    TransitInventory,
)

ACCOUNT = "111111111111"
SCOPE = Scope("aws", ACCOUNT, "us-east-1")
TGW = "tgw-hub"
ZONE = "us-east-1"
SPOKES = {"web": ("vpc-web", "10.10.0.0/16"), "app": ("vpc-app", "10.20.0.0/16"),
          "db": ("vpc-db", "10.30.0.0/16")}  # fmt: skip
FIREWALLS = [
    {"zone": "us-east-1a", "next_hop": "vpce-a"},
    {"zone": "us-east-1b", "next_hop": "vpce-b"},
]


def _policy(rules: list[dict[str, Any]], *, inspected: bool = True, **hub: Any) -> Policy:
    hub_body: dict[str, Any] = {
        "name": "use1",
        "account": "prod",
        "region": "us-east-1",
        "transit": TGW,
        **hub,
    }
    if inspected:
        hub_body.setdefault("inspection", {"vpc": "vpc-insp", "firewalls": FIREWALLS})
    return Policy.model_validate(
        {
            "version": 1,
            "name": "t",
            "accounts": [
                {"name": "prod", "cloud": "aws", "account_id": ACCOUNT, "regions": ["us-east-1"]}
            ],
            "hubs": [hub_body],
            "segments": [
                {"name": s, "members": [{"account": "prod", "region": "us-east-1", "vpc": v}]}
                for s, (v, _) in SPOKES.items()
            ],
            "rules": rules,
        }
    )


def _inventory() -> tuple[dict[Scope, ScopeInventory], dict[Scope, TransitInventory]]:
    networks = [Network(v, (c,)) for v, c in SPOKES.values()]
    networks.append(Network("vpc-insp", ("10.100.0.0/16",)))
    subnets: list[Subnet] = []
    tables: dict[str, str] = {}
    attachments: dict[str, TransitAttachment] = {}
    for vpc, cidr in SPOKES.values():
        base = cidr.split(".0.0/")[0]
        subnets += [
            Subnet(f"{vpc}-work", vpc, (f"{base}.1.0/24",), "us-east-1a"),
            Subnet(f"{vpc}-tgw", vpc, (f"{base}.255.0/28",), "us-east-1a"),
        ]
        tables |= {f"{vpc}-work": f"rtb-{vpc}-work", f"{vpc}-tgw": f"rtb-{vpc}-tgw"}
        attachments[f"att-{vpc}"] = TransitAttachment(f"att-{vpc}", TGW, vpc, (f"{vpc}-tgw",), None)
    for zone in ("a", "b"):
        subnets += [
            Subnet(f"insp-tgw-{zone}", "vpc-insp", (f"10.100.{zone == 'b':d}.0/28",), ZONE + zone),
            Subnet(
                f"insp-fw-{zone}", "vpc-insp", (f"10.100.{10 + (zone == 'b')}.0/24",), ZONE + zone
            ),
        ]
        tables |= {f"insp-tgw-{zone}": f"rtb-insp-tgw-{zone}", f"insp-fw-{zone}": "rtb-insp-fw"}
    attachments["att-insp"] = TransitAttachment(
        "att-insp", TGW, "vpc-insp", ("insp-tgw-a", "insp-tgw-b"), None
    )
    transit = TransitInventory(
        SCOPE,
        hubs={TGW: HubInfo(TGW)},
        attachments=attachments,
        subnet_tables=tables,
        next_hops={f"vpce-{z}": NextHop(f"vpce-{z}", f"insp-fw-{z}") for z in ("a", "b")},
    )
    return {SCOPE: ScopeInventory(SCOPE, tuple(networks), tuple(subnets))}, {SCOPE: transit}


def _compile(policy: Policy) -> DesiredState:
    inventory, transit = _inventory()
    return compile_policy(policy, inventory, transit)


def _of(desired: DesiredState, kind: type[Any]) -> list[Any]:
    return [r for r in desired.scopes[SCOPE].resources.values() if isinstance(r, kind)]


def _table(segment: str | None) -> str:
    tail = "inspection" if segment is None else f"segment:{segment}"
    return f"{SCOPE}/hubtable/use1/{tail}"


def _propagations(desired: DesiredState) -> set[tuple[str, str]]:
    return {(p.table.rsplit("/", 1)[-1], p.attachment) for p in _of(desired, HubPropagation)}


WEB_APP = {"name": "web-to-app", "from": "web", "to": "app", "ports": ["tcp/443"]}


def test_each_segment_gets_a_table_and_its_members_are_associated_with_it() -> None:
    desired = _compile(_policy([WEB_APP], inspected=False))
    tables = {t.key: t for t in _of(desired, HubTable)}
    assert set(tables) == {_table("web"), _table("app"), _table("db")}
    assert tables[_table("db")].name == "eastwest-t-db"
    assoc = {a.attachment: a.table for a in _of(desired, HubAssociation)}
    assert assoc == {
        "att-vpc-web": _table("web"),
        "att-vpc-app": _table("app"),
        "att-vpc-db": _table("db"),
    }


def test_a_direct_pair_propagates_both_ways_and_a_pair_without_a_rule_not_at_all() -> None:
    desired = _compile(_policy([WEB_APP], inspected=False))
    assert _propagations(desired) == {
        ("segment:web", "att-vpc-web"),
        ("segment:web", "att-vpc-app"),
        ("segment:app", "att-vpc-app"),
        ("segment:app", "att-vpc-web"),
        ("segment:db", "att-vpc-db"),
    }
    assert not _of(desired, HubRoute)
    routes = {(r.table, r.destination, r.target) for r in _of(desired, NetworkRoute)}
    assert routes == {
        ("rtb-vpc-web-work", "10.20.0.0/16", TGW),
        ("rtb-vpc-app-work", "10.10.0.0/16", TGW),
    }


def test_an_inspected_pair_routes_both_ways_through_the_inspection_attachment() -> None:
    desired = _compile(_policy([{**WEB_APP, "inspect": True}]))
    hub_routes = {(r.table, r.destination, r.attachment) for r in _of(desired, HubRoute)}
    assert hub_routes == {
        (_table("web"), "10.20.0.0/16", "att-insp"),
        (_table("app"), "10.10.0.0/16", "att-insp"),
    }
    # No propagation between the pair: the static routes are the only way across.
    assert ("segment:web", "att-vpc-app") not in _propagations(desired)
    assert ("segment:app", "att-vpc-web") not in _propagations(desired)
    # The inspection table returns to both members, and is associated with the inspection VPC.
    assert {("inspection", "att-vpc-web"), ("inspection", "att-vpc-app")} <= _propagations(desired)
    assoc = {a.attachment: a.table for a in _of(desired, HubAssociation)}
    assert assoc["att-insp"] == _table(None)
    assert [m.attachment for m in _of(desired, ApplianceMode)] == ["att-insp"]


def test_the_inspection_vpc_sends_each_zone_to_its_own_firewall_and_back_to_the_hub() -> None:
    desired = _compile(_policy([{**WEB_APP, "inspect": True}]))
    routes = {(r.table, r.destination): r.target for r in _of(desired, NetworkRoute)}
    for cidr in ("10.10.0.0/16", "10.20.0.0/16"):
        assert routes[("rtb-insp-tgw-a", cidr)] == "vpce-a"
        assert routes[("rtb-insp-tgw-b", cidr)] == "vpce-b"
        assert routes[("rtb-insp-fw", cidr)] == TGW
    assert ("rtb-insp-fw", "10.30.0.0/16") not in routes  # db is not inspected


def test_an_unhealthy_firewall_sends_its_zone_to_a_healthy_one() -> None:
    firewalls = [{**FIREWALLS[0], "healthy": False}, FIREWALLS[1]]
    policy = _policy(
        [{**WEB_APP, "inspect": True}], inspection={"vpc": "vpc-insp", "firewalls": firewalls}
    )
    desired = _compile(policy)
    routes = {(r.table, r.destination): r.target for r in _of(desired, NetworkRoute)}
    assert routes[("rtb-insp-tgw-a", "10.10.0.0/16")] == "vpce-b"
    assert routes[("rtb-insp-tgw-b", "10.10.0.0/16")] == "vpce-b"
    assert any("zone us-east-1a is unhealthy" in d.summary for d in desired.diagnostics)


def test_no_healthy_firewall_is_an_error() -> None:
    firewalls = [{**f, "healthy": False} for f in FIREWALLS]
    policy = _policy(
        [{**WEB_APP, "inspect": True}], inspection={"vpc": "vpc-insp", "firewalls": firewalls}
    )
    errors = [d for d in _compile(policy).diagnostics if d.severity is Severity.ERROR]
    assert errors
    assert "no healthy firewall" in errors[0].summary


def test_inspection_asked_of_a_hub_without_an_inspection_section_is_an_error() -> None:
    desired = _compile(_policy([{**WEB_APP, "inspect": True}], inspected=False))
    errors = [d for d in desired.diagnostics if d.severity is Severity.ERROR]
    assert len(errors) == 1
    assert "no inspection section" in errors[0].summary
    assert errors[0].path == "hubs[0]"


def test_a_transit_gateway_with_default_association_on_is_reported() -> None:
    inventory, transit = _inventory()
    scope_transit = transit[SCOPE]
    on = TransitInventory(
        SCOPE,
        {TGW: HubInfo(TGW, "tgw-rtb-default", "tgw-rtb-default")},
        scope_transit.attachments,
        scope_transit.subnet_tables,
        scope_transit.next_hops,
    )
    desired = compile_policy(_policy([WEB_APP]), inventory, {SCOPE: on})
    warnings = [d for d in desired.diagnostics if d.severity is Severity.WARNING]
    assert any("default route table" in d.summary for d in warnings)


def test_an_unknown_transit_gateway_is_an_error_at_the_hub() -> None:
    desired = _compile(_policy([WEB_APP], transit="tgw-missing"))
    errors = [d for d in desired.diagnostics if d.severity is Severity.ERROR]
    assert [e.path for e in errors] == ["hubs[0].transit"]


@pytest.mark.parametrize("inspect", [False, True])
def test_spoke_routes_leave_out_the_transit_subnets_table(inspect: bool) -> None:
    desired = _compile(_policy([{**WEB_APP, "inspect": inspect}]))
    tables = {r.table for r in _of(desired, NetworkRoute) if r.network.startswith("vpc-")}
    assert "rtb-vpc-web-tgw" not in tables
    assert "rtb-vpc-web-work" in tables


def test_without_a_transit_inventory_nothing_is_routed() -> None:
    inventory, _ = _inventory()
    desired = compile_policy(_policy([WEB_APP]), inventory)
    assert not _of(desired, HubTable)
    assert not _of(desired, NetworkRoute)
