"""The internal load balancer's backend health as Azure's word on a hub firewall, on the seeded
hub (lb-nva before the NVAs 10.0.1.4 and .5, frontend 10.0.1.10, rule ha-ports), read through
``providers.health.health_checker`` as ``eastwest run --firewall-probes cloud`` builds it. A
backend is made unhealthy as its probe would see it (the fake's probe results) or by its
operator (``adminState`` on an IP-based pool, written through the SDK)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.network.models import (
    LoadBalancerBackendAddress,
    LoadBalancerBackendAddressPropertiesFormat,
    SubResource,
)

from moto_fixtures.azure import AzureServer, SeedReport
from moto_fixtures.azure.seed import LB_NAME, LB_POOL, LB_RULE
from orchestrator.state import Target
from providers.azure.health import LoadBalancerHealth
from providers.azure.session import FAST, sandbox_clients
from providers.health import health_checker
from tests.providers.azure.conftest import RG, SUB, console, sandbox_of

NVA_1, NVA_2, FRONTEND = "10.0.1.4", "10.0.1.5", "10.0.1.10"
LB = f"load balancer {LB_NAME}"


def _probe(server: AzureServer, hop: str, region: str = "eastus") -> tuple[bool, str]:
    checker = health_checker(Target("azure", SUB, "az", None, RG), sandbox=sandbox_of(server))
    return checker.probe(region, "1", hop)


def _nothing(server: AzureServer) -> None:
    del server


def _fails(*addresses: str) -> Callable[[AzureServer], None]:
    def edit(server: AzureServer) -> None:
        for address in addresses:
            server.store.probe_results[address] = "Down_Probe_Failure"

    return edit


def _ip_pool_admin_down(server: AzureServer) -> None:
    """The pool rewritten IP-based, as an operator may, with NVA 1 taken out by adminState."""
    client = console(server)
    nics = client.network_interfaces
    for name in ("nic-nva-1", "nic-nva-2"):
        nic = nics.get(RG, name)
        nic.ip_configurations[0].load_balancer_backend_address_pools = []
        nics.begin_create_or_update(RG, name, nic).result()
    vnet = client.virtual_networks.get(RG, "vnet-hub").id
    pool = client.load_balancer_backend_address_pools.get(RG, LB_NAME, LB_POOL)
    pool.load_balancer_backend_addresses = [
        LoadBalancerBackendAddress(
            name=f"nva-{n}",
            properties=LoadBalancerBackendAddressPropertiesFormat(
                ip_address=ip, virtual_network=SubResource(id=vnet), admin_state=state
            ),
        )
        for n, (ip, state) in enumerate([(NVA_1, "Down"), (NVA_2, "None")], start=1)
    ]
    client.load_balancer_backend_address_pools.begin_create_or_update(
        RG, LB_NAME, LB_POOL, pool
    ).result()


CASES: list[tuple[str, Callable[[AzureServer], None], str, bool, str]] = [
    ("backend-up", _nothing, NVA_1, True,
     f"{LB}, backend {NVA_1}: rule {LB_RULE}: Up Up_Probe_Success"),
    ("backend-probe-failed", _fails(NVA_1), NVA_1, False,
     f"{LB}, backend {NVA_1}: rule {LB_RULE}: Down Down_Probe_Failure"),
    ("other-backend-failed", _fails(NVA_2), NVA_1, True, f"{LB}, backend {NVA_1}: rule"),
    ("admin-down", _ip_pool_admin_down, NVA_1, False,
     f"{LB}, backend {NVA_1}: rule {LB_RULE}: Down Down_Admin"),
    ("admin-none-ip-pool", _ip_pool_admin_down, NVA_2, True,
     f"{LB}, backend {NVA_2}: rule {LB_RULE}: Up"),
    ("frontend-one-up", _fails(NVA_1), FRONTEND, True,
     f"{LB}, frontend {FRONTEND}: rule {LB_RULE}: 1 of 2 backends up"),
    ("frontend-none-up", _fails(NVA_1, NVA_2), FRONTEND, False,
     f"{LB}, frontend {FRONTEND}: rule {LB_RULE}: 0 of 2 backends up"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "edit", "hop", "up", "said"), CASES, ids=[c[0] for c in CASES])
def test_load_balancer_backend_health(  # noqa: PLR0917 - fixtures and one table row
    server: AzureServer,
    seeded: SeedReport,
    name: str,
    edit: Callable[[AzureServer], None],
    hop: str,
    up: bool,
    said: str,
) -> None:
    edit(server)
    found = _probe(server, hop)
    assert found[0] is up, found
    assert found[1].startswith(said), found


@pytest.mark.parametrize(
    ("hop", "region", "said"),
    [
        ("10.0.1.99", "eastus", "10.0.1.99 is in no internal load balancer of rg-net in eastus"),
        (NVA_1, "westeurope", f"{NVA_1} is in no internal load balancer of rg-net in westeurope"),
        ("nic-nva-1", "eastus", "nic-nva-1 is not an address: no load balancer health to read"),
    ],
    ids=["unknown-address", "other-region", "not-an-address"],
)
def test_what_no_load_balancer_answers_for_is_down(
    server: AzureServer, seeded: SeedReport, hop: str, region: str, said: str
) -> None:
    assert _probe(server, hop, region) == (False, said)


def test_a_read_that_fails_is_down(server: AzureServer, seeded: SeedReport) -> None:
    server.control.set_faults(server.control.faults.updated({"server_error": 1.0}))
    # Retried as in production, with test waits (the product's would take a minute).
    checker = LoadBalancerHealth(sandbox_clients(sandbox_of(server), SUB, FAST), RG)
    up, said = checker.probe("eastus", "1", NVA_1)
    assert not up
    assert said.startswith(f"load balancer health of {NVA_1} unreadable: ")


def test_the_probe_reads_only(server: AzureServer, seeded: SeedReport) -> None:
    server.control.clear()
    _probe(server, NVA_1)
    calls: list[dict[str, Any]] = server.control.calls()
    methods = {(c["method"], c["path"].rsplit("/", 1)[-1]) for c in calls}
    assert methods <= {("GET", "loadBalancers"), ("POST", "health")} | {
        ("GET", c["path"].rsplit("/", 1)[-1]) for c in calls if "/locations/" in c["path"]
    }
    assert ("POST", "health") in methods


def test_the_console_sees_the_same_health(server: AzureServer, seeded: SeedReport) -> None:
    """The fake's answer read through the SDK directly, not through eastwest."""
    server.store.probe_results[NVA_2] = "Down_Probe_Failure"
    client: NetworkManagementClient = console(server)
    health = client.load_balancer_load_balancing_rules.begin_health(RG, LB_NAME, LB_RULE).result()
    addresses = health.load_balancer_backend_addresses or []
    rows = {r.ip_address: (r.state, r.reason) for r in addresses}
    assert (health.up, health.down) == (1, 1)
    assert rows == {NVA_1: ("Up", "Up_Probe_Success"), NVA_2: ("Down", "Down_Probe_Failure")}
