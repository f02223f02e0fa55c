"""Compiling Azure hub-spoke routing from literal policies and inventories (no cloud)."""

from __future__ import annotations

from typing import Any

import pytest

from orchestrator.compile import compile_policy
from orchestrator.compile.hub_spoke import BLACKHOLE, owned_table_name, peering_name
from orchestrator.diagnostics import Diagnostic, Severity
from orchestrator.model.policy import Policy
from orchestrator.state import (
    HubInfo,
    Network,
    NetworkRoute,
    NextHop,
    Scope,
    ScopeInventory,
    Subnet,
    TransitAttachment,
    TransitInventory,
)
from orchestrator.state.routes import NetworkPeering

SUB = "00000000-0000-0000-0000-000000000009"
SCOPE = Scope("azure", SUB, "eastus")
NVA = "10.0.1.10"
SPOKES = {"web": ("vnet-web", "10.1.0.0/16"), "app": ("vnet-app", "10.2.0.0/16"),
          "db": ("vnet-db", "10.3.0.0/16")}  # fmt: skip
FIREWALL = [{"zone": "1", "next_hop": NVA}]


def _policy(
    rules: list[dict[str, Any]],
    *,
    firewalls: list[dict[str, Any]] | None = FIREWALL,
    extra_members: dict[str, list[str]] | None = None,
    peerings: str = "observe",
) -> Policy:
    hub: dict[str, Any] = {"name": "hub", "account": "az", "region": "eastus",
                           "transit": "vnet-hub", "peerings": peerings}  # fmt: skip
    if firewalls is not None:
        hub["inspection"] = {"vpc": "vnet-hub", "firewalls": firewalls}
    extra = extra_members or {}
    return Policy.model_validate(
        {
            "version": 1,
            "name": "t",
            "accounts": [
                {
                    "name": "az",
                    "cloud": "azure",
                    "subscription_id": SUB,
                    "resource_group": "rg",
                    "regions": ["eastus"],
                }
            ],
            "hubs": [hub],
            "segments": [
                {
                    "name": s,
                    "members": [
                        {"account": "az", "region": "eastus", "vnet": v}
                        for v in (net, *extra.get(s, []))
                    ],
                }
                for s, (net, _) in SPOKES.items()
            ],
            "rules": rules,
        }
    )


def _inventory(
    *,
    unusable: frozenset[str] = frozenset(),
    unpeered: frozenset[str] = frozenset(),
    peering_name: str = "to-hub",
) -> tuple[dict[Scope, ScopeInventory], dict[Scope, TransitInventory]]:
    vnets = {**dict(SPOKES.values()), "vnet-web2": "10.4.0.0/16", "vnet-hub": "10.0.0.0/16"}
    networks = [Network(v, (c,), name=v) for v, c in vnets.items()]
    subnets = [Subnet("snet-nva", "vnet-hub", ("10.0.1.0/24",), "")]
    tables: dict[str, str] = {}
    attachments: dict[str, TransitAttachment] = {}
    for vnet, cidr in vnets.items():
        if vnet == "vnet-hub":
            continue
        base = cidr.split(".0.0/")[0]
        subnets += [Subnet("snet-a", vnet, (f"{base}.1.0/24",), ""),
                    Subnet("snet-b", vnet, (f"{base}.2.0/24",), "")]  # fmt: skip
        tables[f"{vnet}/snet-a"] = f"rt-{vnet}"  # snet-b has no route table
        if vnet not in unpeered:
            aid = f"{vnet}/{peering_name}"
            ok = None if vnet in unusable else "vnet-hub"
            attachments[aid] = TransitAttachment(aid, "vnet-hub", vnet, (), ok)
    inventory = ScopeInventory(SCOPE, tuple(networks), tuple(subnets))
    transit = TransitInventory(
        SCOPE,
        hubs={v: HubInfo(v) for v in vnets},
        attachments=attachments,
        subnet_tables=tables,
        next_hops={ip: NextHop(ip, "vnet-hub/snet-nva") for ip in (NVA, "10.0.1.4", "10.0.1.5")},
    )
    return {SCOPE: inventory}, {SCOPE: transit}


def _compile(policy: Policy, **inv: Any) -> tuple[dict[tuple[str, str], str], list[Diagnostic]]:
    inventory, transit = _inventory(**inv)
    desired = compile_policy(policy, inventory, transit)
    scope = desired.scopes.get(SCOPE)
    routes = {
        (r.table, r.destination): r.target
        for r in (scope.resources.values() if scope else ())
        if isinstance(r, NetworkRoute)
    }
    return routes, list(desired.diagnostics)


WEB_APP = {"name": "web-app", "from": "web", "to": "app", "ports": ["tcp/443"]}
OWN_WEB = owned_table_name("t", "web", "vnet-web")
OWN_APP = owned_table_name("t", "app", "vnet-app")


@pytest.mark.parametrize("inspect", [False, True], ids=["direct", "inspected"])
def test_an_allowed_pair_routes_through_the_appliance_both_ways(inspect: bool) -> None:
    routes, diags = _compile(_policy([{**WEB_APP, "inspect": inspect}]))
    assert not [d for d in diags if d.severity is Severity.ERROR]
    assert routes[("rt-vnet-web", "10.2.0.0/16")] == NVA
    assert routes[(OWN_WEB, "10.2.0.0/16")] == NVA  # snet-b had no table: eastwest's
    assert routes[("rt-vnet-app", "10.1.0.0/16")] == NVA
    assert routes[(OWN_APP, "10.1.0.0/16")] == NVA
    # db has no rule with either: its prefixes are dropped, and it drops theirs.
    assert routes[("rt-vnet-web", "10.3.0.0/16")] == BLACKHOLE
    assert routes[("rt-vnet-db", "10.1.0.0/16")] == BLACKHOLE
    assert routes[("rt-vnet-db", "10.2.0.0/16")] == BLACKHOLE


def test_direct_and_inspected_compile_alike() -> None:
    direct, _ = _compile(_policy([WEB_APP]))
    inspected, _ = _compile(_policy([{**WEB_APP, "inspect": True}]))
    assert direct == inspected


def test_a_segments_own_networks_reach_each_other_through_the_appliance() -> None:
    routes, _ = _compile(_policy([], extra_members={"web": ["vnet-web2"]}))
    assert routes[("rt-vnet-web", "10.4.0.0/16")] == NVA
    assert routes[("rt-vnet-web2", "10.1.0.0/16")] == NVA
    assert routes[("rt-vnet-web", "10.2.0.0/16")] == BLACKHOLE


@pytest.mark.parametrize(
    ("inv", "expected"),
    [
        ({"unpeered": frozenset({"vnet-app"})}, "is not peered with vnet-hub"),
        ({"unusable": frozenset({"vnet-app"})}, "does not allow forwarded traffic"),
    ],
    ids=["not-peered", "no-forwarded-traffic"],
)
def test_a_spoke_the_hub_cannot_reach_gets_no_routes_and_a_warning(
    inv: dict[str, Any], expected: str
) -> None:
    routes, diags = _compile(_policy([WEB_APP]), **inv)
    assert not any(table in ("rt-vnet-app", OWN_APP) for table, _ in routes)
    assert ("rt-vnet-web", "10.2.0.0/16") not in routes
    assert any(expected in d.summary and d.severity is Severity.WARNING for d in diags)


@pytest.mark.parametrize(
    ("firewalls", "expected"),
    [
        (None, "has no inspection section"),
        ([{"zone": "1", "next_hop": "192.168.0.1"}], "is not an address of a subnet of vnet-hub"),
        ([{"zone": "1", "next_hop": NVA, "healthy": False}], "no healthy firewall is left"),
        (
            [{"zone": "1", "next_hop": "10.0.1.4"}, {"zone": "2", "next_hop": "10.0.1.5"}],
            "several NVAs without one internal load balancer in front of them",
        ),
    ],
    ids=["no-inspection", "appliance-elsewhere", "none-healthy", "two-healthy-nvas"],
)
def test_routes_cannot_be_made_without_a_usable_appliance(
    firewalls: list[dict[str, Any]] | None, expected: str
) -> None:
    routes, diags = _compile(_policy([WEB_APP], firewalls=firewalls))
    assert routes == {}
    assert any(expected in d.summary and d.severity is Severity.ERROR for d in diags)


def test_an_unhealthy_appliance_fails_over_to_a_healthy_one() -> None:
    two: list[dict[str, Any]] = [{"zone": "1", "next_hop": "10.0.1.4", "healthy": False},
           {"zone": "2", "next_hop": "10.0.1.5"}]  # fmt: skip
    routes, diags = _compile(_policy([WEB_APP], firewalls=two))
    assert {t for t in routes.values() if t != BLACKHOLE} == {"10.0.1.5"}
    assert any("10.0.1.4 is unhealthy" in d.summary for d in diags)
    # Both healthy: two NVAs used as one, with no load balancer to keep a flow on one of them
    # both ways (issue 15): refused where the policy names them, and nothing is routed.
    both, diags = _compile(_policy([WEB_APP], firewalls=[{**two[0], "healthy": True}, two[1]]))
    assert {t for t in both.values() if t != BLACKHOLE} == set()
    [refused] = [d for d in diags if d.severity is Severity.ERROR]
    assert refused.path.endswith("inspection.firewalls")
    assert "10.0.1.4, 10.0.1.5" in refused.summary


def test_without_rules_between_spokes_only_drops_are_routed() -> None:
    routes, diags = _compile(_policy([], firewalls=None))
    assert set(routes.values()) == {BLACKHOLE}
    assert not [d for d in diags if d.severity is Severity.ERROR]


def test_owned_table_names_fit_azures_limit() -> None:
    name = owned_table_name("policy", "segment", "v" * 100)
    assert len(name) == 80
    assert name != owned_table_name("policy", "segment", "v" * 99)


def _peerings(policy: Policy, **inv: Any) -> dict[tuple[str, str], NetworkPeering]:
    inventory, transit = _inventory(**inv)
    scope = compile_policy(policy, inventory, transit).scopes[SCOPE]
    return {
        (r.network, r.remote): r for r in scope.resources.values() if isinstance(r, NetworkPeering)
    }


def test_peerings_create_makes_both_directions_for_every_member_network() -> None:
    found = _peerings(_policy([WEB_APP], peerings="create"), unpeered=frozenset({"vnet-app"}))
    spokes = sorted(net for net, _ in SPOKES.values())
    assert sorted(found) == sorted(
        [("vnet-hub", s) for s in spokes] + [(s, "vnet-hub") for s in spokes]
    )
    assert (
        found[("vnet-hub", "vnet-app")].name
        == peering_name("t", "vnet-app")
        == "eastwest-t-vnet-app"
    )
    assert found[("vnet-app", "vnet-hub")].name == "eastwest-t-vnet-hub"
    assert all(p.forwarded and p.network_access for p in found.values())


def test_a_spoke_without_a_peering_is_routed_when_eastwest_creates_it() -> None:
    routes, diags = _compile(
        _policy([WEB_APP], peerings="create"), unpeered=frozenset({"vnet-app"})
    )
    assert routes[("rt-vnet-web", "10.2.0.0/16")] == NVA
    assert routes[("rt-vnet-app", "10.1.0.0/16")] == NVA
    assert not any("is not peered" in d.summary for d in diags)


def test_eastwests_own_unusable_peering_is_repaired_so_the_spoke_is_routed() -> None:
    mine = peering_name("t", "vnet-hub")
    routes, diags = _compile(
        _policy([WEB_APP], peerings="create"), unusable=frozenset({"vnet-app"}), peering_name=mine
    )
    assert routes[("rt-vnet-app", "10.1.0.0/16")] == NVA
    assert not any("forwarded traffic" in d.summary for d in diags)


def test_somebody_elses_unusable_peering_still_keeps_the_spoke_unrouted() -> None:
    routes, diags = _compile(
        _policy([WEB_APP], peerings="create"), unusable=frozenset({"vnet-app"})
    )
    assert not any(table in ("rt-vnet-app", OWN_APP) for table, _ in routes)
    assert any("does not allow forwarded traffic" in d.summary for d in diags)


def test_observe_compiles_no_peering() -> None:
    assert _peerings(_policy([WEB_APP]), unpeered=frozenset({"vnet-app"})) == {}
