"""A seeded fake ARM per test, the Azure adapter pointed at it, and helpers to look at it as a
console user would (through the real SDK, not through eastwest)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from azure.mgmt.network import NetworkManagementClient

from moto_fixtures.azure import (
    AzureServer,
    Faults,
    SeedReport,
    fake_credential,
    seed_azure,
    start_azure_server,
)
from orchestrator.model.policy import Policy
from orchestrator.state import Target
from providers.azure.adapter import AzureAdapter, make_azure_adapter
from providers.azure.session import FAST

SUB = "00000000-0000-0000-0000-000000000001"
RG = "rg-net"
REGION = "eastus"
THROTTLED = Faults(throttle=0.2, retry_after=0, seed=5)  # a fifth of calls answered 429


def console(server: AzureServer) -> NetworkManagementClient:
    return NetworkManagementClient(
        fake_credential(), SUB, base_url=server.url, connection_verify=server.ca_bundle,
        polling_interval=0, retry_total=20, retry_status=20, retry_backoff_factor=0.01,
    )  # fmt: skip


def sandbox_of(server: AzureServer) -> dict[str, Any]:
    return {"azure": {"endpoint_url": server.url, "ca_bundle": server.ca_bundle}}


def adapter_for(server: AzureServer, policy: str) -> AzureAdapter:
    target = Target("azure", SUB, "az-prod", None, RG)
    return make_azure_adapter(target, policy=policy, sandbox=sandbox_of(server), tuning=FAST)


def policy(name: str, segments: list[dict[str, Any]], rules: list[dict[str, Any]]) -> Policy:
    account = {"name": "az-prod", "cloud": "azure", "subscription_id": SUB,
               "resource_group": RG, "regions": [REGION]}  # fmt: skip
    return Policy.model_validate(
        {"version": 1, "name": name, "accounts": [account], "segments": segments, "rules": rules}
    )


def member(vnet: str, *subnets: str) -> dict[str, Any]:
    found: dict[str, Any] = {"account": "az-prod", "region": REGION, "vnet": vnet}
    if subnets:
        found["subnets"] = list(subnets)
    return found


def unowned_snapshot(client: NetworkManagementClient) -> dict[str, Any]:
    """Every NSG and VNet eastwest does not own, as ARM answers it (etags included: a write
    that changed nothing would still change the etag)."""
    nsgs = {
        n.name: n.as_dict()
        for n in client.network_security_groups.list(RG)
        if (n.tags or {}).get("eastwest:managed") != "true"
    }
    for body in nsgs.values():
        body["properties"].pop("subnets", None)  # back-references: a member subnet may move
    return {"nsgs": nsgs}


@pytest.fixture
def server() -> Iterator[AzureServer]:
    with start_azure_server(retry_after=0, page_size=4) as running:
        yield running


@pytest.fixture
def seeded(server: AzureServer) -> SeedReport:
    report = seed_azure(server)  # snet-<segment>-2: the NSG-free subnets policies can manage
    server.control.clear()
    return report
