"""VPC 2016-04-28 flow logs on the wire: ``CreateFlowLog`` and ``DescribeFlowLogs``.

In: a ``Backend`` and the request's flat parameters. Out: the bodies the metadata's response
schemas give (``TotalCount``, ``PageNumber``, ``PageSize`` and ``Success`` are strings there;
``FlowLogs.FlowLog[]``). Always: a flow log is kept per region, on its VPC, vSwitch or ENI,
which must exist (``InvalidInstanceId``, as documented); ``DescribeFlowLogs`` pages by number,
20 a page by default and 50 at the most, filtered by the documented fields. The fake does not
deliver: records reach its Log Service only when a seed or a test puts them there.
"""

from __future__ import annotations

from typing import Any

from moto_fixtures.alibaba import errors
from moto_fixtures.alibaba.models.backend import Backend
from moto_fixtures.alibaba.models.common import int_param, page_by_number

_KINDS = ("VPC", "VSwitch", "NetworkInterface")
_TRAFFIC = ("All", "Allow", "Drop")
_FILTERS = ("FlowLogId", "FlowLogName", "ResourceType", "ResourceId", "TrafficType",
            "ProjectName", "LogStoreName", "Status", "VpcId", "Description")  # fmt: skip
_CREATED = "2026-12-01T00:00:00Z"


def create_flow_log(b: Backend, p: dict[str, str]) -> dict[str, Any]:
    for name in ("ResourceType", "ResourceId", "TrafficType", "ProjectName", "LogStoreName"):
        if not p.get(name):
            raise errors.MissingParameter(f"{name} is mandatory for this action.")
    if p["ResourceType"] not in _KINDS or p["TrafficType"] not in _TRAFFIC:
        raise errors.documented("ParameterInvalid", 400, "Invalid parameter.")
    vpc_id = _vpc_of(b, p["ResourceType"], p["ResourceId"])
    flow_log_id = b.ids.new("fl-")
    b.flow_logs[flow_log_id] = {
        "FlowLogId": flow_log_id, "FlowLogName": p.get("FlowLogName", ""),
        "Description": p.get("Description", ""), "ResourceType": p["ResourceType"],
        "ResourceId": p["ResourceId"], "TrafficType": p["TrafficType"],
        "ProjectName": p["ProjectName"], "LogStoreName": p["LogStoreName"], "VpcId": vpc_id,
        "Status": "Active",
    }  # fmt: skip
    return {"FlowLogId": flow_log_id, "Success": "true"}


def _vpc_of(b: Backend, kind: str, resource: str) -> str:
    if kind == "VPC" and resource in b.vpc.vpcs:
        return resource
    if kind == "VSwitch" and resource in b.vpc.vswitches:
        return b.vpc.vswitches[resource].vpc_id
    eni = b.workloads.enis.get(resource) if kind == "NetworkInterface" else None
    if eni is None:
        raise errors.documented("InvalidInstanceId", 400, "Instance does not exist.")
    return b.vpc.vswitches[eni.vswitch_id].vpc_id


def describe_flow_logs(b: Backend, p: dict[str, str]) -> dict[str, Any]:
    number, size = int_param(p, "PageNumber", 1, 1, None), int_param(p, "PageSize", 20, 1, 50)
    found = [
        f for _, f in sorted(b.flow_logs.items()) if all(p[k] == f[k] for k in _FILTERS if p.get(k))
    ]
    rows = [_row(b, f) for f in page_by_number(found, number, size)]
    return {
        "FlowLogs": {"FlowLog": rows},
        "TotalCount": str(len(found)),
        "PageNumber": str(number),
        "PageSize": str(size),
        "Success": "true",
    }


def _row(b: Backend, flow_log: dict[str, str]) -> dict[str, Any]:
    shown = {k: v for k, v in flow_log.items() if k != "VpcId"}  # a filter, not a field
    return {
        **shown,
        "RegionId": b.region,
        "AggregationInterval": 10,
        "BusinessStatus": "Normal",
        "CreationTime": _CREATED,
        "FlowLogDeliverStatus": "SUCCESS",
        "ServiceType": "sls",
        "TrafficPath": {"TrafficPathList": []},
        "Tags": {"Tag": []},
    }


HANDLERS = {"CreateFlowLog": create_flow_log, "DescribeFlowLogs": describe_flow_logs}
