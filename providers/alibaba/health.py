"""Alibaba Cloud's word on a hub firewall: the ECS state of the VM-Series its ENI belongs to.

In: the account's ``Api`` (``session.py``), and per probe the region, the firewall's zone and
its next hop (the data ENI the routes point at, ``eni-…``). Out: ``(up, reason)``. The reads:
``DescribeNetworkInterfaces`` (``NetworkInterfaceId.1``) for the instance the ENI is attached
to, then ``DescribeInstanceStatus`` (``InstanceId.1``). Always: up only when the instance is
``Running`` (Pending, Starting, Stopping and Stopped pass no traffic); an ENI attached to no
instance, one that does not exist, or a read that fails is down with the reason; read-only.
What it cannot see: the VM-Series' own health inside a running instance (the ``panos`` probe's
job) and an ENI detached while its instance runs (the ENI then names no instance: down).
"""

from __future__ import annotations

from typing import Any

from orchestrator.errors import EastwestError
from providers.alibaba.errors import ApiError
from providers.alibaba.reader import Api


class InstanceHealth:
    def __init__(self, api: Api) -> None:
        self.api = api

    def probe(self, region: str, zone: str, next_hop: str) -> tuple[bool, str]:
        del zone  # an ENI and its instance are in one zone: the ENI names it
        if not next_hop.startswith("eni-"):
            return False, f"{next_hop} is not an ENI: no instance status to read"
        try:
            return self._probe(region, next_hop)
        except (ApiError, EastwestError) as exc:
            return False, f"instance status of {next_hop} unreadable: {exc}"

    def _probe(self, region: str, eni: str) -> tuple[bool, str]:
        found = self._call(region, "DescribeNetworkInterfaces", {"NetworkInterfaceId.1": eni})
        rows = found["NetworkInterfaceSets"]["NetworkInterfaceSet"]
        if not rows:
            return False, f"ENI {eni} not found"
        instance = rows[0].get("InstanceId")
        if not instance:
            return False, f"ENI {eni} is attached to no instance"
        found = self._call(region, "DescribeInstanceStatus", {"InstanceId.1": str(instance)})
        statuses = found["InstanceStatuses"]["InstanceStatus"]
        status = statuses[0]["Status"] if statuses else "not found"
        return status == "Running", f"instance {instance} of {eni}: {status}"

    def _call(self, region: str, action: str, params: dict[str, str]) -> Any:
        return self.api.call(region, "ecs", action, params)
