"""Token buckets per scope: bursts up to the size, then the refill rate; every SDK attempt of
the three clouds takes a token of its account and region's read or write bucket."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from azure.core.pipeline import PipelineRequest
from azure.core.pipeline.transport import HttpRequest

from moto_fixtures.alibaba.server import start_alibaba_server
from providers.alibaba.session import ALIBABA_READS, AlibabaApi, Credentials
from providers.aws.session import EC2_READS, EC2_WRITES, AwsClients
from providers.azure.session import RatePolicy
from providers.core.rate import Buckets, Limit, TokenBucket, is_read, sandbox_buckets
from tests.providers.alibaba.test_retry import Clock  # a clock whose sleeps only count


@pytest.mark.parametrize(
    ("limit", "takes", "waits"),
    [
        (Limit(size=3, rate=1), 3, []),
        (Limit(size=3, rate=1), 4, [1.0]),
        (Limit(size=1, rate=4), 3, [0.25, 0.25]),
        (Limit(size=2, rate=0.5), 4, [2.0, 2.0]),
    ],
    ids=["burst", "one-past-burst", "refill-rate", "slow-refill"],
)
def test_a_bucket_bursts_to_its_size_then_waits_for_the_refill(
    limit: Limit, takes: int, waits: list[float]
) -> None:
    clock = Clock()
    bucket = TokenBucket(limit, lambda: clock.now, clock.sleep)
    for _ in range(takes):
        bucket.take()
    assert clock.waits == pytest.approx(waits)
    assert bucket.taken == takes


def test_a_bucket_refills_while_idle_but_never_past_its_size() -> None:
    clock = Clock()
    bucket = TokenBucket(Limit(size=2, rate=1), lambda: clock.now, clock.sleep)
    bucket.take()
    bucket.take()
    clock.now += 100.0  # idle: the bucket is full again, with 2 tokens, not 100
    for _ in range(3):
        bucket.take()
    assert clock.waits == [pytest.approx(1.0)]


def test_one_bucket_per_key_shared_by_every_caller() -> None:
    buckets = Buckets()
    key = ("aws", "111111111111", "us-east-1", "read")
    assert buckets.bucket(key, EC2_READS) is buckets.bucket(key, EC2_READS)
    assert buckets.bucket(key, EC2_READS) is not buckets.bucket((*key[:2], "eu-west-1"), EC2_READS)


@pytest.mark.parametrize(
    ("sandbox", "limited"),
    [({}, False), ({"client_rate_limits": True}, True)],
    ids=["fakes-set-the-limits", "asked-for"],
)
def test_sandbox_clients_wait_only_when_the_sandbox_asks(
    sandbox: dict[str, Any], limited: bool
) -> None:
    assert sandbox_buckets(sandbox).limited is limited


@pytest.mark.parametrize(
    ("action", "read"),
    [
        ("DescribeSecurityGroups", True),
        ("GetManagedPrefixListEntries", True),
        ("SearchTransitGatewayRoutes", True),
        ("ListTagResources", True),
        ("AuthorizeSecurityGroupIngress", False),
        ("CreateTags", False),
        ("DeleteRouteEntry", False),
    ],
)
def test_reads_and_writes_by_action_name(action: str, read: bool) -> None:
    assert is_read(action) is read


def test_every_ec2_attempt_takes_a_token_of_its_regions_read_or_write_bucket() -> None:
    clock = Clock()
    buckets = Buckets(lambda: clock.now, clock.sleep)
    session = boto3.Session(aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="x")
    clients = AwsClients(session, account="111111111111", buckets=buckets)
    events = clients.ec2("us-east-1").meta.events
    for action in ("DescribeVpcs", "DescribeVpcs", "CreateSecurityGroup"):
        events.emit(f"before-send.ec2.{action}", request=None)
    reads = buckets.bucket(("aws", "111111111111", "us-east-1", "read"), EC2_READS)
    writes = buckets.bucket(("aws", "111111111111", "us-east-1", "write"), EC2_WRITES)
    other = buckets.bucket(("aws", "111111111111", "eu-west-1", "read"), EC2_READS)
    assert (reads.taken, writes.taken, other.taken) == (2, 1, 0)


@pytest.mark.parametrize(
    ("method", "kind"),
    [("GET", "read"), ("PUT", "write"), ("PATCH", "write"), ("DELETE", "delete")],
)
def test_every_arm_attempt_takes_a_token_of_its_subscriptions_bucket(
    method: str, kind: str
) -> None:
    buckets = Buckets()
    policy = RatePolicy("sub-1", buckets)
    policy.on_request(PipelineRequest(HttpRequest(method, "https://arm/x"), None))  # type: ignore[arg-type]
    taken = {
        k: buckets.bucket(("azure", "sub-1", k), Limit(1, 1)).taken
        for k in ("read", "write", "delete")
    }
    assert taken == {k: int(k == kind) for k in taken}


def test_every_alibaba_attempt_takes_a_token_of_its_regions_bucket() -> None:
    buckets = Buckets()
    with start_alibaba_server() as server:
        creds = Credentials(server.access_key_id, server.access_key_secret)
        api = AlibabaApi(creds, endpoint=server.url, buckets=buckets)
        api.call("cn-hangzhou", "vpc", "DescribeVpcs", {})
        api.call("cn-hangzhou", "vpc", "DescribeVpcs", {})
        api.call("cn-shanghai", "vpc", "DescribeVpcs", {})
    key = ("alibaba", server.access_key_id)
    reads = buckets.bucket((*key, "cn-hangzhou", "read"), ALIBABA_READS)
    elsewhere = buckets.bucket((*key, "cn-shanghai", "read"), ALIBABA_READS)
    writes = buckets.bucket((*key, "cn-hangzhou", "write"), ALIBABA_READS)
    assert (reads.taken, elsewhere.taken, writes.taken) == (2, 1, 0)
