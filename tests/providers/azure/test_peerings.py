"""Hub-spoke peerings (``hubs[].peerings: create``) end to end against the fake ARM, with a
fifth of calls answered 429.

The landing zone (moto_fixtures/azure/seed.py) already peers vnet-web/app/db with vnet-hub, by
hand (somebody else's peerings). Each test adds vnet-batch (10.5.0.0/16, one subnet without
NSG or route table), peered with nothing: the spoke eastwest is asked to peer. Everything is
read back through azure-mgmt-network, as a console user would.
"""

from __future__ import annotations

from typing import Any

import pytest
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.network.models import Subnet, VirtualNetwork, VirtualNetworkPeering

from moto_fixtures.azure import AzureServer, SeedReport
from orchestrator.apply import apply_plan
from orchestrator.compile import hub_spoke
from orchestrator.compile.membership import resolve_membership
from orchestrator.model.policy import Policy
from orchestrator.paths.check import Member, check_scope
from orchestrator.paths.command import expectations, firewalls
from orchestrator.pipeline import PlanResult, plan_policy
from orchestrator.state import Action, Scope
from orchestrator.state.routes import NetworkPeering
from providers.azure import peerings as pr
from providers.azure.adapter import AzureAdapter
from tests.providers.azure.conftest import RG, SUB, THROTTLED, adapter_for, console, member

REGION = "eastus"
SCOPE = Scope("azure", SUB, REGION)
NVA = "10.0.1.10"
HUB_TO_BATCH = f"{SCOPE}/peerings/vnet-hub/vnet-batch"
BATCH_TO_HUB = f"{SCOPE}/peerings/vnet-batch/vnet-hub"


def _policy(peerings: str = "create") -> Policy:
    account = {"name": "az-prod", "cloud": "azure", "subscription_id": SUB,
               "resource_group": RG, "regions": [REGION]}  # fmt: skip
    inspection = {"vpc": "vnet-hub", "firewalls": [{"zone": "1", "next_hop": NVA}]}
    hub = {"name": "hub", "account": "az-prod", "region": REGION, "transit": "vnet-hub",
           "peerings": peerings, "inspection": inspection}  # fmt: skip
    segments = {"web": "vnet-web", "app": "vnet-app", "batch": "vnet-batch"}
    return Policy.model_validate(
        {
            "version": 1,
            "name": "acme",
            "accounts": [account],
            "hubs": [hub],
            "segments": [{"name": s, "members": [member(v)]} for s, v in segments.items()],
            "rules": [
                {
                    "name": "web-to-batch",
                    "from": "web",
                    "to": "batch",
                    "ports": ["tcp/443"],
                    "inspect": True,
                },
            ],
        }
    )


def _plan(p: Policy, adapter: AzureAdapter) -> PlanResult:
    result = plan_policy(p, lambda _: adapter, lambda _: None)
    assert result.plan is not None, result.diagnostics
    assert not result.failed, result.diagnostics
    return result


def _apply(p: Policy, adapter: AzureAdapter) -> PlanResult:
    result = _plan(p, adapter)
    assert result.plan is not None
    report = apply_plan(result.plan, lambda _: adapter)
    assert report.ok, (report.errors, [r.message for _, r in report.results if not r.ok])
    return result


def _violations(p: Policy, adapter: AzureAdapter) -> list[str]:
    """What ``eastwest paths`` finds wrong in the scope, through the adapter's routing reader."""
    membership = resolve_membership(p, {SCOPE: adapter.inventory(REGION)})
    members = [Member(pl.segment, pl.network, pl.cidrs) for pl in membership.placements
               if pl.scope == SCOPE]  # fmt: skip
    report = check_scope(adapter.routing(SCOPE), members, expectations(p), firewalls(p, SCOPE))
    return [f"{v.source}→{v.destination}: {v.problem}" for pair in report.pairs
            for v in pair.violations]  # fmt: skip


def _peerings(client: NetworkManagementClient, vnet: str) -> dict[str, dict[str, Any]]:
    return {
        str(p.name): p.as_dict()["properties"]
        for p in client.virtual_network_peerings.list(RG, vnet)
    }


def _unowned_peerings(client: NetworkManagementClient) -> dict[tuple[str | None, str], Any]:
    return {
        (v.name, name): body
        for v in client.virtual_networks.list(RG)
        for name, body in _peerings(client, str(v.name)).items()
        if not name.startswith("eastwest-")
    }


def _peering_changes(result: PlanResult) -> list[tuple[Action, str, bool]]:
    assert result.plan is not None
    return sorted(
        (c.action, c.key, c.drift)
        for c in result.plan.changes
        if isinstance(c.resource, NetworkPeering)
    )


@pytest.fixture
def landing(server: AzureServer, seeded: SeedReport) -> SeedReport:
    """The landing zone with the user's NSGs off the spoke subnets (whole VNets are members)
    and vnet-batch, peered with nothing."""
    client = console(server)
    for segment in ("web", "app"):
        subnet = client.subnets.get(RG, f"vnet-{segment}", f"snet-{segment}").as_dict()
        subnet["properties"].pop("networkSecurityGroup")
        client.subnets.begin_create_or_update(
            RG, f"vnet-{segment}", f"snet-{segment}", Subnet(subnet)
        ).result()
    subnets = [{"name": "snet-batch", "properties": {"addressPrefix": "10.5.1.0/24"}}]
    space = {"addressPrefixes": ["10.5.0.0/16"]}
    batch = {"location": REGION, "properties": {"addressSpace": space, "subnets": subnets}}
    client.virtual_networks.begin_create_or_update(RG, "vnet-batch", VirtualNetwork(batch)).result()
    server.control.clear()
    return seeded


@pytest.fixture
def peered(server: AzureServer, landing: SeedReport) -> AzureAdapter:
    server.control.set_faults(THROTTLED)
    adapter = adapter_for(server, "acme")
    _apply(_policy(), adapter)
    return adapter


def test_create_peers_a_new_spoke_both_ways_then_an_empty_plan_and_passing_paths(
    server: AzureServer, landing: SeedReport
) -> None:
    client = console(server)
    adapter = adapter_for(server, "acme")
    before = _unowned_peerings(client)
    assert any("web→batch" in v for v in _violations(_policy(), adapter))  # no way there yet
    server.control.set_faults(THROTTLED)
    first = _apply(_policy(), adapter)
    assert _peering_changes(first) == [
        (Action.CREATE, BATCH_TO_HUB, False),
        (Action.CREATE, HUB_TO_BATCH, False),
    ]
    assert any(c["status"] == 429 for c in server.control.calls())

    for vnet, name in (("vnet-hub", "eastwest-acme-vnet-batch"),
                       ("vnet-batch", "eastwest-acme-vnet-hub")):  # fmt: skip
        found = _peerings(client, vnet)[name]
        assert found["allowForwardedTraffic"] is True
        assert found["allowVirtualNetworkAccess"] is True
        assert found["peeringState"] == "Connected"
    again = _plan(_policy(), adapter)
    assert again.plan is not None
    assert not again.plan.has_changes
    assert _violations(_policy(), adapter) == []
    # The hand-made peerings of web and app are somebody else's: warned about, never written.
    assert _unowned_peerings(client) == before
    warned = [d.summary for d in again.diagnostics]
    assert any("the peering hub-to-web of vnet-hub with vnet-web is not eastwest's" in w
               for w in warned)  # fmt: skip


def test_a_deleted_owned_peering_is_drift_and_restored(
    server: AzureServer, peered: AzureAdapter
) -> None:
    client = console(server)
    client.virtual_network_peerings.begin_delete(
        RG, "vnet-batch", "eastwest-acme-vnet-hub"
    ).result()
    assert any("batch" in v for v in _violations(_policy(), peered))
    result = _apply(_policy(), peered)
    assert _peering_changes(result) == [(Action.CREATE, BATCH_TO_HUB, True)]
    restored = _peerings(client, "vnet-batch")["eastwest-acme-vnet-hub"]
    assert restored["peeringState"] == "Connected"
    again = _plan(_policy(), peered)
    assert again.plan is not None
    assert not again.plan.has_changes
    assert _violations(_policy(), peered) == []


def test_an_unowned_peering_between_the_same_vnets_is_left_alone(
    server: AzureServer, landing: SeedReport
) -> None:
    client = console(server)
    hub_id = client.virtual_networks.get(RG, "vnet-hub").id
    mine = {"properties": {"remoteVirtualNetwork": {"id": hub_id},
                           "allowForwardedTraffic": False}}  # fmt: skip
    client.virtual_network_peerings.begin_create_or_update(
        RG, "vnet-batch", "batch-to-hub", VirtualNetworkPeering(mine)
    ).result()
    before = _unowned_peerings(client)
    server.control.set_faults(THROTTLED)
    adapter = adapter_for(server, "acme")
    result = _apply(_policy(), adapter)
    assert _peering_changes(result) == []  # every wanted peering is held by somebody else's
    assert any(
        "the peering batch-to-hub of vnet-batch with vnet-hub is not eastwest's" in d.summary
        for d in result.diagnostics
    )
    assert _unowned_peerings(client) == before
    assert set(_peerings(client, "vnet-batch")) == {"batch-to-hub"}
    assert not any(n.startswith("eastwest-") for n in _peerings(client, "vnet-hub"))


def test_observe_leaves_peerings_untouched(server: AzureServer, landing: SeedReport) -> None:
    client = console(server)
    before = {v.name: _peerings(client, str(v.name)) for v in client.virtual_networks.list(RG)}
    adapter = adapter_for(server, "acme")
    result = _apply(_policy("observe"), adapter)
    assert _peering_changes(result) == []
    assert any("vnet-batch (segment 'batch') is not peered" in d.summary
               for d in result.diagnostics)  # fmt: skip
    after = {v.name: _peerings(client, str(v.name)) for v in client.virtual_networks.list(RG)}
    assert after == before
    assert not any("peerings-digest" in k for v in client.virtual_networks.list(RG)
                   for k in (v.tags or {}))  # fmt: skip


# -- pure: ARM JSON → neutral peerings ----------------------------------------------------------

_VNETS = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/virtualNetworks"


def _vnet(name: str, *peerings: tuple[str, str, bool]) -> dict[str, Any]:
    return {"name": name, "tags": {"eastwest:peerings-digest:acme": "d1"}, "properties": {
        "virtualNetworkPeerings": [
            {"name": n, "properties": {"remoteVirtualNetwork": {"id": f"{_VNETS}/{remote}"},
                                       "allowVirtualNetworkAccess": True,
                                       "allowForwardedTraffic": forwarded,
                                       "peeringState": "Connected"}}
            for n, remote, forwarded in peerings]}}  # fmt: skip


def test_owned_peerings_are_read_by_name_and_others_are_conflicts() -> None:
    vnets = {
        "vnet-hub": _vnet(
            "vnet-hub",
            ("eastwest-acme-vnet-batch", "vnet-batch", False),
            ("hub-to-web", "vnet-web", True),
        ),
        "vnet-batch": _vnet("vnet-batch"),
        "vnet-web": _vnet("vnet-web", ("eastwest-acme-prod-vnet-hub", "vnet-hub", True)),
    }
    found = pr.observed_peerings(SCOPE, "acme", vnets.values())
    assert found == [(NetworkPeering(HUB_TO_BATCH, SCOPE, "vnet-hub", "vnet-batch",
                                     "eastwest-acme-vnet-batch", forwarded=False),
                      "eastwest-acme-vnet-batch")]  # fmt: skip
    wanted = [
        NetworkPeering(f"{SCOPE}/peerings/vnet-web/vnet-hub", SCOPE, "vnet-web", "vnet-hub", "x"),
        NetworkPeering(HUB_TO_BATCH, SCOPE, "vnet-hub", "vnet-batch", "eastwest-acme-vnet-batch"),
    ]
    assert pr.foreign_peerings(vnets, "acme", wanted) == {
        f"{SCOPE}/peerings/vnet-web/vnet-hub": "the peering hub-to-web of vnet-hub with vnet-web"
    }
    assert pr.applied_digests(SCOPE, "acme", vnets.values())[f"{SCOPE}/peerings/vnet-hub"] == "d1"


def test_the_compiler_and_the_adapter_agree_on_peering_names() -> None:
    for remote in ("vnet-hub", "v" * 90):
        remote_id = {"id": f"/x/virtualNetworks/{remote}"}
        named = {
            "name": hub_spoke.peering_name("acme", remote),
            "properties": {"remoteVirtualNetwork": remote_id},
        }
        assert pr.is_owned(named, "acme")
