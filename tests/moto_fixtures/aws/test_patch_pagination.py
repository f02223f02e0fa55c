"""MaxResults / NextToken on the describes eastwest pages through, as EC2 answers them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

if TYPE_CHECKING:
    from mypy_boto3_ec2.client import EC2Client

pytestmark = pytest.mark.sandbox

Clients = Callable[..., "EC2Client"]


@dataclass(frozen=True)
class Case:
    """One paginated action: how to fill it with items and which request selects them."""

    operation: str  # the boto3 method name
    result_key: str
    fill: Callable[[EC2Client], dict[str, Any]]  # returns the request parameters
    item_id: Callable[[dict[str, Any]], str]
    bounds: tuple[int, int]


def _vpcs(ec2: EC2Client) -> dict[str, Any]:
    for index in range(11):
        ec2.create_vpc(CidrBlock=f"10.{index}.0.0/16")
    return {}


def _subnets(ec2: EC2Client) -> dict[str, Any]:
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    for index in range(12):
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.0.{index}.0/24")
    return {"Filters": [{"Name": "vpc-id", "Values": [vpc]}]}


def _groups(ec2: EC2Client) -> dict[str, Any]:
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    for index in range(12):
        ec2.create_security_group(GroupName=f"g{index}", Description="x", VpcId=vpc)
    return {"Filters": [{"Name": "vpc-id", "Values": [vpc]}]}


def _rules(ec2: EC2Client) -> dict[str, Any]:
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    group = ec2.create_security_group(GroupName="g", Description="x", VpcId=vpc)["GroupId"]
    ranges: list[Any] = [{"CidrIp": f"10.1.{index}.0/24"} for index in range(12)]
    permission: Any = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": ranges}
    ec2.authorize_security_group_ingress(GroupId=group, IpPermissions=[permission])
    return {"Filters": [{"Name": "group-id", "Values": [group]}]}


def _prefix_lists(ec2: EC2Client) -> dict[str, Any]:
    for index in range(8):  # beside moto's six AWS-managed lists
        ec2.create_managed_prefix_list(
            PrefixListName=f"pl-{index}", AddressFamily="IPv4", MaxEntries=5
        )
    return {}


def _entries(ec2: EC2Client) -> dict[str, Any]:
    entries: list[Any] = [{"Cidr": f"10.2.{index}.0/24"} for index in range(12)]
    prefix_list = ec2.create_managed_prefix_list(
        PrefixListName="big", AddressFamily="IPv4", MaxEntries=20, Entries=entries
    )["PrefixList"]["PrefixListId"]
    return {"PrefixListId": prefix_list}


def _enis(ec2: EC2Client) -> dict[str, Any]:
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    for _ in range(12):
        ec2.create_network_interface(SubnetId=subnet)
    return {"Filters": [{"Name": "subnet-id", "Values": [subnet]}]}


CASES = [
    Case("describe_vpcs", "Vpcs", _vpcs, lambda i: i["VpcId"], (5, 1000)),
    Case("describe_subnets", "Subnets", _subnets, lambda i: i["SubnetId"], (5, 1000)),
    Case("describe_security_groups", "SecurityGroups", _groups, lambda i: i["GroupId"], (5, 1000)),
    Case(
        "describe_security_group_rules",
        "SecurityGroupRules",
        _rules,
        lambda i: i["SecurityGroupRuleId"],
        (5, 1000),
    ),
    Case(
        "describe_managed_prefix_lists",
        "PrefixLists",
        _prefix_lists,
        lambda i: i["PrefixListId"],
        (1, 100),
    ),
    Case("get_managed_prefix_list_entries", "Entries", _entries, lambda i: i["Cidr"], (1, 100)),
    Case(
        "describe_network_interfaces",
        "NetworkInterfaces",
        _enis,
        lambda i: i["NetworkInterfaceId"],
        (5, 1000),
    ),
]
IDS = [case.operation for case in CASES]


def _call(ec2: EC2Client, case: Case, **params: Any) -> dict[str, Any]:
    response: dict[str, Any] = getattr(ec2, case.operation)(**params)
    return response


def _pages(ec2: EC2Client, case: Case, params: dict[str, Any]) -> list[list[str]]:
    pages: list[list[str]] = []
    token: str | None = None
    while True:
        extra: dict[str, Any] = {"NextToken": token} if token else {}
        response = _call(ec2, case, MaxResults=5, **params, **extra)
        pages.append([case.item_id(item) for item in response[case.result_key]])
        token = response.get("NextToken")
        if not token:
            return pages


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_pages_of_five_cover_every_item_once_in_order(ec2_client: Clients, case: Case) -> None:
    ec2 = ec2_client()
    params = case.fill(ec2)
    everything = [case.item_id(i) for i in _call(ec2, case, **params)[case.result_key]]

    pages = _pages(ec2, case, params)

    assert len(everything) >= 12
    assert [len(page) for page in pages[:-1]] == [5] * (len(pages) - 1)
    assert 1 <= len(pages[-1]) <= 5
    assert [item for page in pages for item in page] == everything


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_without_max_results_everything_comes_in_one_page(ec2_client: Clients, case: Case) -> None:
    ec2 = ec2_client()
    params = case.fill(ec2)

    response = _call(ec2, case, **params)

    assert len(response[case.result_key]) >= 12
    assert "NextToken" not in response


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_botocore_paginator_walks_the_pages(ec2_client: Clients, case: Case) -> None:
    ec2 = ec2_client()
    params = case.fill(ec2)
    everything = [case.item_id(i) for i in _call(ec2, case, **params)[case.result_key]]

    pages = ec2.get_paginator(case.operation).paginate(  # type: ignore[call-overload]
        **params, PaginationConfig={"PageSize": 5}
    )

    assert [case.item_id(i) for page in pages for i in page[case.result_key]] == everything


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize("edge", ["below", "above"])
def test_max_results_outside_the_model_bounds_is_refused(
    ec2_client: Clients, case: Case, edge: str
) -> None:
    # botocore would refuse a too-small value itself; turn that off to see what the fake says.
    ec2 = ec2_client(config=Config(parameter_validation=False))
    params = case.fill(ec2)
    low, high = case.bounds
    value = low - 1 if edge == "below" else high + 1

    with pytest.raises(ClientError) as caught:
        _call(ec2, case, MaxResults=value, **params)

    assert caught.value.response["Error"]["Code"] == "InvalidParameterValue"
    assert f"between {low} and {high}" in caught.value.response["Error"]["Message"]


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize(
    "token", ["garbage", "eyJmIjoiMCIsImEiOiJ4IiwibyI6NX0"], ids=["junk", "forged"]
)
def test_a_token_not_handed_out_is_refused(ec2_client: Clients, case: Case, token: str) -> None:
    ec2 = ec2_client()
    params = case.fill(ec2)

    with pytest.raises(ClientError) as caught:
        _call(ec2, case, MaxResults=5, NextToken=token, **params)

    assert caught.value.response["Error"]["Code"] == "InvalidNextToken"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_a_token_is_good_only_for_the_request_that_made_it(ec2_client: Clients) -> None:
    ec2 = ec2_client()
    params = _groups(ec2)
    token = ec2.describe_security_groups(MaxResults=5, **params)["NextToken"]

    with pytest.raises(ClientError) as other_filter:
        ec2.describe_security_groups(MaxResults=5, NextToken=token)
    with pytest.raises(ClientError) as other_action:
        ec2.describe_vpcs(MaxResults=5, NextToken=token)

    assert other_filter.value.response["Error"]["Code"] == "InvalidNextToken"
    assert other_action.value.response["Error"]["Code"] == "InvalidNextToken"


@pytest.mark.parametrize("deleted", ["earlier", "last-returned"])
def test_a_group_deleted_between_pages_shifts_nothing_else(
    ec2_client: Clients, deleted: str
) -> None:
    ec2 = ec2_client()
    params = _groups(ec2)
    everything = [g["GroupId"] for g in ec2.describe_security_groups(**params)["SecurityGroups"]]
    first = ec2.describe_security_groups(MaxResults=5, **params)
    victim = everything[1] if deleted == "earlier" else everything[4]

    ec2.delete_security_group(GroupId=victim)
    rest: list[str] = []
    token: str | None = first["NextToken"]
    while token:
        page = ec2.describe_security_groups(MaxResults=5, NextToken=token, **params)
        rest += [g["GroupId"] for g in page["SecurityGroups"]]
        token = page.get("NextToken")

    assert rest == everything[5:]
