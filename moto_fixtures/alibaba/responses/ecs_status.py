"""ECS 2014-05-26 ``DescribeInstanceStatus``: each instance's lifecycle state, on the wire.

What the probe of a VM-Series (``providers/alibaba/health.py``) reads. Always, as the metadata
says: the region's instances, narrowed by ``ZoneId`` and ``InstanceId.N`` (an id that does
not exist is simply not listed; more than 100 are refused before this handler with the code the
metadata documents, ``InvalidParameter.TooManyInstanceIds``, HTTP 403), paged by
``PageNumber``/``PageSize`` (1-50, default 10), sorted by id; ``Status`` is one of Pending,
Running, Starting, Stopping, Stopped; an unknown ``ZoneId`` is ``InvalidZoneId.NotFound``.
"""

from __future__ import annotations

from typing import Any

from moto_fixtures.alibaba.errors import AlibabaError
from moto_fixtures.alibaba.models.backend import Backend
from moto_fixtures.alibaba.models.common import int_param, page_by_number
from moto_fixtures.alibaba.protocol import repeat_list


class InvalidZoneIdNotFoundError(AlibabaError):
    code, status = "InvalidZoneId.NotFound", 404
    message = "The ZoneId provided does not exist in our records."


def describe_instance_status(b: Backend, p: dict[str, str]) -> dict[str, Any]:
    ids = set(repeat_list(p, "InstanceId"))
    zone = p.get("ZoneId")
    if zone and zone not in {v.zone_id for v in b.vpc.vswitches.values()}:
        raise InvalidZoneIdNotFoundError()
    found = [
        i
        for _, i in sorted(b.workloads.instances.items())
        if (not ids or i.instance_id in ids) and (not zone or i.zone_id == zone)
    ]
    number = int_param(p, "PageNumber", 1, 1, None)
    size = int_param(p, "PageSize", 10, 1, 50)
    rows = [{"InstanceId": i.instance_id, "Status": i.status} for i in found]
    return {
        "PageNumber": number,
        "PageSize": size,
        "TotalCount": len(found),
        "InstanceStatuses": {"InstanceStatus": page_by_number(rows, number, size)},
    }


HANDLERS = {"DescribeInstanceStatus": describe_instance_status}
