"""Faults on demand in the local AWS, seen through boto3: throttling and 500s are retried by
botocore, a lost response leaves the change made, latency slows, and only the chosen actions
suffer."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectionClosedError

from moto_fixtures.aws.faults import PATH, Faults

if TYPE_CHECKING:
    from mypy_boto3_ec2.client import EC2Client

pytestmark = pytest.mark.sandbox

Clients = Callable[..., "EC2Client"]
Calls = Callable[[], list[dict[str, str]]]
ONE_TRY = Config(retries={"mode": "legacy", "total_max_attempts": 1})
RETRIES = Config(retries={"mode": "legacy", "total_max_attempts": 4})


def control(endpoint: str, method: str, body: dict[str, Any] | None = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(endpoint + PATH, data=data, method=method)
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture
def faults(aws_endpoint: str) -> Iterator[Callable[..., Any]]:
    """``faults(**settings)`` posts settings; every test ends with no faults in force."""
    yield lambda **settings: control(aws_endpoint, "POST", settings)
    control(aws_endpoint, "DELETE")


def creates(calls: Calls) -> int:
    return sum(1 for c in calls() if c["action"] == "CreateVpc")


@pytest.mark.parametrize(
    ("setting", "code", "status"),
    [
        pytest.param("throttle", "RequestLimitExceeded", 503, id="throttle-503"),
        pytest.param("server_error", "InternalError", 500, id="server-error-500"),
    ],
)
def test_a_faulted_call_answers_the_ec2_error_and_changes_nothing(
    faults: Callable[..., Any], ec2_client: Clients, setting: str, code: str, status: int
) -> None:
    faults(**{setting: 1.0}, actions=["CreateVpc"])
    ec2 = ec2_client(config=ONE_TRY)
    before = len(ec2.describe_vpcs()["Vpcs"])  # not in `actions`: answered
    with pytest.raises(ClientError) as raised:
        ec2.create_vpc(CidrBlock="10.9.0.0/16")
    assert raised.value.response["Error"]["Code"] == code
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert len(ec2.describe_vpcs()["Vpcs"]) == before


@pytest.mark.parametrize("setting", ["throttle", "server_error"])
def test_botocore_retries_until_the_call_goes_through(
    faults: Callable[..., Any], ec2_client: Clients, aws_calls: Calls, setting: str
) -> None:
    """Seed 3 with a half share: the first draws fault, then one passes (legacy retries)."""
    faults(**{setting: 0.5}, seed=3, actions=["CreateVpc"])
    vpc = ec2_client(config=RETRIES).create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]
    assert vpc["VpcId"].startswith("vpc-")
    assert creates(aws_calls) > 1  # at least one faulted attempt, then the one that passed


def test_a_lost_response_leaves_the_change_made(
    faults: Callable[..., Any], ec2_client: Clients
) -> None:
    faults(lost=1.0, actions=["CreateVpc"])
    ec2 = ec2_client(config=ONE_TRY)
    with pytest.raises(ConnectionClosedError):
        ec2.create_vpc(CidrBlock="10.9.0.0/16")
    cidrs = [v["CidrBlock"] for v in ec2.describe_vpcs()["Vpcs"]]
    assert cidrs.count("10.9.0.0/16") == 1


def test_a_retried_lost_response_performs_the_action_again(
    faults: Callable[..., Any], ec2_client: Clients
) -> None:
    """What makes lost responses worth testing: the SDK's retry repeats a non-idempotent
    call, and only a client token (or reading back) prevents the duplicate."""
    faults(lost=0.5, seed=3, actions=["CreateVpc"])
    ec2 = ec2_client(config=RETRIES)
    ec2.create_vpc(CidrBlock="10.9.0.0/16")
    cidrs = [v["CidrBlock"] for v in ec2.describe_vpcs()["Vpcs"]]
    assert cidrs.count("10.9.0.0/16") > 1


def test_latency_is_added_to_the_chosen_actions_only(
    faults: Callable[..., Any], ec2_client: Clients
) -> None:
    faults(latency=0.3, actions=["DescribeVpcs"])
    ec2 = ec2_client()
    started = time.monotonic()
    ec2.describe_subnets()
    quick = time.monotonic() - started
    started = time.monotonic()
    ec2.describe_vpcs()
    assert time.monotonic() - started >= 0.3 > quick


def test_the_same_seed_draws_the_same_faults(aws_endpoint: str) -> None:
    from moto_fixtures.aws.faults import FaultInjector

    draws = []
    for _ in range(2):
        injector = FaultInjector(Faults(throttle=0.3, server_error=0.1, lost=0.1, seed=7))
        draws.append([injector.draw("CreateRoute")[1] for _ in range(50)])
    assert draws[0] == draws[1]
    assert {"throttle", "error", "lost", None} == set(draws[0])


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"bogus": 1}, id="unknown-setting"),
        pytest.param({"throttle": 0.7, "lost": 0.7}, id="shares-above-one"),
        pytest.param({"throttle": -0.1}, id="negative-share"),
    ],
)
def test_bad_settings_are_refused_and_change_nothing(
    faults: Callable[..., Any], aws_endpoint: str, body: dict[str, Any]
) -> None:
    faults(throttle=0.2)
    with pytest.raises(urllib.error.HTTPError) as raised:
        control(aws_endpoint, "POST", body)
    raised.value.close()  # the error holds the answer's socket
    assert raised.value.code == 400
    assert control(aws_endpoint, "GET")["throttle"] == 0.2


def test_delete_clears_the_faults(aws_endpoint: str) -> None:
    control(aws_endpoint, "POST", {"throttle": 1.0, "actions": ["CreateVpc"]})
    assert control(aws_endpoint, "DELETE") == Faults().to_json()
