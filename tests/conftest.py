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
- ``hand_edit`` (function): ``hand_edit(edit)`` makes a test's own console edit of an unowned
  object (a DBA's) so that the guard below does not count it as eastwest's.

Every other test that uses a fake (``aws_endpoint`` and what builds on it, ``sandbox_dir``),
outside the fakes' own tests, is guarded too (``pytest_runtest_call`` below): the fake is
snapshotted once the test's fixtures are set up and compared when the test body ends, so the
ownership rule holds over the whole suite.

Under pytest-xdist (``make test`` runs 2 workers, docs/testing.md) each worker is a session of
its own: its own server, daemon and PostgreSQL on free ports in its own temporary directory, and
its own guard; the guard's cost is sent to the controller, which reports the sum. Every sandbox
daemon a worker starts watches the worker's pid and stops when it dies (moto_fixtures/daemon.py),
even when no teardown runs.
"""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Callable, Generator, Iterator
from dataclasses import astuple
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from moto_fixtures.aws import clients as aws_clients
from moto_fixtures.aws.calls import PATH as CALLS_PATH
from moto_fixtures.aws.landing_zone import ACCOUNT_ID, REGION
from moto_fixtures.aws.seed import SeedReport, seed_landing_zone
from moto_fixtures.daemon import WATCH_PID_ENV
from moto_fixtures.sandbox import load_sandbox, sandbox_down, sandbox_up
from tests.hand_edits import ARMED, install_hand_edit_hooks
from tests.ownership import COST, OwnershipGuard

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


# -- ownership over the whole suite -------------------------------------------------------------

GUARD = pytest.StashKey[OwnershipGuard]()
FAKES_TESTS = Path(__file__).parent / "moto_fixtures"


def _guard_for(item: pytest.Item) -> OwnershipGuard | None:
    """A guard on the fake the test uses (the daemon's three clouds before the in-process AWS),
    or None: no fake, or the test holds the ``unowned`` guard itself."""
    args: dict[str, Any] = getattr(item, "funcargs", {})
    # The fakes' own tests (tests/moto_fixtures) write to them directly: that is what they test.
    if "unowned" in args or item.path.is_relative_to(FAKES_TESTS):
        return None
    if "sandbox_dir" in args:
        return OwnershipGuard(load_sandbox(args["sandbox_dir"]))
    if "aws_endpoint" in args:
        # The in-process server: eastwest reaches it from this process only.
        sandbox = {"aws": {"endpoint_url": args["aws_endpoint"], **FAKE_KEYS}}
        return OwnershipGuard(sandbox, lazy=True)
    return None


def pytest_configure(config: pytest.Config) -> None:
    install_hand_edit_hooks()
    # Inherited by every daemon this process starts, through `eastwest sandbox up` too.
    os.environ[WATCH_PID_ENV] = str(os.getpid())


GUARD_COST = "ownership_guard_cost"  # the key of an xdist worker's output to the controller


def pytest_sessionfinish(session: pytest.Session) -> None:
    output = getattr(session.config, "workeroutput", None)
    if output is not None:  # an xdist worker: the controller reports
        output[GUARD_COST] = astuple(COST)


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node: Any, error: object) -> None:
    """xdist's controller, as each worker ends: the worker's guard cost added to the report."""
    cost = getattr(node, "workeroutput", {}).get(GUARD_COST)
    if cost is not None:
        COST.add(*cost)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if COST.tests:
        terminalreporter.write_line(
            f"ownership guard: {COST.tests} tests, {COST.snapshots} snapshots, "
            f"{COST.seconds:.1f} s of snapshots"
        )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    guard = _guard_for(item)
    if guard is None:
        return (yield)
    item.stash[GUARD] = guard
    ARMED.guard = guard
    try:
        result = yield
    finally:
        ARMED.guard = None
    guard.check()
    return result


@pytest.fixture
def hand_edit(request: pytest.FixtureRequest) -> Callable[[Callable[[], object]], None]:
    def edit(change: Callable[[], object]) -> None:
        guard = request.node.stash.get(GUARD, None)
        if guard is None:
            change()
        else:
            guard.hand_edit(change)

    return edit


@pytest.fixture
def panos_server() -> Iterator[PanosServer]:
    from moto_fixtures.panos import start_panos_server

    with start_panos_server() as server:
        server.device.faults.commit_seconds = 0.05
        yield server


@pytest.fixture
def panorama_server() -> Iterator[PanosServer]:
    """A fake Panorama: device group ``hub`` with two firewalls, ``branch`` with one."""
    from moto_fixtures.panos import start_panos_server

    groups = {"hub": ["007951000000011", "007951000000012"], "branch": ["007951000000013"]}
    with start_panos_server(hostname="Panorama-test", groups=groups) as server:
        server.device.faults.commit_seconds = 0.05
        yield server
