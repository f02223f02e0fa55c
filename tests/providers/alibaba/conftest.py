"""Fixtures for the Alibaba adapter: the fake endpoint, seeded, made slow and unreliable.

- ``cloud`` (function): a seeded fake with CBN async delays on; a fifth of all calls are then
  answered ``Throttling.User`` (the faults are switched on after seeding).
- ``sent``: every request the adapter sends, as (version, action, parameters), one per attempt;
  each action must be in ``eastwest permissions``' RAM table (checked when the test ends).
- ``adapter``: the adapter under test over the real SDK, with a fast ``Backoff`` whose sleeps are
  counted in ``sleeps``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from moto_fixtures.alibaba.seed import SeedReport, seed_alibaba
from moto_fixtures.alibaba.server import AlibabaServer, start_alibaba_server
from orchestrator.model.loader import load_policy
from orchestrator.model.policy import Policy
from orchestrator.permissions import ALIBABA
from orchestrator.state import Target
from providers.alibaba.adapter import AlibabaAdapter, make_alibaba_adapter
from providers.alibaba.retry import Backoff
from providers.alibaba.session import sandbox_api
from tests.providers.alibaba.cloud import ACCOUNT

POLICIES = Path(__file__).resolve().parents[2] / "fixtures" / "policies" / "alibaba"
THROTTLE = 0.2
ASYNC_DELAY = 0.3

Sent = list[tuple[str, str, dict[str, str]]]


@pytest.fixture
def cloud() -> Iterator[tuple[AlibabaServer, SeedReport]]:
    with start_alibaba_server(async_delay=ASYNC_DELAY) as server:
        report = seed_alibaba(server)
        server.faults.set({"throttle": THROTTLE})
        server.calls.clear()
        yield server, report


@pytest.fixture
def server(cloud: tuple[AlibabaServer, SeedReport]) -> AlibabaServer:
    return cloud[0]


def sandbox_of(server: AlibabaServer) -> dict[str, Any]:
    return {
        "alibaba": {
            "endpoint_url": server.url,
            "access_key_id": server.access_key_id,
            "access_key_secret": server.access_key_secret,
        }
    }


@pytest.fixture
def sent() -> Iterator[Sent]:
    """What the adapter sent; at the end, every action must be one ``eastwest permissions``
    can grant (a new call missing from the RAM table fails the test that makes it)."""
    log: Sent = []
    yield log
    granted = {a.split(":", 1)[1] for table in ALIBABA.values() for a in table}
    assert {action for _, action, _ in log} - granted == set()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def adapter(server: AlibabaServer, sent: Sent, sleeps: list[float]) -> AlibabaAdapter:
    return adapter_for(server, "ali-test", sent, sleeps)


def adapter_for(
    server: AlibabaServer,
    policy: str,
    sent: Sent,
    sleeps: list[float],
    account: str = ACCOUNT,
    *,
    attempts: int = 12,
) -> AlibabaAdapter:
    def record(version: str, action: str, params: Mapping[str, str]) -> None:
        sent.append((version, action, dict(params)))

    backoff = Backoff(base_s=0.002, cap_s=0.02, attempts=attempts, sleep=_counted(sleeps))
    api = sandbox_api(sandbox_of(server), backoff=backoff, on_request=record)
    target = Target("alibaba", account, "ali-sandbox")
    return make_alibaba_adapter(target, policy=policy, sandbox=None, api=api)


def _counted(sleeps: list[float]) -> Any:
    import time

    def sleep(seconds: float) -> None:
        sleeps.append(seconds)
        time.sleep(seconds)

    return sleep


def policy(name: str = "seeded.yaml") -> Policy:
    return load_policy([POLICIES / name]).policy
