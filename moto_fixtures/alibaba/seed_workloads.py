"""The landing zone's workloads: ECS instances and ENIs, seeded after the network exists.

In: the server, a function sending one SDK request to it, and the VPC and vSwitch ids by name.
Out: ``SeededWorkloads`` (ids by name). Always: instances and ENIs have no create action in the
metadata, so they are made on ``server.backend.workloads`` (as RunInstances would make them:
a primary ENI in the launch vSwitch and the launch groups); groups and memberships that have an
action go through the SDK. The firewall data ENIs are the first ENIs made, so their ids stay
``eni-eastwest00000000llpu`` and ``…lrtt`` (``policies/examples/sandbox-multicloud.yaml``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from aliyunsdkecs.request.v20140526 import (
    AuthorizeSecurityGroupRequest,
    CreateSecurityGroupRequest,
    DescribeInstancesRequest,
    JoinSecurityGroupRequest,
)

from moto_fixtures.alibaba import landing_zone as lz
from moto_fixtures.alibaba.models.workloads import Launch
from moto_fixtures.alibaba.server import AlibabaServer

Send = Callable[[Any], dict[str, Any]]
# An instance is Running after the server's async_delay; a seed waiting longer has hung.
RUNNING_TIMEOUT_S = 30.0
_POLL_S = 0.02


@dataclass
class SeededWorkloads:
    groups: dict[str, str] = field(default_factory=dict)  # hand-made, like the -ops groups
    instances: dict[str, str] = field(default_factory=dict)
    enis: dict[str, str] = field(default_factory=dict)  # every ENI below, by name
    firewall_enis: dict[str, str] = field(default_factory=dict)
    excluded: dict[str, str] = field(default_factory=dict)  # ENIs no workload group may touch


def rule(protocol: str, ports: str, priority: str, description: str, **peer: str) -> dict[str, str]:
    return {
        "IpProtocol": protocol,
        "PortRange": ports,
        "Priority": priority,
        "Policy": "accept",
        "Description": description,
        **peer,
    }


def hand_made_group(  # noqa: PLR0917 (one argument per console field)
    send: Send,
    vpc_id: str,
    name: str,
    description: str,
    tags: Mapping[str, str],
    ingress: Callable[[str], list[dict[str, str]]],
) -> str:
    """A group made as in the console; ``ingress`` gets the new id (for self-references)."""
    create = CreateSecurityGroupRequest.CreateSecurityGroupRequest()
    create.set_VpcId(vpc_id)
    create.set_SecurityGroupName(name)
    create.set_Description(description)
    create.set_Tags([{"Key": k, "Value": v} for k, v in tags.items()])
    group_id = str(send(create)["SecurityGroupId"])
    authorize = AuthorizeSecurityGroupRequest.AuthorizeSecurityGroupRequest()
    authorize.set_SecurityGroupId(group_id)
    authorize.set_Permissions(ingress(group_id))
    send(authorize)
    return group_id


def seed_workloads(
    server: AlibabaServer,
    send: Send,
    vpcs: Mapping[str, str],
    vswitches: Mapping[str, str],
    ops_groups: Mapping[str, str],
) -> SeededWorkloads:
    out = SeededWorkloads()
    _firewalls(server, send, vpcs, vswitches, out)
    for spoke in lz.SPOKES:
        for zone in lz.ZONES:
            vswitch, group = vswitches[spoke.vswitch_name(zone)], ops_groups[spoke.security_group]
            name, tags = lz.instance_name(spoke, zone), {"app": spoke.segment}
            _launch(server, Launch(vswitch, (group,), name, tags), out)
    _permissive(send, vpcs, out)
    _secondary_and_endpoint(server, vswitches, ops_groups, out)
    return out


def _launch(server: AlibabaServer, spec: Launch, out: SeededWorkloads) -> str:
    instance = server.backend.workloads.launch(spec)
    out.instances[spec.name] = instance.instance_id
    out.enis[lz.eni_name(spec.name, 0)] = instance.primary_eni
    return instance.instance_id


def _firewalls(
    server: AlibabaServer,
    send: Send,
    vpcs: Mapping[str, str],
    vswitches: Mapping[str, str],
    out: SeededWorkloads,
) -> None:
    """VM-Series per zone: data ENI first (its id is in the example policy), then the VM."""
    group = hand_made_group(
        send,
        vpcs[lz.SECURITY.name],
        lz.FIREWALL_GROUP,
        "VM-Series interfaces, made by hand",
        {"owner": "netops", "role": "security"},
        lambda _: [rule("ALL", "-1/-1", "1", "all from the VPCs", SourceCidrIp="10.0.0.0/8")],
    )
    out.groups[lz.FIREWALL_GROUP] = group
    workloads = server.backend.workloads
    for zone in lz.ZONES:
        vswitch = vswitches[lz.security_vswitch_name("fw", zone)]
        eni = workloads.add_eni(vswitch, [group], name=lz.firewall_eni_name(zone))
        out.firewall_enis[lz.firewall_eni_name(zone)] = eni.eni_id
    for zone in lz.ZONES:
        vswitch = vswitches[lz.security_vswitch_name("fw", zone)]
        name = lz.firewall_instance_name(zone)
        instance = _launch(server, Launch(vswitch, (group,), name, {"role": "firewall"}), out)
        workloads.attach(out.firewall_enis[lz.firewall_eni_name(zone)], instance)
        out.enis[lz.eni_name(name, 1)] = out.firewall_enis[lz.firewall_eni_name(zone)]
        out.excluded[lz.eni_name(name, 0)] = out.enis[lz.eni_name(name, 0)]
        out.excluded[lz.eni_name(name, 1)] = out.enis[lz.eni_name(name, 1)]


def _permissive(send: Send, vpcs: Mapping[str, str], out: SeededWorkloads) -> None:
    group = hand_made_group(
        send,
        vpcs[lz.PERMISSIVE_SPOKE],
        lz.PERMISSIVE_GROUP,
        "temporary: open PostgreSQL for the migration (made by hand)",
        {"owner": "dba"},
        lambda _: [rule("TCP", "5432/5432", "1", "pg from anywhere", SourceCidrIp="0.0.0.0/0")],
    )
    out.groups[lz.PERMISSIVE_GROUP] = group
    _wait_running(send, out.instances[lz.PERMISSIVE_INSTANCE])
    join = JoinSecurityGroupRequest.JoinSecurityGroupRequest()
    join.set_SecurityGroupId(group)
    join.set_InstanceId(out.instances[lz.PERMISSIVE_INSTANCE])
    send(join)


def _wait_running(send: Send, instance_id: str) -> None:
    """A new instance is ``Pending`` for the server's async delay; a join needs ``Running``."""
    describe = DescribeInstancesRequest.DescribeInstancesRequest()
    describe.set_InstanceIds(json.dumps([instance_id]))
    deadline = time.monotonic() + RUNNING_TIMEOUT_S
    while send(describe)["Instances"]["Instance"][0]["Status"] != "Running":
        if time.monotonic() > deadline:
            raise TimeoutError(f"alibaba {instance_id}: never became Running")
        time.sleep(_POLL_S)


def _secondary_and_endpoint(
    server: AlibabaServer,
    vswitches: Mapping[str, str],
    ops_groups: Mapping[str, str],
    out: SeededWorkloads,
) -> None:
    workloads = server.backend.workloads
    spoke = next(s for s in lz.SPOKES if s.name == lz.ENDPOINT_SPOKE)
    vswitch, group = vswitches[spoke.vswitch_name(lz.ZONES[0])], ops_groups[spoke.security_group]
    name = lz.eni_name(lz.SECONDARY_INSTANCE, 1)
    secondary = workloads.add_eni(vswitch, [group], name=name)
    workloads.attach(secondary.eni_id, out.instances[lz.SECONDARY_INSTANCE])
    out.enis[name] = secondary.eni_id
    endpoint = workloads.add_eni(
        vswitch, [group], name=lz.ENDPOINT_ENI, service_id=lz.ENDPOINT_SERVICE_ID
    )
    out.enis[lz.ENDPOINT_ENI] = out.excluded[lz.ENDPOINT_ENI] = endpoint.eni_id
