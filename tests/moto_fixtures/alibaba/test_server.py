"""The fake Alibaba endpoint, driven through the real aliyunsdkcore client."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkcore.client import AcsClient
from aliyunsdkcore.request import CommonRequest
from aliyunsdkecs.request.v20140526 import (
    AuthorizeSecurityGroupRequest,
    CreateSecurityGroupRequest,
    DescribeSecurityGroupAttributeRequest,
    DescribeSecurityGroupsRequest,
)

from moto_fixtures.alibaba.server import (
    ACCESS_KEY_ID,
    ACCESS_KEY_SECRET,
    AlibabaServer,
    start_alibaba_server,
)

NO_PROXY = {"http": None, "https": None}


@pytest.fixture
def server() -> Iterator[AlibabaServer]:
    with start_alibaba_server() as srv:
        # No conformance loop here: the fake refuses any request the metadata does not allow.
        yield srv


@pytest.fixture
def client() -> AcsClient:
    return AcsClient(ACCESS_KEY_ID, ACCESS_KEY_SECRET, "cn-hangzhou", proxy=NO_PROXY)


def call(client: AcsClient, server: AlibabaServer, request: Any) -> dict[str, Any]:
    request.set_endpoint(server.endpoint)
    return json.loads(client.do_action_with_exception(request))  # type: ignore[no-any-return]


def create_group(client: AcsClient, server: AlibabaServer) -> str:
    return str(
        call(client, server, CreateSecurityGroupRequest.CreateSecurityGroupRequest())[
            "SecurityGroupId"
        ]
    )


def authorize(
    client: AcsClient, server: AlibabaServer, group: str, perms: list[dict[str, str]]
) -> None:
    request = AuthorizeSecurityGroupRequest.AuthorizeSecurityGroupRequest()
    request.set_SecurityGroupId(group)
    request.set_Permissions(perms)
    call(client, server, request)


RULE = {
    "IpProtocol": "TCP",
    "PortRange": "443/443",
    "SourceCidrIp": "10.0.0.0/8",
    "Policy": "accept",
    "Priority": "5",
}


def test_signed_request_is_accepted_and_priority_is_a_string(
    server: AlibabaServer, client: AcsClient
) -> None:
    group = create_group(client, server)
    authorize(client, server, group, [RULE])
    request = DescribeSecurityGroupAttributeRequest.DescribeSecurityGroupAttributeRequest()
    request.set_SecurityGroupId(group)
    rules = call(client, server, request)["Permissions"]["Permission"]
    assert [(r["Priority"], r["Policy"], r["PortRange"]) for r in rules] == [
        ("5", "Accept", "443/443")
    ]


def test_bad_secret_is_rejected_with_the_sdk_mapping(server: AlibabaServer) -> None:
    bad = AcsClient(ACCESS_KEY_ID, "wrong", "cn-hangzhou", proxy=NO_PROXY)
    with pytest.raises(ServerException) as caught:
        call(bad, server, DescribeSecurityGroupsRequest.DescribeSecurityGroupsRequest())
    # The SDK recognises the string-to-sign after ':' and reports the secret as the culprit.
    assert caught.value.get_error_code() == "InvalidAccessKeySecret"


def test_duplicate_in_one_call_is_refused_and_existing_rule_is_a_no_op(
    server: AlibabaServer, client: AcsClient
) -> None:
    group = create_group(client, server)
    with pytest.raises(ServerException) as caught:
        authorize(client, server, group, [RULE, RULE])
    assert caught.value.get_error_code() == "InvalidParam.DuplicatePermissions"
    authorize(client, server, group, [RULE])
    authorize(client, server, group, [RULE])
    assert len(server.backend.ecs.groups[group].rules) == 1


def test_pagination_at_the_real_maximum(server: AlibabaServer, client: AcsClient) -> None:
    for _ in range(105):
        server.backend.ecs.create_group("g", "", "", "normal", {})
    request = DescribeSecurityGroupsRequest.DescribeSecurityGroupsRequest()
    request.set_PageSize(100)
    first = call(client, server, request)
    assert (first["TotalCount"], len(first["SecurityGroups"]["SecurityGroup"])) == (105, 100)
    request = DescribeSecurityGroupsRequest.DescribeSecurityGroupsRequest()
    request.set_PageSize(101)
    with pytest.raises(ServerException):
        call(client, server, request)


def test_throttling_is_seen_as_throttling_user(server: AlibabaServer, client: AcsClient) -> None:
    server.faults.set({"throttle": 1.0})
    with pytest.raises(ServerException) as caught:
        create_group(client, server)
    assert (caught.value.get_error_code(), caught.value.get_http_status()) == (
        "Throttling.User",
        400,
    )


def test_common_request_get_and_missing_parameter(server: AlibabaServer, client: AcsClient) -> None:
    request = CommonRequest(
        domain=server.endpoint, version="2016-04-28", action_name="DescribeRouteEntryList"
    )
    with pytest.raises(ServerException) as caught:
        client.do_action_with_exception(request)
    assert caught.value.get_error_code() == "MissingParameter"


def test_every_call_conforms_to_the_metadata(server: AlibabaServer, client: AcsClient) -> None:
    group = create_group(client, server)
    authorize(client, server, group, [RULE])
    assert [c.action for c in server.calls.calls()] == [
        "CreateSecurityGroup",
        "AuthorizeSecurityGroup",
    ]


def _broken_handler(backend: Any, params: dict[str, str]) -> dict[str, Any]:
    raise KeyError("a bug in the fake")


def test_a_fault_of_the_fake_answers_internal_error_with_its_cause(client: AcsClient) -> None:
    # Without an answer the SDK saw only RemoteDisconnected and the cause stayed in a log.
    with start_alibaba_server(table={("vpc", "DescribeVpcs"): _broken_handler}) as broken:
        request = CommonRequest(
            domain=broken.endpoint, version="2016-04-28", action_name="DescribeVpcs"
        )
        request.set_method("POST")
        with pytest.raises(ServerException) as caught:
            client.do_action_with_exception(request)

    assert caught.value.get_error_code() == "InternalError"
    assert caught.value.get_http_status() == 500
    assert "the fake failed: KeyError: 'a bug in the fake'" in caught.value.get_error_msg()
