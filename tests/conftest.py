"""Shared fixtures: one local AWS (patched moto server) per test session.

- ``aws_server`` (session): the in-process server, stopped at the end of the session.
- ``aws_endpoint`` (function): its URL, after moto was reset and the call log emptied, so every
  test starts from an empty cloud.
- ``seeded_aws`` (function): ``aws_endpoint`` plus the landing zone of
  ``moto_fixtures.aws.seed``; yields the ``SeedReport``. The call log is emptied after seeding,
  so it holds only what the test itself does.
- ``ec2_client`` (function): a factory ``ec2_client(account="111111111111", region=…)`` of
  boto3 EC2 clients aimed at ``aws_endpoint`` with the account header set on ``before-send``.
- ``panos_server`` (function): a fresh fake PAN-OS firewall (``moto_fixtures.panos``), its
  commits taking 50 ms.
- ``aws_calls`` (function): ``aws_calls()`` returns the calls recorded so far as
  ``[{"account": …, "action": …}]``, read over HTTP like any client would.
- ``unowned`` (function): ``sandbox_dir`` plus an ``OwnershipGuard`` (``tests/ownership.py``)
  holding a snapshot of everything eastwest does not own in the three clouds, taken before the
  test and compared with the clouds when it ends (DESIGN.md rule 1).
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from moto_fixtures.aws import clients as aws_clients
from moto_fixtures.aws.calls import PATH as CALLS_PATH
from moto_fixtures.aws.landing_zone import ACCOUNT_ID, REGION
from moto_fixtures.aws.seed import SeedReport, seed_landing_zone
from moto_fixtures.sandbox import load_sandbox, sandbox_down, sandbox_up
from tests.ownership import OwnershipGuard

if TYPE_CHECKING:
    from mypy_boto3_ec2.client import EC2Client

    from moto_fixtures.aws.server import AwsServer
    from moto_fixtures.panos import PanosServer


def _request(url: str, method: str) -> bytes:
    with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=10) as resp:
        body: bytes = resp.read()
    return body


@pytest.fixture(scope="session")
def aws_server() -> Iterator[AwsServer]:
    # Imported here: moto takes a second or two to import, and most tests never need it.
    from moto_fixtures.aws.server import start_aws_server

    server = start_aws_server()
    yield server
    server.stop()


@pytest.fixture
def aws_endpoint(aws_server: AwsServer) -> str:
    _request(f"{aws_server.url}/moto-api/reset", "POST")
    _request(f"{aws_server.url}{CALLS_PATH}", "DELETE")
    return aws_server.url


@pytest.fixture
def seeded_aws(aws_endpoint: str) -> SeedReport:
    report = seed_landing_zone(aws_endpoint)
    _request(f"{aws_endpoint}{CALLS_PATH}", "DELETE")
    return report


@pytest.fixture
def ec2_client(aws_endpoint: str) -> Callable[..., EC2Client]:
    def make(account: str = ACCOUNT_ID, region: str = REGION, **kwargs: Any) -> EC2Client:
        return aws_clients.ec2_client(aws_endpoint, account, region, **kwargs)

    return make


@pytest.fixture
def aws_calls(aws_endpoint: str) -> Callable[[], list[dict[str, str]]]:
    def calls() -> list[dict[str, str]]:
        loaded: list[dict[str, str]] = json.loads(_request(f"{aws_endpoint}{CALLS_PATH}", "GET"))
        return loaded

    return calls


# -- the sandbox as users run it ------------------------------------------------------------
# ``sandbox`` points adapters at the in-process server above (reset per test). ``sandbox_dir``
# is a real ``eastwest sandbox up`` daemon with all three fakes (one per session; AWS reset and
# re-seeded per test, Alibaba and Azure whenever the previous test used them), for CLI and
# subprocess tests that go through ``--sandbox DIR`` exactly as a user does.

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
    state = load_sandbox(live_sandbox)
    # Alibaba and Azure are restarted and re-seeded by the daemon only when a test used them
    # (their call logs are not empty), so AWS-only tests pay one local request for it.
    request = urllib.request.Request(state["control_url"] + "/_eastwest/reset", method="POST")
    with urllib.request.urlopen(request, timeout=30):
        pass
    endpoint = state["aws"]["endpoint_url"]
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


@pytest.fixture
def unowned(sandbox_dir: Path) -> Iterator[OwnershipGuard]:
    # On the session's daemon, freshly reset: one snapshot before and one after (SDK reads).
    guard = OwnershipGuard(load_sandbox(sandbox_dir))
    yield guard
    guard.check()


@pytest.fixture
def panos_server() -> Iterator[PanosServer]:
    from moto_fixtures.panos import start_panos_server

    with start_panos_server() as server:
        server.device.faults.commit_seconds = 0.05
        yield server
