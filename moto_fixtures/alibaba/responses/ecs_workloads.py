"""ECS 2014-05-26: instances, ENIs and their security groups on the wire.

Always: filters are ANDed and an empty one does not filter, except ``InstanceIds=[]`` which
matches nothing (the metadata says so); with ``MaxResults`` or ``NextToken`` a call pages by
token (``MaxResults`` clamped: 10-100 instances, 10-500 ENIs, as documented), otherwise by
``PageNumber``/``PageSize`` (at most 100 instances, 1,000 ENIs per page).
``DescribeNetworkInterfaces`` with ``SecurityGroupId`` lists secondary ENIs only: the metadata
sends callers to ``DescribeInstances`` for primary ones.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from moto_fixtures.alibaba import errors
from moto_fixtures.alibaba.models.backend import Backend
from moto_fixtures.alibaba.models.common import int_param, page_by_number, page_by_token
from moto_fixtures.alibaba.models.workloads import Instance, NetworkInterface
from moto_fixtures.alibaba.protocol import flat_list, repeat_list

T = TypeVar("T")
INSTANCE_STATUSES = ("Pending", "Running", "Starting", "Stopping", "Stopped")
MAX_INSTANCE_IDS = 100


def tag_filter(params: dict[str, str]) -> Callable[[dict[str, str]], bool]:
    """``Tag.N.Key`` with an optional ``Tag.N.Value``: a key alone matches any value."""
    wanted = [
        (item.get("Key", item.get("key", "")), item.get("Value", item.get("value")))
        for item in flat_list(params, "Tag")
    ]
    return lambda tags: all(k in tags and (v is None or tags[k] == v) for k, v in wanted if k)


def tag_rows(tags: dict[str, str]) -> dict[str, Any]:
    return {"Tag": [{"TagKey": k, "TagValue": v} for k, v in sorted(tags.items())]}


def _page(
    items: Sequence[T], p: dict[str, str], token_max: int, page_max: int
) -> tuple[list[T], dict[str, Any]]:
    """A page and the paging fields of the answer, by token or by number."""
    if "MaxResults" in p or "NextToken" in p:
        size = min(max(int_param(p, "MaxResults", 10, -(2**31), None), 10), token_max)
        page, token = page_by_token(items, p.get("NextToken"), size, errors.InvalidNextTokenEcs)
        return page, {"NextToken": token, "TotalCount": len(items)}
    number = int_param(p, "PageNumber", 1, 1, None)
    size = int_param(p, "PageSize", 10, 1, page_max)
    fields = {"PageNumber": number, "PageSize": size, "TotalCount": len(items)}
    return page_by_number(items, number, size), fields


# --- DescribeInstances ---


def _instance_ids(p: dict[str, str]) -> set[str] | None:
    raw = p.get("InstanceIds")
    if not raw:
        return None
    try:
        ids = json.loads(raw)
    except ValueError:
        raise errors.InvalidParameter("The specified parameter InstanceIds is invalid.") from None
    if not isinstance(ids, list) or len(ids) > MAX_INSTANCE_IDS:
        raise errors.InvalidParameter("The specified parameter InstanceIds is invalid.")
    return {str(i) for i in ids}


def _instance_matches(b: Backend, p: dict[str, str]) -> Callable[[Instance], bool]:
    ids, tagged = _instance_ids(p), tag_filter(p)
    status = p.get("Status")
    if status and status not in INSTANCE_STATUSES:
        raise errors.InstanceStatusNotFound()

    def matches(i: Instance) -> bool:
        groups = b.workloads.enis[i.primary_eni].groups
        return (
            (ids is None or i.instance_id in ids)
            and p.get("VpcId", i.vpc_id) == i.vpc_id
            and p.get("VSwitchId", i.vswitch_id) == i.vswitch_id
            and p.get("ZoneId", i.zone_id) == i.zone_id
            and (not status or i.status == status)
            and (not p.get("SecurityGroupId") or p["SecurityGroupId"] in groups)
            and fnmatch.fnmatchcase(i.name, p.get("InstanceName") or "*")
            and tagged(i.tags)
        )

    return matches


def describe_instances(b: Backend, p: dict[str, str]) -> dict[str, Any]:
    matches = _instance_matches(b, p)
    found = [i for _, i in sorted(b.workloads.instances.items()) if matches(i)]
    page, fields = _page(found, p, 100, 100)
    return {
        "RegionId": b.region,
        **fields,
        "Instances": {"Instance": [_instance(b, i) for i in page]},
    }


def _instance(b: Backend, i: Instance) -> dict[str, Any]:
    primary = b.workloads.enis[i.primary_eni]
    return {
        "InstanceId": i.instance_id,
        "InstanceName": i.name,
        "HostName": i.name,
        "Description": "",
        "Status": i.status,
        "InstanceType": i.instance_type,
        "InstanceTypeFamily": i.instance_type.rsplit(".", 1)[0],
        "Cpu": 2,
        "Memory": 8192,
        "ImageId": "aliyun_3_x64_20G_alibase_20240528.vhd",
        "OSType": "linux",
        "OSName": "Alibaba Cloud Linux  3.2104 LTS 64位",
        "OSNameEn": "Alibaba Cloud Linux  3.2104 LTS 64 bit",
        "RegionId": b.region,
        "ZoneId": i.zone_id,
        "CreationTime": i.creation_time[:16] + "Z",  # yyyy-MM-ddTHH:mmZ, as documented
        "StartTime": i.creation_time[:16] + "Z",
        "ExpiredTime": "2099-12-31T15:59Z",
        "InstanceNetworkType": "vpc",
        "InstanceChargeType": "PostPaid",
        "InternetChargeType": "PayByTraffic",
        "IoOptimized": True,
        "DeletionProtection": False,
        "ResourceGroupId": "",
        "SerialNumber": i.instance_id.removeprefix("i-"),
        "VpcAttributes": {
            "VpcId": i.vpc_id,
            "VSwitchId": i.vswitch_id,
            "NatIpAddress": "",
            "PrivateIpAddress": {"IpAddress": [primary.private_ip]},
        },
        "SecurityGroupIds": {"SecurityGroupId": list(primary.groups)},
        "NetworkInterfaces": {
            "NetworkInterface": [_instance_eni(e) for e in b.workloads.instance_enis(i.instance_id)]
        },
        "PublicIpAddress": {"IpAddress": []},
        "InnerIpAddress": {"IpAddress": []},
        "EipAddress": {"AllocationId": "", "IpAddress": "", "Bandwidth": 0},
        "OperationLocks": {"LockReason": []},
        "Tags": tag_rows(i.tags),
    }


def _instance_eni(e: NetworkInterface) -> dict[str, Any]:
    return {
        "NetworkInterfaceId": e.eni_id,
        "Type": e.eni_type,
        "MacAddress": e.mac,
        "PrimaryIpAddress": e.private_ip,
        "PrivateIpSets": {"PrivateIpSet": [{"Primary": True, "PrivateIpAddress": e.private_ip}]},
    }


# --- DescribeNetworkInterfaces / DescribeNetworkInterfaceAttribute ---


def _eni_matches(p: dict[str, str]) -> Callable[[NetworkInterface], bool]:
    ids, tagged = repeat_list(p, "NetworkInterfaceId"), tag_filter(p)
    group = p.get("SecurityGroupId")
    managed = p.get("ServiceManaged")

    def matches(e: NetworkInterface) -> bool:
        return (
            (not ids or e.eni_id in ids)
            and all(
                p.get(name, value) == value
                for name, value in (
                    ("VpcId", e.vpc_id),
                    ("VSwitchId", e.vswitch_id),
                    ("InstanceId", e.instance_id),
                    ("Type", e.eni_type),
                    ("Status", e.status),
                    ("NetworkInterfaceName", e.name),
                    ("PrimaryIpAddress", e.private_ip),
                )
            )
            and (not group or (group in e.groups and e.eni_type == "Secondary"))
            and (managed is None or managed == str(e.service_managed).lower())
            and tagged(e.tags)
        )

    return matches


def eni_row(b: Backend, e: NetworkInterface) -> dict[str, Any]:
    row: dict[str, Any] = {
        "NetworkInterfaceId": e.eni_id,
        "NetworkInterfaceName": e.name,
        "Description": e.description,
        "Type": e.eni_type,
        "Status": e.status,
        "VpcId": e.vpc_id,
        "VSwitchId": e.vswitch_id,
        "ZoneId": e.zone_id,
        "PrivateIpAddress": e.private_ip,
        "MacAddress": e.mac,
        "PrivateIpSets": {"PrivateIpSet": [{"Primary": True, "PrivateIpAddress": e.private_ip}]},
        "SecurityGroupIds": {"SecurityGroupId": list(e.groups)},
        "OwnerId": b.account_id,
        "ResourceGroupId": "",
        "CreationTime": e.creation_time,
        "DeleteOnRelease": e.eni_type == "Primary",
        "ServiceManaged": e.service_managed,
        "NetworkInterfaceTrafficMode": "Standard",
        "Ipv6Sets": {"Ipv6Set": []},
        "Tags": tag_rows(e.tags),
    }
    if e.instance_id and not e.service_managed:
        # A service's ENI names no instance (the metadata says so); its ServiceID says whose.
        row["InstanceId"] = e.instance_id
    if e.service_id is not None:
        row["ServiceID"] = e.service_id
    return row


def describe_network_interfaces(b: Backend, p: dict[str, str]) -> dict[str, Any]:
    matches = _eni_matches(p)
    found = [e for _, e in sorted(b.workloads.enis.items()) if matches(e)]
    page, fields = _page(found, p, 500, 1000)
    return {
        **fields,
        "NetworkInterfaceSets": {"NetworkInterfaceSet": [eni_row(b, e) for e in page]},
    }


def describe_network_interface_attribute(b: Backend, p: dict[str, str]) -> dict[str, Any]:
    return eni_row(b, b.workloads.eni(p["NetworkInterfaceId"]))


# --- membership ---


def join_security_group(b: Backend, p: dict[str, str]) -> dict[str, Any]:
    b.workloads.join(p["SecurityGroupId"], p.get("InstanceId", ""), p.get("NetworkInterfaceId", ""))
    return {}


def leave_security_group(b: Backend, p: dict[str, str]) -> dict[str, Any]:
    b.workloads.leave(
        p["SecurityGroupId"], p.get("InstanceId", ""), p.get("NetworkInterfaceId", "")
    )
    return {}


def modify_network_interface_attribute(b: Backend, p: dict[str, str]) -> dict[str, Any]:
    eni = b.workloads.eni(p["NetworkInterfaceId"])
    groups = repeat_list(p, "SecurityGroupId")
    if groups:
        b.workloads.replace_groups(eni.eni_id, groups)
    if "NetworkInterfaceName" in p:
        eni.name = p["NetworkInterfaceName"]
    if "Description" in p:
        eni.description = p["Description"]
    return {}


HANDLERS = {
    "DescribeInstances": describe_instances,
    "DescribeNetworkInterfaces": describe_network_interfaces,
    "DescribeNetworkInterfaceAttribute": describe_network_interface_attribute,
    "JoinSecurityGroup": join_security_group,
    "LeaveSecurityGroup": leave_security_group,
    "ModifyNetworkInterfaceAttribute": modify_network_interface_attribute,
}
