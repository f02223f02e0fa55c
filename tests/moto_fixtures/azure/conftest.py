"""One fake ARM per test module, driven through the real NetworkManagementClient."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from azure.mgmt.network import NetworkManagementClient

from moto_fixtures.azure import AzureServer, fake_credential, start_azure_server

SUB = "00000000-0000-0000-0000-000000000001"
RG = "rg-net"


def client_for(server: AzureServer, **kwargs: Any) -> NetworkManagementClient:
    options: dict[str, Any] = {
        "polling_interval": 0,
        "retry_total": 3,
        "retry_backoff_factor": 0.01,
    }
    options.update(kwargs)
    return NetworkManagementClient(
        fake_credential(), SUB, base_url=server.url, connection_verify=server.ca_bundle, **options
    )


@pytest.fixture(scope="module")
def server() -> Iterator[AzureServer]:
    with start_azure_server(retry_after=0, page_size=3) as running:
        yield running


@pytest.fixture
def client(server: AzureServer) -> NetworkManagementClient:
    return client_for(server)
