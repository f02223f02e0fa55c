"""Fixtures for the AWS adapter and the CLI against the local moto server.

``sandbox`` points adapters at the in-process server of tests/conftest.py (reset per test).
``sandbox_dir`` is a real ``eastwest sandbox up`` daemon (one per session, reset and re-seeded
per test), for CLI tests that go through ``--sandbox DIR`` exactly as a user does.
"""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from moto_fixtures.aws.seed import seed_landing_zone
from moto_fixtures.sandbox import load_sandbox, sandbox_down, sandbox_up

FAKE_KEYS = {"access_key_id": "AKIAEASTWESTTESTS", "secret_access_key": "not-a-secret"}


@pytest.fixture
def sandbox(aws_endpoint: str) -> dict[str, Any]:
    return {"aws": {"endpoint_url": aws_endpoint, **FAKE_KEYS}}


@pytest.fixture(scope="session")
def live_sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    directory = tmp_path_factory.mktemp("sandbox")
    sandbox_up(directory)
    yield directory
    sandbox_down(directory)


@pytest.fixture
def sandbox_dir(live_sandbox: Path) -> Path:
    endpoint = load_sandbox(live_sandbox)["aws"]["endpoint_url"]
    for path, method in (("/moto-api/reset", "POST"), ("/_eastwest/calls", "DELETE")):
        request = urllib.request.Request(endpoint + path, method=method)
        with urllib.request.urlopen(request, timeout=10):
            pass
    seed_landing_zone(endpoint)
    with urllib.request.urlopen(
        urllib.request.Request(endpoint + "/_eastwest/calls", method="DELETE"), timeout=10
    ):
        pass
    return live_sandbox
