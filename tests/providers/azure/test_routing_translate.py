"""Azure routing translation on literal ARM payloads: route ownership, the transit inventory,
and the model the path check walks (peering is not transitive; forwarded traffic needs the
receiving side's consent)."""

from __future__ import annotations

from typing import Any

import pytest

from orchestrator.compile import hub_spoke
from orchestrator.paths.walk import Outcome, walk
from orchestrator.state import Scope
from providers.azure import translate_routes as trr
from providers.azure.routing import routing_model, transit_inventory

SCOPE = Scope("azure", "sub", "eastus")
RG_ID = "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Network"
NVA = "10.0.1.10"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("eastwest-acme-10.2.0.0_16", "10.2.0.0/16"),
        ("eastwest-acme-prod-10.2.0.0_16", None),  # policy acme-prod's, not acme's
        ("eastwest-acme-10.2.0.1_16", None),  # not a network address: not a name eastwest makes
        ("eastwest-acme-default", None),
        ("default-via-nva", None),
    ],
)
def test_a_route_is_eastwests_by_its_name_only(name: str, expected: str | None) -> None:
    assert trr.owned_destination("acme", {"name": name}) == expected


@pytest.mark.parametrize(
    ("properties", "target"),
    [
        ({"addressPrefix": "10.2.0.0/16", "nextHopType": "VirtualAppliance",
          "nextHopIpAddress": NVA}, NVA),
        ({"addressPrefix": "10.2.0.0/16", "nextHopType": "None"}, trr.BLACKHOLE),
        ({"addressPrefix": "10.2.0.0/16", "nextHopType": "Internet"}, "Internet (edited)"),
        ({"addressPrefix": "10.2.0.0/24", "nextHopType": "VirtualAppliance",
          "nextHopIpAddress": NVA}, f"{NVA} (prefix edited to 10.2.0.0/24)"),
    ],
    ids=["appliance", "drop", "edited-type", "edited-prefix"],
)  # fmt: skip
def test_an_edited_route_reads_back_as_a_different_target(
    properties: dict[str, Any], target: str
) -> None:
    route = {"name": "eastwest-acme-10.2.0.0_16", "properties": properties}
    assert trr.route_target(route, "10.2.0.0/16") == target


def _subnet(vnet: str, name: str, cidr: str, table: str | None = None) -> dict[str, Any]:
    props: dict[str, Any] = {"addressPrefix": cidr}
    if table:
        props["routeTable"] = {"id": f"{RG_ID}/routeTables/{table}"}
    return {"name": name, "id": f"{RG_ID}/virtualNetworks/{vnet}/subnets/{name}",
            "properties": props}  # fmt: skip


def _peering(remote: str, *, forwarded: bool = True, state: str = "Connected") -> dict[str, Any]:
    return {"name": f"to-{remote}", "properties": {
        "remoteVirtualNetwork": {"id": f"{RG_ID}/virtualNetworks/{remote}"},
        "peeringState": state, "allowVirtualNetworkAccess": True,
        "allowForwardedTraffic": forwarded}}  # fmt: skip


def _vnet(name: str, cidr: str, subnets: list[Any], peerings: list[Any]) -> dict[str, Any]:
    return {"name": name, "location": "eastus", "properties": {
        "addressSpace": {"addressPrefixes": [cidr]}, "subnets": subnets,
        "virtualNetworkPeerings": peerings}}  # fmt: skip


def _landing_zone(*, app_forwarded: bool = True) -> list[dict[str, Any]]:
    return [
        _vnet("hub", "10.0.0.0/16", [_subnet("hub", "nva", "10.0.1.0/24")],
              [_peering("web"), _peering("app")]),
        _vnet("web", "10.1.0.0/16", [_subnet("web", "a", "10.1.1.0/24", "rt-web")],
              [_peering("hub")]),
        _vnet("app", "10.2.0.0/16", [_subnet("app", "a", "10.2.1.0/24")],
              [_peering("hub", forwarded=app_forwarded)]),
    ]  # fmt: skip


def _table(name: str, routes: list[tuple[str, str, str | None]]) -> dict[str, Any]:
    body = []
    for route_name, prefix, hop in routes:
        props: dict[str, Any] = {"addressPrefix": prefix, "nextHopType": "None"}
        if hop is not None:
            props |= {"nextHopType": "VirtualAppliance", "nextHopIpAddress": hop}
        body.append({"name": route_name, "properties": props})
    return {"name": name, "id": f"{RG_ID}/routeTables/{name}", "location": "eastus",
            "properties": {"routes": body}}  # fmt: skip


def test_peerings_are_attachments_usable_only_when_forwarded_traffic_may_enter() -> None:
    inv = transit_inventory(SCOPE, _landing_zone(app_forwarded=False), [NVA, "10.9.9.9", "x"])
    usable = {a.network: a.table for a in inv.attachments.values() if a.hub == "hub"}
    assert usable == {"web": "hub", "app": None}
    assert inv.subnet_tables == {"web/a": "rt-web"}
    assert {k: v.subnet for k, v in inv.next_hops.items()} == {NVA: "hub/nva"}


@pytest.mark.parametrize(
    ("app_forwarded", "outcome", "firewalls"),
    [(True, Outcome.ARRIVED, (NVA,)), (False, Outcome.BLACKHOLE, (NVA,))],
    ids=["forwarded-allowed", "forwarded-refused"],
)
def test_a_spoke_reaches_another_only_through_the_appliance(
    app_forwarded: bool, outcome: Outcome, firewalls: tuple[str, ...]
) -> None:
    tables = [_table("rt-web", [("eastwest-t-10.2.0.0_16", "10.2.0.0/16", NVA)])]
    model = routing_model(SCOPE, _landing_zone(app_forwarded=app_forwarded), tables)
    [path] = walk(model, "web/a", "10.2.1.1", frozenset({NVA}))
    assert path.outcome is outcome
    assert path.firewalls == firewalls
    assert path.tables()[0] == "rt-web@web"


def test_peering_is_not_transitive_and_a_drop_beats_a_default_route() -> None:
    model = routing_model(SCOPE, _landing_zone(), [])
    [path] = walk(model, "app/a", "10.1.1.1", frozenset({NVA}))
    assert path.outcome is Outcome.NO_ROUTE  # app and web are peered with the hub only
    tables = [_table("rt-web", [("default", "0.0.0.0/0", NVA),
                                ("eastwest-t-10.2.0.0_16", "10.2.0.0/16", None)])]  # fmt: skip
    model = routing_model(SCOPE, _landing_zone(), tables)
    [path] = walk(model, "web/a", "10.2.1.1", frozenset({NVA}))
    assert path.outcome is Outcome.LEFT
    [path] = walk(model, "web/a", "10.0.1.5", frozenset({NVA}))
    assert path.outcome is Outcome.ARRIVED  # the hub's prefixes beat the default: by peering


def test_routes_are_observed_with_the_network_that_uses_their_table() -> None:
    table = _table("rt-web", [("eastwest-t-10.2.0.0_16", "10.2.0.0/16", NVA),
                              ("theirs", "10.3.0.0/16", None)])  # fmt: skip
    table["properties"]["subnets"] = [{"id": f"{RG_ID}/virtualNetworks/web/subnets/a"}]
    [(route, name)] = trr.observed_routes(SCOPE, "t", table, {}, {})
    assert (route.network, route.destination, route.target, name) == (
        "web",
        "10.2.0.0/16",
        NVA,
        "eastwest-t-10.2.0.0_16",
    )


@pytest.mark.parametrize("network", ["vnet-web", "v" * 100], ids=["short", "cut-to-80"])
def test_the_adapter_names_eastwests_table_as_the_compiler_does(network: str) -> None:
    name = hub_spoke.owned_table_name("acme", "web", network)
    assert trr.owned_table_segment(name, "acme", network, {"web": (), "app": ()}) == "web"


def test_eastwests_table_serves_only_its_segments_subnets_without_a_table() -> None:
    subnets = [
        _subnet("app", "a", "10.2.1.0/24"),
        _subnet("app", "b", "10.2.2.0/24"),
        _subnet("app", "c", "10.2.3.0/24", "rt-theirs"),
    ]
    vnet = _vnet("app", "10.2.0.0/16", subnets, [])
    # An address-only segment covering everything must not pull subnet a in.
    known = {"app": ("10.2.2.0/24", "10.2.3.0/24"), "onprem": ("10.0.0.0/8",)}
    name = hub_spoke.owned_table_name("t", "app", "app")
    segment = trr.owned_table_segment(name, "t", "app", known)
    assert segment == "app"
    assert [s["name"] for s in trr.unserved_members(vnet, known[segment])] == ["b"]
