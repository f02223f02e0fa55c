"""The local AWS server: patched, quiet, accounts apart, every call recorded."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import boto3
import pytest

from moto_fixtures.aws.calls import DEFAULT_ACCOUNT
from moto_fixtures.aws.patches import PATCHES, apply_patches, patched

if TYPE_CHECKING:
    from mypy_boto3_ec2.client import EC2Client

    from moto_fixtures.aws.server import AwsServer

pytestmark = pytest.mark.sandbox

Calls = Callable[[], list[dict[str, str]]]
Clients = Callable[..., "EC2Client"]


def test_server_serves_ec2_with_every_patch_installed(
    aws_server: AwsServer, ec2_client: Clients
) -> None:
    assert aws_server.url == f"http://127.0.0.1:{aws_server.port}"
    assert patched()
    assert ec2_client().describe_vpcs()["Vpcs"]  # moto's default VPC


def test_apply_patches_twice_wraps_nothing_twice() -> None:
    before = [getattr(p.target, p.name) for p in PATCHES]
    apply_patches()
    assert [getattr(p.target, p.name) for p in PATCHES] == before


def test_every_patch_says_what_it_restores() -> None:
    for patch in PATCHES:
        doc = getattr(patch.target, patch.name).__doc__
        assert doc, f"{patch.target.__name__}.{patch.name} has no docstring"


def test_calls_are_recorded_with_account_and_action(ec2_client: Clients, aws_calls: Calls) -> None:
    ec2_client("111111111111").describe_vpcs()
    ec2_client("222222222222").create_vpc(CidrBlock="10.0.0.0/16")

    assert aws_calls() == [
        {"account": "111111111111", "action": "DescribeVpcs"},
        {"account": "222222222222", "action": "CreateVpc"},
    ]


def test_a_call_without_the_account_header_is_moto_default_account(
    aws_endpoint: str, aws_calls: Calls
) -> None:
    plain = boto3.session.Session(
        aws_access_key_id="AKIAEASTWESTSANDBOX", aws_secret_access_key="x", region_name="us-east-1"
    ).client("ec2", endpoint_url=aws_endpoint)

    plain.describe_subnets()

    assert aws_calls() == [{"account": DEFAULT_ACCOUNT, "action": "DescribeSubnets"}]


def test_failed_calls_are_recorded_and_moto_api_calls_are_not(
    aws_endpoint: str, ec2_client: Clients, aws_calls: Calls
) -> None:
    with pytest.raises(ec2_client().exceptions.ClientError):
        ec2_client().delete_vpc(VpcId="vpc-00000000000000000")
    _http(f"{aws_endpoint}/moto-api/seed?a=1", "POST")

    assert aws_calls() == [{"account": "111111111111", "action": "DeleteVpc"}]


def test_delete_empties_the_call_log(
    aws_endpoint: str, ec2_client: Clients, aws_calls: Calls
) -> None:
    ec2_client().describe_vpcs()

    status, _ = _http(f"{aws_endpoint}/_eastwest/calls", "DELETE")

    assert status == 204
    assert aws_calls() == []


def test_health_answers_without_being_a_call(aws_endpoint: str, aws_calls: Calls) -> None:
    status, body = _http(f"{aws_endpoint}/_eastwest/health", "GET")

    assert (status, json.loads(body)) == (200, {"status": "ok"})
    assert aws_calls() == []


def test_requests_leave_nothing_on_stderr(
    ec2_client: Clients, capfd: pytest.CaptureFixture[str]
) -> None:
    capfd.readouterr()
    ec2 = ec2_client()
    ec2.describe_vpcs()
    with pytest.raises(ec2.exceptions.ClientError):
        ec2.describe_vpcs(VpcIds=["vpc-00000000000000000"])

    captured = capfd.readouterr()
    assert (captured.out, captured.err) == ("", "")


def test_accounts_are_kept_apart(ec2_client: Clients) -> None:
    vpc = ec2_client("111111111111").create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]

    seen_by_other = {v["VpcId"] for v in ec2_client("222222222222").describe_vpcs()["Vpcs"]}

    assert vpc not in seen_by_other


def test_a_second_server_gets_its_own_port_and_stops_twice_safely() -> None:
    from moto_fixtures.aws.server import start_aws_server

    with start_aws_server() as other:
        status, _ = _http(f"{other.url}/_eastwest/health", "GET")
        assert status == 200
    other.stop()
    with pytest.raises(urllib.error.URLError):
        _http(f"{other.url}/_eastwest/health", "GET")


def _http(url: str, method: str) -> tuple[int, Any]:
    request = urllib.request.Request(url, method=method)
    with urllib.request.urlopen(request, timeout=5) as response:
        return int(response.status), response.read()
