"""VPC prefix lists in the fake: ListPrefixLists (tags, paging, CidrBlocks), ModifyVpcPrefixList
(all-or-nothing, the documented codes), ClientToken replays, and deletion refused while a
security group rule references the list."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.request import CommonRequest

from moto_fixtures.alibaba.server import AlibabaServer


def vpc(acs: Any, server: AlibabaServer, action: str, **params: str) -> Any:
    request = CommonRequest(domain=server.endpoint, version="2016-04-28", action_name=action)
    request.set_method("POST")
    for key, value in {"RegionId": "cn-hangzhou", **params}.items():
        request.add_query_param(key, value)
    return json.loads(acs.do_action_with_exception(request))


def create(acs: Any, server: AlibabaServer, name: str, *cidrs: str, **extra: str) -> str:
    params = {f"PrefixListEntries.{i}.Cidr": c for i, c in enumerate(cidrs, 1)}
    body = vpc(
        acs, server, "CreateVpcPrefixList", PrefixListName=name, MaxEntries="3", **params, **extra
    )
    return str(body["PrefixListId"])


def listed(acs: Any, server: AlibabaServer, pl_id: str) -> dict[str, Any]:
    found: dict[str, Any] = vpc(acs, server, "ListPrefixLists", **{"PrefixListIds.1": pl_id})[
        "PrefixLists"
    ][0]
    return found


def test_list_filters_by_tags_and_pages(alibaba: AlibabaServer, acs: Any) -> None:
    for n in range(3):
        create(
            acs, alibaba, f"pl{n}", "10.0.0.0/8", **{"Tag.1.Key": "team", "Tag.1.Value": str(n % 2)}
        )
    body = vpc(
        acs,
        alibaba,
        "ListPrefixLists",
        MaxResults="1",
        **{"Tags.1.Key": "team", "Tags.1.Value": "0"},
    )
    assert [p["PrefixListName"] for p in body["PrefixLists"]] == ["pl0"]
    assert body["NextToken"]
    rest = vpc(
        acs,
        alibaba,
        "ListPrefixLists",
        MaxResults="1",
        NextToken=body["NextToken"],
        **{"Tags.1.Key": "team", "Tags.1.Value": "0"},
    )
    assert [p["PrefixListName"] for p in rest["PrefixLists"]] == ["pl2"]
    assert rest["NextToken"] == ""
    row = rest["PrefixLists"][0]
    assert row["CidrBlocks"] == ["10.0.0.0/8"]
    assert (row["Status"], row["OwnerId"], row["MaxEntries"]) == ("Created", "5123456789012345", 3)
    with pytest.raises(ServerException, match="InvalidParameter"):
        vpc(acs, alibaba, "ListPrefixLists", MaxResults="101")


def test_modify_adds_removes_and_resizes(alibaba: AlibabaServer, acs: Any) -> None:
    pl = create(acs, alibaba, "p", "10.0.0.0/8")
    vpc(
        acs,
        alibaba,
        "ModifyVpcPrefixList",
        PrefixListId=pl,
        **{
            "AddPrefixListEntry.1.Cidr": "192.168.0.0/16",
            "RemovePrefixListEntry.1.Cidr": "10.0.0.0/8",
        },
    )
    assert listed(acs, alibaba, pl)["CidrBlocks"] == ["192.168.0.0/16"]
    vpc(acs, alibaba, "ModifyVpcPrefixList", PrefixListId=pl, MaxEntries="1")
    assert listed(acs, alibaba, pl)["MaxEntries"] == 1


@pytest.mark.parametrize(
    ("params", "code"),
    [
        (
            {
                "AddPrefixListEntry.1.Cidr": "1.0.0.0/8",
                "AddPrefixListEntry.2.Cidr": "2.0.0.0/8",
                "AddPrefixListEntry.3.Cidr": "3.0.0.0/8",
            },
            "OperationFailed.CidrCountExceedMaxCount",
        ),
        (
            {"RemovePrefixListEntry.1.Cidr": "9.0.0.0/8"},
            "OperationDenied.RemoveCountExceedExistCount",
        ),
        (
            {"AddPrefixListEntry.1.Cidr": "1.0.0.0/8", "AddPrefixListEntry.2.Cidr": "1.0.0.0/8"},
            "DuplicatedParam.CidrBlock",
        ),
        ({"MaxEntries": "0"}, "InvalidParameter"),
    ],
    ids=["over-max", "remove-absent", "duplicate", "bad-size"],
)
def test_a_refused_modify_changes_nothing(
    alibaba: AlibabaServer, acs: Any, params: dict[str, str], code: str
) -> None:
    pl = create(acs, alibaba, "p", "10.0.0.0/8")
    with pytest.raises(ServerException) as caught:
        vpc(acs, alibaba, "ModifyVpcPrefixList", PrefixListId=pl, **params)
    assert caught.value.get_error_code() == code
    assert listed(acs, alibaba, pl)["CidrBlocks"] == ["10.0.0.0/8"]


def test_a_client_token_replays_the_create(alibaba: AlibabaServer, acs: Any) -> None:
    first = create(acs, alibaba, "p", "10.0.0.0/8", ClientToken="tok")
    assert create(acs, alibaba, "p", "10.0.0.0/8", ClientToken="tok") == first
    assert create(acs, alibaba, "p", "10.0.0.0/8", ClientToken="other") != first


def test_a_referenced_list_cannot_be_deleted(alibaba: AlibabaServer, acs: Any) -> None:
    pl = create(acs, alibaba, "p", "10.0.0.0/8")
    request = CommonRequest(
        domain=alibaba.endpoint, version="2014-05-26", action_name="CreateSecurityGroup"
    )
    request.set_method("POST")
    request.add_query_param("RegionId", "cn-hangzhou")
    request.add_query_param("ClientToken", "g")
    gid = json.loads(acs.do_action_with_exception(request))["SecurityGroupId"]
    again = json.loads(acs.do_action_with_exception(request))["SecurityGroupId"]
    assert again == gid  # ClientToken on CreateSecurityGroup too
    auth = CommonRequest(
        domain=alibaba.endpoint, version="2014-05-26", action_name="AuthorizeSecurityGroup"
    )
    auth.set_method("POST")
    for k, v in {
        "RegionId": "cn-hangzhou",
        "SecurityGroupId": gid,
        "Permissions.1.IpProtocol": "TCP",
        "Permissions.1.PortRange": "22/22",
        "Permissions.1.SourcePrefixListId": pl,
    }.items():
        auth.add_query_param(k, v)
    acs.do_action_with_exception(auth)
    with pytest.raises(ServerException) as caught:
        vpc(acs, alibaba, "DeleteVpcPrefixList", PrefixListId=pl)
    assert caught.value.get_error_code() == "DependencyViolation.PrefixListRelation"
