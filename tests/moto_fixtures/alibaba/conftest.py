"""Shared fixtures for the fake Alibaba endpoint.

- ``alibaba`` (function): a fresh server, no async delay, stopped after the test.
- ``seeded`` (function): ``alibaba`` plus ``seed_alibaba``; yields ``(server, SeedReport)``
  with the call log emptied, so it holds only what the test itself does.
- ``acs`` (function): the real ``AcsClient`` signing with the fake's keys, proxies off.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from moto_fixtures.alibaba.clients import acs_client
from moto_fixtures.alibaba.seed import SeedReport, seed_alibaba
from moto_fixtures.alibaba.server import AlibabaServer, start_alibaba_server


@pytest.fixture
def alibaba() -> Iterator[AlibabaServer]:
    with start_alibaba_server() as server:
        yield server


@pytest.fixture
def seeded(alibaba: AlibabaServer) -> tuple[AlibabaServer, SeedReport]:
    report = seed_alibaba(alibaba)
    alibaba.calls.clear()
    return alibaba, report


@pytest.fixture
def acs(alibaba: AlibabaServer) -> Any:
    return acs_client(alibaba)
