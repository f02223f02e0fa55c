"""Cheap seeding of many accounts and regions: each VPC lands in its account and region, with
its tags, as boto3 then reads it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto_fixtures.aws.many import ScopeVpc, seed_vpcs

VPCS = [
    ScopeVpc("200000000000", "us-east-1", "10.1.0.0/28", {"segment": "web"}),
    ScopeVpc("200000000000", "eu-west-1", "10.2.0.0/28", {"segment": "db", "team": "a"}),
    ScopeVpc("200000000001", "us-east-1", "10.1.0.16/28"),
]


def test_each_vpc_is_made_in_its_account_and_region(
    aws_endpoint: str, ec2_client: Callable[..., Any]
) -> None:
    ids = seed_vpcs(aws_endpoint, VPCS)

    assert len(set(ids)) == 3
    for vpc, vpc_id in zip(VPCS, ids, strict=True):
        found = ec2_client(account=vpc.account, region=vpc.region).describe_vpcs(VpcIds=[vpc_id])[
            "Vpcs"
        ]
        assert [v["CidrBlock"] for v in found] == [vpc.cidr]
        assert {t["Key"]: t["Value"] for t in found[0].get("Tags", [])} == vpc.tags
    elsewhere = ec2_client(account="200000000001", region="eu-west-1").describe_vpcs()["Vpcs"]
    assert not [v for v in elsewhere if not v.get("IsDefault")]
