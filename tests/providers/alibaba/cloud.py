"""The fake Alibaba cloud seen from outside, as a console user (or another tool) would see it.

Everything here goes through the real ``aliyunsdkcore`` client with ``CommonRequest``, never
through the fake's backend, so the edits a test makes are ones a real user could make.
"""

from __future__ import annotations

import json
from typing import Any

from aliyunsdkcore.request import CommonRequest

from moto_fixtures.alibaba.clients import acs_client
from moto_fixtures.alibaba.server import AlibabaServer

ECS, VPC = "2014-05-26", "2016-04-28"
ACCOUNT = "5123456789012345"
REGION = "cn-hangzhou"


def rpc(server: AlibabaServer, version: str, action: str, **params: str) -> Any:
    """One call through the SDK, retried here on the throttling a test may have switched on."""
    client = acs_client(server)
    for _ in range(50):
        request = CommonRequest(domain=server.endpoint, version=version, action_name=action)
        request.set_method("POST")
        for key, value in {"RegionId": REGION, **params}.items():
            request.add_query_param(key, value)
        try:
            return json.loads(client.do_action_with_exception(request))
        except Exception as exc:
            if "Throttling" not in str(exc) and "ServiceUnavailable" not in str(exc):
                raise
    raise AssertionError(f"{action} was throttled 50 times in a row")


def groups(server: AlibabaServer) -> list[dict[str, Any]]:
    body = rpc(server, ECS, "DescribeSecurityGroups", MaxResults="100")
    found: list[dict[str, Any]] = body["SecurityGroups"]["SecurityGroup"]
    return found


def tags(group: dict[str, Any]) -> dict[str, str]:
    return {t["TagKey"]: t["TagValue"] for t in group["Tags"]["Tag"]}


def owned_groups(server: AlibabaServer, policy: str) -> list[dict[str, Any]]:
    return [g for g in groups(server) if tags(g).get("eastwest:policy") == policy]


def rules(server: AlibabaServer, group_id: str) -> list[dict[str, Any]]:
    body = rpc(server, ECS, "DescribeSecurityGroupAttribute", SecurityGroupId=group_id)
    found: list[dict[str, Any]] = body["Permissions"]["Permission"]
    return found


def unowned_snapshot(server: AlibabaServer) -> str:
    """Every group without an eastwest tag, with its rules, and every prefix list that is not
    eastwest's, as JSON text (request ids dropped): compared byte for byte."""
    out: dict[str, Any] = {}
    for group in groups(server):
        if "eastwest:managed" not in tags(group):
            out[group["SecurityGroupId"]] = {
                "group": group,
                "rules": rules(server, group["SecurityGroupId"]),
            }
    lists = rpc(server, VPC, "ListPrefixLists", MaxResults="100")["PrefixLists"]
    out["prefix_lists"] = [
        pl for pl in lists if not any(t["Key"] == "eastwest:managed" for t in pl["Tags"])
    ]
    return json.dumps(out, sort_keys=True)
