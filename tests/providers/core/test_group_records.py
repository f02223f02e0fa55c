"""The group records on VPCs, without a cloud: which tags are read as records, which are
written and in how many calls, and what a VPC at its tag quota costs (its record only)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from botocore.exceptions import ClientError

from orchestrator.state import Network, Scope
from providers.alibaba.errors import ApiError
from providers.alibaba.records import VpcRecords as AlibabaRecords
from providers.aws.records import VpcRecords as AwsRecords
from providers.core.group_records import recorded_groups, records_to_write

SCOPE = Scope("aws", "111122223333", "us-east-1")
KEY = f"{SCOPE}/fwgroup/web@vpc-1"
LONG = "s" * 63


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"eastwest:rules-digest:acme:web": "d1"}, {KEY: "d1"}),
        ({"eastwest:rules-digest:acme-prod:web": "d1"}, {}),  # another policy's
        ({"eastwest:rules-digest:acme:web": ""}, {}),  # emptied (Alibaba's forget)
        ({"eastwest:rules-digest:acme:web:x": "d1"}, {}),  # not a segment name
        ({"eastwest:rules-digest": "d1", "segment": "web"}, {}),  # a group's own tag
    ],
)
def test_only_this_policys_non_empty_records_are_read(
    tags: dict[str, str], expected: dict[str, str]
) -> None:
    assert recorded_groups(SCOPE, "acme", [Network("vpc-1", ("10.0.0.0/16",), tags)]) == expected


@pytest.mark.parametrize(
    ("policy", "applied", "expected"),
    [
        (
            "acme",
            {KEY: "d1", f"{SCOPE}/fwgroup/web@vpc-2": "d1", f"{SCOPE}/fwgroup/db@vpc-2": "d2"},
            {
                ("eastwest:rules-digest:acme:db", "d2"): ["vpc-2"],
                ("eastwest:rules-digest:acme:web", "d1"): ["vpc-1", "vpc-2"],
            },
        ),
        ("acme", {"aws/999/us-east-1/fwgroup/web@vpc-1": "d1"}, {}),  # another scope's
        (LONG, {f"{SCOPE}/fwgroup/{LONG}@vpc-1": "d1"}, {}),  # key over 128 characters
    ],
)
def test_records_to_write_one_tag_per_segment_and_digest(
    policy: str, applied: dict[str, str], expected: dict[tuple[str, str], list[str]]
) -> None:
    assert records_to_write(SCOPE, policy, applied) == expected


class FakeEc2:
    """CreateTags refused (all or nothing) when it names a VPC in ``full``."""

    def __init__(self, full: set[str], code: str = "TagLimitExceeded") -> None:
        self.full, self.code = full, code
        self.tagged: list[list[str]] = []

    def create_tags(self, Resources: list[str], Tags: Any) -> None:  # noqa: N803 (boto3's names)
        if self.full & set(Resources):
            raise ClientError({"Error": {"Code": self.code, "Message": "no"}}, "CreateTags")
        self.tagged.append(Resources)


APPLIED = {f"{SCOPE}/fwgroup/web@vpc-{n}": "d1" for n in (1, 2, 3)}


@pytest.mark.parametrize(
    ("full", "tagged"),
    [
        (set(), [["vpc-1", "vpc-2", "vpc-3"]]),
        ({"vpc-2"}, [["vpc-1"], ["vpc-3"]]),  # the full VPC alone goes without
        ({"vpc-1", "vpc-2", "vpc-3"}, []),
    ],
)
def test_aws_a_full_vpc_costs_only_its_own_record(full: set[str], tagged: list[list[str]]) -> None:
    ec2 = FakeEc2(full)
    AwsRecords(ec2, SCOPE, "acme").record(APPLIED)  # type: ignore[arg-type]
    assert ec2.tagged == tagged


def test_aws_other_errors_are_raised() -> None:
    with pytest.raises(ClientError):
        AwsRecords(FakeEc2({"vpc-1"}, "UnauthorizedOperation"), SCOPE, "acme").record(APPLIED)  # type: ignore[arg-type]


class FakeVpcApi:
    def __init__(self, full: set[str], code: str = "QuotaExceeded.TagNum") -> None:
        self.full, self.code = full, code
        self.tagged: list[list[str]] = []

    def __call__(self, product: str, action: str, params: Mapping[str, str]) -> object:
        assert (product, action, params["ResourceType"]) == ("vpc", "TagResources", "VPC")
        vpcs = [v for k, v in sorted(params.items()) if k.startswith("ResourceId.")]
        if self.full & set(vpcs):
            raise ApiError(action, self.code, "no")
        self.tagged.append(vpcs)
        return {}


ALI = Scope("alibaba", "5123456789012345", "cn-hangzhou")


@pytest.mark.parametrize(
    ("count", "full", "calls"),
    [
        (3, set(), 1),
        (51, set(), 2),  # ResourceId.N ≤ 50
        (3, {"vpc-01"}, 2),  # the batch refused, then each of the other two alone
    ],
)
def test_alibaba_batches_by_fifty_and_skips_a_vpc_at_its_quota(
    count: int, full: set[str], calls: int
) -> None:
    api = FakeVpcApi(full)
    applied = {f"{ALI}/fwgroup/web@vpc-{n:02}": "d1" for n in range(count)}
    AlibabaRecords(api, ALI, "acme").record(applied)
    assert len(api.tagged) == calls
    assert {v for batch in api.tagged for v in batch} == {
        f"vpc-{n:02}" for n in range(count)
    } - full


def test_alibaba_forget_empties_the_record() -> None:
    sent: list[Mapping[str, str]] = []
    AlibabaRecords(lambda _p, _a, params: sent.append(params), ALI, "acme").forget("web", "vpc-1")
    assert sent == [
        {
            "ResourceType": "VPC",
            "ResourceId.1": "vpc-1",
            "Tag.1.Key": "eastwest:rules-digest:acme:web",
            "Tag.1.Value": "",
        }
    ]
