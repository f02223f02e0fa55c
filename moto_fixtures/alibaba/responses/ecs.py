"""ECS 2014-05-26: security groups, rules and tags (of groups, instances and ENIs) on the wire."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from moto_fixtures.alibaba import errors
from moto_fixtures.alibaba.models.backend import Backend
from moto_fixtures.alibaba.models.common import int_param, page_by_number, page_by_token
from moto_fixtures.alibaba.models.ecs import PEER_FIELDS, Rule, SecurityGroup
from moto_fixtures.alibaba.protocol import flat_list, repeat_list, tags
from moto_fixtures.alibaba.responses.ecs_workloads import tag_rows

# Parameters that may stand alone instead of Permissions.N.* (the older single-rule form).
_SINGLE = (
    "IpProtocol",
    "PortRange",
    "Policy",
    "Priority",
    "NicType",
    "Description",
    "SourceCidrIp",
    "DestCidrIp",
    "SourceGroupId",
    "DestGroupId",
    "SourcePrefixListId",
    "DestPrefixListId",
    "SourcePortRange",
    "Ipv6SourceCidrIp",
    "Ipv6DestCidrIp",
)


def _permissions(params: dict[str, str]) -> list[dict[str, str]]:
    listed = flat_list(params, "Permissions")
    single = {k: params[k] for k in _SINGLE if k in params}
    if listed and single:
        raise errors.InvalidParameter(
            "InvalidParamter.Conflict: Permissions.N and the single-rule parameters"
        )
    return listed or ([single] if single else [])


def create_security_group(b: Backend, p: dict[str, str]) -> dict[str, Any]:
    token = ("CreateSecurityGroup", p.get("ClientToken", ""))
    if token[1] and b.client_tokens.get(token) in b.ecs.groups:
        return {"SecurityGroupId": b.client_tokens[token]}
    group = b.ecs.create_group(
        p.get("SecurityGroupName", ""),
        p.get("Description", ""),
        p.get("VpcId", ""),
        p.get("SecurityGroupType", "normal"),
        tags(p),
    )
    if token[1]:
        b.client_tokens[token] = group.group_id
    return {"SecurityGroupId": group.group_id}


def _group(b: Backend, g: SecurityGroup) -> dict[str, Any]:
    return {
        "SecurityGroupId": g.group_id,
        "SecurityGroupName": g.name,
        "Description": g.description,
        "SecurityGroupType": g.group_type,
        "VpcId": g.vpc_id,
        "CreationTime": g.creation_time,
        "EcsCount": sum(
            1
            for i in b.workloads.instances.values()
            if g.group_id in b.workloads.enis[i.primary_eni].groups
        ),
        "AvailableInstanceAmount": 2000,
        "ResourceGroupId": "",
        "ServiceManaged": False,
        "Tags": tag_rows(g.tags),
    }


def describe_security_groups(b: Backend, p: dict[str, str]) -> dict[str, Any]:
    groups = sorted(b.ecs.groups.values(), key=lambda g: g.group_id)
    wanted_ids = (
        set(p["SecurityGroupIds"].strip("[]").replace('"', "").split(","))
        if p.get("SecurityGroupIds")
        else None
    )
    wanted_tags = tags(p)
    groups = [
        g
        for g in groups
        if (wanted_ids is None or g.group_id in wanted_ids)
        and p.get("VpcId", g.vpc_id) == g.vpc_id
        and p.get("SecurityGroupId", g.group_id) == g.group_id
        and p.get("SecurityGroupName", g.name) == g.name
        and all(g.tags.get(k) == v for k, v in wanted_tags.items())
    ]
    body: dict[str, Any] = {"RegionId": b.region, "TotalCount": len(groups)}
    if "MaxResults" in p or "NextToken" in p:
        if "PageNumber" in p or "PageSize" in p:
            raise errors.PageNumberNotSupported()
        size = int_param(p, "MaxResults", 10, 1, 100)
        page, token = page_by_token(groups, p.get("NextToken"), size, errors.InvalidNextTokenEcs)
        body.update(NextToken=token)
    else:
        number, size = int_param(p, "PageNumber", 1, 1, None), int_param(p, "PageSize", 10, 1, 100)
        page = page_by_number(groups, number, size)
        body.update(PageNumber=number, PageSize=size)
    body["SecurityGroups"] = {"SecurityGroup": [_group(b, g) for g in page]}
    return body


def _rule(r: Rule) -> dict[str, Any]:
    out: dict[str, Any] = {
        "SecurityGroupRuleId": r.rule_id,
        "Direction": r.direction,
        "IpProtocol": r.ip_protocol,
        "PortRange": r.port_range,
        "Policy": r.policy.capitalize(),
        "Priority": r.priority,
        "NicType": r.nic_type,
        "Description": r.description,
        "CreateTime": r.create_time,
    }
    peers = dict(r.peers)
    out.update({name: peers.get(name, "") for name in PEER_FIELDS})
    return out


def describe_security_group_attribute(b: Backend, p: dict[str, str]) -> dict[str, Any]:
    group = b.ecs.get(p["SecurityGroupId"])
    direction = p.get("Direction", "all")
    if direction not in ("all", "ingress", "egress"):
        raise errors.InvalidParameter("The specified parameter Direction is invalid.")
    rules = [r for r in group.rules if direction in ("all", r.direction)]
    size = int_param(p, "MaxResults", 1000, 10, 1000)
    page, token = page_by_token(rules, p.get("NextToken"), size, errors.InvalidNextTokenEcs)
    return {
        "RegionId": b.region,
        "SecurityGroupId": group.group_id,
        "SecurityGroupName": group.name,
        "Description": group.description,
        "VpcId": group.vpc_id,
        "InnerAccessPolicy": "Accept",
        "Permissions": {"Permission": [_rule(r) for r in page]},
        "NextToken": token,
    }


def _authorize(direction: str) -> Any:
    def handler(b: Backend, p: dict[str, str]) -> dict[str, Any]:
        b.ecs.authorize(p["SecurityGroupId"], direction, _permissions(p))
        return {}

    return handler


def _revoke(direction: str) -> Any:
    def handler(b: Backend, p: dict[str, str]) -> dict[str, Any]:
        b.ecs.revoke(
            p["SecurityGroupId"], direction, _permissions(p), repeat_list(p, "SecurityGroupRuleId")
        )
        return {}

    return handler


def delete_security_group(b: Backend, p: dict[str, str]) -> dict[str, Any]:
    b.ecs.delete_group(p["SecurityGroupId"])
    return {}


class _Tagged(Protocol):
    tags: dict[str, str]


def _tagged_kind(b: Backend, p: dict[str, str]) -> tuple[str, Mapping[str, _Tagged]]:
    """The resource type (lower case, as ListTagResources answers it) and its objects."""
    kind = p["ResourceType"].lower()
    kinds: dict[str, Mapping[str, _Tagged]] = {
        "securitygroup": b.ecs.groups,
        "instance": b.workloads.instances,
        "eni": b.workloads.enis,
    }
    if kind not in kinds:
        raise errors.InvalidParameter(
            "InvalidResourceType.NotFound: only securitygroup, instance and eni are faked."
        )
    return kind, kinds[kind]


def _tagged(b: Backend, p: dict[str, str]) -> list[tuple[str, _Tagged]]:
    """The named resources; an unknown id answers its kind's not-found error."""
    kind, _ = _tagged_kind(b, p)
    lookup: dict[str, Callable[[str], _Tagged]] = {
        "securitygroup": b.ecs.get,
        "instance": b.workloads.instance,
        "eni": b.workloads.eni,
    }
    return [(i, lookup[kind](i)) for i in repeat_list(p, "ResourceId")]


def tag_resources(b: Backend, p: dict[str, str]) -> dict[str, Any]:
    for _, resource in _tagged(b, p):
        resource.tags.update(tags(p))
    return {}


def untag_resources(b: Backend, p: dict[str, str]) -> dict[str, Any]:
    keys = repeat_list(p, "TagKey")
    for _, resource in _tagged(b, p):
        resource.tags = (
            {}
            if p.get("All") == "true"
            else {k: v for k, v in resource.tags.items() if k not in keys}
        )
    return {}


def list_tag_resources(b: Backend, p: dict[str, str]) -> dict[str, Any]:
    kind, objects = _tagged_kind(b, p)
    named = _tagged(b, p) if repeat_list(p, "ResourceId") else sorted(objects.items())
    wanted = tags(p)
    rows = [
        {"ResourceType": kind, "ResourceId": rid, "TagKey": k, "TagValue": v}
        for rid, resource in named
        if all(resource.tags.get(wk) == wv for wk, wv in wanted.items())
        for k, v in sorted(resource.tags.items())
    ]
    # ECS pages tag rows by 50 (the documented page size of ListTagResources).
    page, token = page_by_token(rows, p.get("NextToken"), 50, errors.InvalidNextTokenEcs)
    return {"TagResources": {"TagResource": page}, "NextToken": token}


HANDLERS = {
    "CreateSecurityGroup": create_security_group,
    "DescribeSecurityGroups": describe_security_groups,
    "DescribeSecurityGroupAttribute": describe_security_group_attribute,
    "DeleteSecurityGroup": delete_security_group,
    "AuthorizeSecurityGroup": _authorize("ingress"),
    "AuthorizeSecurityGroupEgress": _authorize("egress"),
    "RevokeSecurityGroup": _revoke("ingress"),
    "RevokeSecurityGroupEgress": _revoke("egress"),
    "TagResources": tag_resources,
    "UntagResources": untag_resources,
    "ListTagResources": list_tag_resources,
}
