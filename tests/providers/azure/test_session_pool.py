"""One client, a subscription's regions side by side: every connection is kept for the next call.

The real ``NetworkManagementClient`` against the fake ARM, each call held 0.3 s by the fake's
latency so that they overlap; with requests' default pool of 10, the connections past the tenth
were closed on their return (urllib3: "Connection pool is full").
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator

import pytest

from moto_fixtures.azure import AzureServer, Faults, start_azure_server
from orchestrator.fanout import SCOPE_WORKERS
from providers.azure.session import POOL_CONNECTIONS, sandbox_clients
from tests.providers.azure.conftest import RG, SUB, sandbox_of

AT_ONCE = 16  # more than requests' default pool of 10


@pytest.fixture
def slow_server() -> Iterator[AzureServer]:
    with start_azure_server(retry_after=0, faults=Faults(latency=0.3)) as running:
        yield running


def test_calls_at_once_keep_every_connection(
    slow_server: AzureServer, caplog: pytest.LogCaptureFixture
) -> None:
    network = sandbox_clients(sandbox_of(slow_server), SUB).network()
    start = threading.Barrier(AT_ONCE)
    failures: list[BaseException] = []

    def read() -> None:
        start.wait()
        try:
            list(network.network_security_groups.list(RG))
        except BaseException as exc:  # noqa: BLE001 - reported below, with the others
            failures.append(exc)

    with caplog.at_level(logging.WARNING, logger="urllib3.connectionpool"):
        threads = [threading.Thread(target=read) for _ in range(AT_ONCE)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert failures == []
    assert [r.getMessage() for r in caplog.records if "pool is full" in r.getMessage()] == []


def test_the_pool_holds_every_scope_read_at_once() -> None:
    assert POOL_CONNECTIONS >= SCOPE_WORKERS
