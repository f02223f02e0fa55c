"""The whole-suite ownership guard (``pytest_runtest_call`` in tests/conftest.py) can fail: a
write eastwest's own client makes to a group eastwest does not own fails the test, while the
same write made by the test's console client is a hand edit and does not.

The guard is driven here as pytest drives it (a hook wrapper around the test body), against a
fake of its own, so the session's guard on ``aws_endpoint`` does not see these writes."""

from __future__ import annotations

import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from moto_fixtures.aws import console
from moto_fixtures.aws.landing_zone import ACCOUNT_ID, REGION
from moto_fixtures.aws.seed import seed_landing_zone
from providers.aws.session import sandbox_clients
from tests import conftest, hand_edits

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

pytestmark = pytest.mark.sandbox

HAND_MADE = "legacy-admin"  # a group of the landing zone with rules of its own
Write = Callable[["EC2Client", str], object]


class _Item:
    """What the hook reads of a pytest item."""

    def __init__(self, endpoint: str) -> None:
        self.funcargs = {"aws_endpoint": endpoint}
        self.path = Path(__file__)
        self.stash = pytest.Stash()


@pytest.fixture(scope="module")
def own_server() -> Iterator[str]:
    from moto_fixtures.aws.server import start_aws_server

    server = start_aws_server()
    yield server.url
    server.stop()


@pytest.fixture
def own_aws(own_server: str) -> str:
    request = urllib.request.Request(f"{own_server}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=10):
        pass
    seed_landing_zone(own_server)
    return own_server


def _revoke_ingress(ec2: EC2Client, group: str) -> None:
    rules = ec2.describe_security_groups(GroupIds=[group])["SecurityGroups"][0]
    ec2.revoke_security_group_ingress(GroupId=group, IpPermissions=[rules["IpPermissions"][0]])


def _authorize(ec2: EC2Client, group: str) -> None:
    permission: Any = {"IpProtocol": "tcp", "FromPort": 25, "ToPort": 25}
    permission["IpRanges"] = [{"CidrIp": "192.0.2.25/32"}]
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[permission])


def _clients(endpoint: str) -> tuple[EC2Client, EC2Client]:
    sandbox = {"aws": {"endpoint_url": endpoint, **conftest.FAKE_KEYS}}
    return sandbox_clients(sandbox, ACCOUNT_ID).ec2(REGION), console.sandbox_ec2(
        sandbox, ACCOUNT_ID
    )


@pytest.mark.parametrize(
    ("writes", "fires"),
    [
        pytest.param([("eastwest", _revoke_ingress)], "at the end", id="eastwest-revokes"),
        pytest.param([("eastwest", _authorize)], "at the end", id="eastwest-adds-a-rule"),
        pytest.param([("console", _authorize)], None, id="console-edit-is-a-hand-edit"),
        pytest.param(
            [("console", _authorize), ("eastwest", _revoke_ingress)],
            "at the end",
            id="eastwest-after-a-hand-edit",
        ),
        pytest.param(
            [("eastwest", _authorize), ("console", _revoke_ingress)],
            "at the hand edit",
            id="eastwest-before-a-hand-edit",
        ),
    ],
)
def test_the_guard_fires_on_eastwests_writes_to_an_unowned_group(
    own_aws: str, writes: list[tuple[str, Write]], fires: str | None
) -> None:
    eastwest, by_hand = _clients(own_aws)
    group = by_hand.describe_security_groups(
        Filters=[{"Name": "group-name", "Values": [HAND_MADE]}]
    )["SecurityGroups"][0]["GroupId"]
    body = conftest.pytest_runtest_call(_Item(own_aws))  # type: ignore[arg-type]
    next(body)  # the snapshot; the test body runs now
    seen = None
    try:
        for who, write in writes:
            write(eastwest if who == "eastwest" else by_hand, group)
    except AssertionError as exc:
        seen = ("at the hand edit", str(exc))
    finally:
        hand_edits.ARMED.guard = None
    if seen is None:
        with pytest.raises(StopIteration) if fires is None else pytest.raises(AssertionError):
            body.send(None)
        return
    assert seen[0] == fires
    assert "eastwest changed what it does not own" in seen[1]
