"""The Azure access check's NIC list is the resource group's, not a region's: the adapter's region
scopes of one subscription and resource group share one list (``RegionReads.account``), under the
rules every shared read keeps (providers/core/reads.py): a region never judges the same answer
twice, a write to any scope drops it, and a NIC the shared answer missed is judged by the next
judgement of its region. On the fake ARM, with a second VNet and NIC in ``westus``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from azure.mgmt.network.models import NetworkInterface, VirtualNetwork

from moto_fixtures.azure import AzureServer, SeedReport
from orchestrator.state import Scope, Step
from providers.azure.adapter import AzureAdapter
from tests.providers.azure.conftest import RG, SUB, adapter_for, console

EAST, WEST = Scope("azure", SUB, "eastus"), Scope("azure", SUB, "westus")
WEST_NET = "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.Network/virtualNetworks"


def _add_west_nic(server: AzureServer, name: str, address: str) -> None:
    client = console(server)
    if not any(v.name == "vnet-west" for v in client.virtual_networks.list(RG)):
        body = {
            "location": "westus",
            "properties": {
                "addressSpace": {"addressPrefixes": ["10.90.0.0/16"]},
                "subnets": [{"name": "snet-west", "properties": {"addressPrefix": "10.90.1.0/24"}}],
            },
        }
        client.virtual_networks.begin_create_or_update(
            RG, "vnet-west", VirtualNetwork(body)).result()  # fmt: skip
    subnet = f"{WEST_NET.format(sub=SUB, rg=RG)}/vnet-west/subnets/snet-west"
    config = {
        "name": "ipconfig1",
        "properties": {
            "subnet": {"id": subnet},
            "privateIPAddress": address,
            "privateIPAllocationMethod": "Static",
            "primary": True,
        },
    }
    body = {"location": "westus", "properties": {"ipConfigurations": [config]}}
    client.network_interfaces.begin_create_or_update(
        RG, name, NetworkInterface(body)).result()  # fmt: skip


@dataclass(frozen=True)
class West:
    """The seeded fake with ``vnet-west`` and ``nic-west-1``; ``pages``: GETs one NIC list
    costs (the fake pages lists by 4)."""

    server: AzureServer
    pages: int

    def lists(self) -> float:
        """Whole NIC lists read since the last ``clear``."""
        return _nic_gets(self.server) / self.pages

    def clear(self) -> None:
        self.server.control.clear()


def _nic_gets(server: AzureServer) -> int:
    return sum(
        1
        for c in server.control.calls()
        if c["method"] == "GET" and c["path"].endswith("/networkInterfaces")
    )


def _west_nics(ad: AzureAdapter) -> set[str]:
    return {w.id for w in ad.access(WEST).workloads}


@pytest.fixture
def west(server: AzureServer, seeded: SeedReport) -> West:
    _add_west_nic(server, "nic-west-1", "10.90.1.4")
    server.control.clear()
    list(console(server).network_interfaces.list(RG))
    pages = _nic_gets(server)
    server.control.clear()
    return West(server, pages)


def test_two_regions_share_one_list_and_each_judges_its_own_nics(west: West) -> None:
    ad = adapter_for(west.server, "az-regions")
    east = {w.id for w in ad.access(EAST, frozenset({"vnet-web", "vnet-db"})).workloads}
    assert _west_nics(ad) == {"nic-west-1"}
    assert west.lists() == 1
    assert east
    assert "nic-west-1" not in east


def _again(ad: AzureAdapter) -> None:
    ad.access(EAST)


def _write_west(ad: AzureAdapter) -> None:
    ad.apply(WEST, Step.ADD_RULES, [], {})


def _record_west(ad: AzureAdapter) -> None:
    ad.record_applied(WEST, {}, {})


@pytest.mark.parametrize(
    ("between", "lists"),
    [
        pytest.param(lambda ad: None, 1, id="nothing-between: shared"),
        pytest.param(_again, 2, id="the-same-region-again: read again, then shared"),
        pytest.param(_write_west, 2, id="a-write-in-the-other-region: read again"),
        pytest.param(_record_west, 2, id="recording-applied-rules: read again"),
    ],
)
def test_a_shared_list_is_never_judged_twice_by_one_region_nor_after_a_write(
    west: West, between: Callable[[AzureAdapter], object], lists: int
) -> None:
    ad = adapter_for(west.server, "az-regions")
    ad.access(EAST)
    between(ad)
    ad.access(WEST)
    assert west.lists() == lists


def test_a_nic_the_shared_list_missed_is_judged_by_its_regions_next_judgement(
    west: West,
) -> None:
    ad = adapter_for(west.server, "az-regions")
    ad.access(EAST)
    _add_west_nic(west.server, "nic-west-2", "10.90.1.5")
    assert _west_nics(ad) == {"nic-west-1"}  # the east judgement's list: the window
    assert _west_nics(ad) == {"nic-west-1", "nic-west-2"}
