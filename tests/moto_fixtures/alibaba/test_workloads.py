"""ECS instances and ENIs of the Alibaba fake read through the real SDK request classes:
shapes, filters, both paging styles, tags, and instances launched at run time."""

from __future__ import annotations

import json
import urllib.error
from typing import Any

import pytest
from aliyunsdkecs.request.v20140526 import (
    DescribeInstancesRequest,
    DescribeNetworkInterfacesRequest,
    JoinSecurityGroupRequest,
    ListTagResourcesRequest,
    TagResourcesRequest,
)

from moto_fixtures.alibaba import landing_zone as lz
from moto_fixtures.alibaba.clients import acs_client
from moto_fixtures.alibaba.server import AlibabaServer, start_alibaba_server
from tests.moto_fixtures.alibaba.workload_calls import (
    APP_ETH1,
    DB_H,
    WEB_H,
    Seeded,
    console_for,
    enis,
    error_of,
    instances,
    send,
)


def test_an_instance_reads_back_with_its_vpc_groups_and_primary_eni(
    seeded: Seeded, acs: Any
) -> None:
    server, report = seeded
    (row,) = instances(acs, server, InstanceIds=json.dumps([report.instances[WEB_H]]))
    assert row["InstanceName"] == WEB_H
    assert row["Status"] == "Running"
    assert row["ZoneId"] == lz.ZONES[0]
    assert row["VpcAttributes"]["VpcId"] == report.vpcs["spoke-web-1"]
    assert row["VpcAttributes"]["VSwitchId"] == report.vswitches["spoke-web-1-h"]
    assert row["SecurityGroupIds"]["SecurityGroupId"] == [report.security_groups["spoke-web-1-ops"]]
    (nic,) = row["NetworkInterfaces"]["NetworkInterface"]
    assert (nic["Type"], nic["NetworkInterfaceId"]) == (
        "Primary",
        report.network_interfaces[f"{WEB_H}-eth0"],
    )
    assert row["VpcAttributes"]["PrivateIpAddress"]["IpAddress"] == [nic["PrimaryIpAddress"]]
    assert nic["PrimaryIpAddress"].startswith("10.50.")
    assert row["Tags"]["Tag"] == [{"TagKey": "app", "TagValue": "web"}]


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        pytest.param(
            lambda r: {"VpcId": r.vpcs["spoke-app-2"]},
            {"spoke-app-2-vm-h", "spoke-app-2-vm-i"},
            id="vpc",
        ),
        pytest.param(
            lambda r: {"VSwitchId": r.vswitches["spoke-db-2-i"]}, {"spoke-db-2-vm-i"}, id="vswitch"
        ),
        pytest.param(
            lambda r: {"SecurityGroupId": r.security_groups[lz.PERMISSIVE_GROUP]},
            {DB_H},
            id="security-group",
        ),
        pytest.param(
            lambda r: {"InstanceIds": json.dumps([r.instances[WEB_H], r.instances[DB_H]])},
            {WEB_H, DB_H},
            id="instance-ids",
        ),
        pytest.param(lambda r: {"InstanceIds": "[]"}, set(), id="empty-ids-match-nothing"),
        pytest.param(
            lambda r: {"Tags": [{"Key": "role", "Value": "firewall"}]},
            {"fw-vm-h", "fw-vm-i"},
            id="tag",
        ),
        pytest.param(
            lambda r: {"Tags": [{"Key": "app"}], "ZoneId": lz.ZONES[1], "InstanceName": "*-db-*"},
            {"spoke-db-1-vm-i", "spoke-db-2-vm-i"},
            id="tag-key-zone-name-wildcard",
        ),
    ],
)
def test_describe_instances_filters(
    seeded: Seeded, acs: Any, filters: Any, expected: set[str]
) -> None:
    server, report = seeded
    assert {r["InstanceName"] for r in instances(acs, server, **filters(report))} == expected


def test_describe_instances_pages_by_token_and_by_number(seeded: Seeded, acs: Any) -> None:
    server, report = seeded
    seen: list[str] = []
    token = ""
    sizes = []
    while True:
        extra = {"NextToken": token} if token else {}
        # Below 10 counts as 10, as the metadata documents.
        body = send(acs, server, DescribeInstancesRequest, MaxResults=3, **extra)
        rows = body["Instances"]["Instance"]
        sizes.append(len(rows))
        seen += [r["InstanceId"] for r in rows]
        token = body["NextToken"]
        if not token:
            break
    assert sizes == [10, 4]
    assert sorted(seen) == sorted(report.instances.values())
    numbered = [
        send(acs, server, DescribeInstancesRequest, PageNumber=n, PageSize=5) for n in (1, 2, 3, 4)
    ]
    assert [len(b["Instances"]["Instance"]) for b in numbered] == [5, 5, 4, 0]
    assert {b["TotalCount"] for b in numbered} == {14}


@pytest.mark.parametrize(
    ("setters", "code"),
    [
        pytest.param({"PageSize": 101}, "InvalidParameter", id="page-size-above-100"),
        pytest.param({"NextToken": "bogus"}, "InValidParameter.NextToken", id="foreign-token"),
        pytest.param({"Status": "Exploded"}, "InvalidStatus.NotFound", id="unknown-status"),
        pytest.param({"InstanceIds": "i-1"}, "InvalidParameter", id="ids-not-json"),
    ],
)
def test_describe_instances_refuses(
    seeded: Seeded, acs: Any, setters: dict[str, Any], code: str
) -> None:
    server, _ = seeded
    assert error_of(acs, server, DescribeInstancesRequest, **setters)[0] == code


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        pytest.param(
            lambda r: {"InstanceId": r.instances[lz.SECONDARY_INSTANCE]},
            {f"{lz.SECONDARY_INSTANCE}-eth0", APP_ETH1},
            id="instance",
        ),
        pytest.param(
            lambda r: {"VpcId": r.vpcs["security"], "Type": "Secondary"},
            {"fw-vm-h-eth1", "fw-vm-i-eth1"},
            id="vpc-and-type",
        ),
        pytest.param(
            lambda r: {"NetworkInterfaceIds": [r.network_interfaces[APP_ETH1]]},
            {APP_ETH1},
            id="ids",
        ),
        pytest.param(
            # Secondary ENIs only: the metadata sends primary ones to DescribeInstances.
            lambda r: {"SecurityGroupId": r.security_groups["spoke-app-1-ops"]},
            {APP_ETH1, lz.ENDPOINT_ENI},
            id="security-group-secondary-only",
        ),
        pytest.param(
            lambda r: {"VSwitchId": r.vswitches["spoke-web-2-i"]},
            {"spoke-web-2-vm-i-eth0"},
            id="vswitch",
        ),
    ],
)
def test_describe_network_interfaces_filters(
    seeded: Seeded, acs: Any, filters: Any, expected: set[str]
) -> None:
    server, report = seeded
    names = {v: k for k, v in report.network_interfaces.items()}
    found = {names[r["NetworkInterfaceId"]] for r in enis(acs, server, **filters(report))}
    assert found == expected


def test_an_eni_row_has_the_documented_shape(seeded: Seeded, acs: Any) -> None:
    server, report = seeded
    rows = {r["NetworkInterfaceId"]: r for r in enis(acs, server, VpcId=report.vpcs["spoke-app-1"])}
    secondary = rows[report.network_interfaces[APP_ETH1]]
    assert secondary["Type"] == "Secondary"
    assert secondary["Status"] == "InUse"
    assert secondary["InstanceId"] == report.instances[lz.SECONDARY_INSTANCE]
    assert secondary["SecurityGroupIds"] == {
        "SecurityGroupId": [report.security_groups["spoke-app-1-ops"]]
    }
    assert secondary["ServiceManaged"] is False
    endpoint = rows[report.network_interfaces[lz.ENDPOINT_ENI]]
    assert endpoint["ServiceManaged"] is True
    assert endpoint["ServiceID"] == lz.ENDPOINT_SERVICE_ID
    assert "InstanceId" not in endpoint  # a service's ENI names no instance


def test_network_interfaces_page_at_most_500_by_token_and_1000_by_number(
    alibaba: AlibabaServer, acs: Any
) -> None:
    backend = alibaba.backend
    vpc = backend.vpc.add_vpc("big", "10.200.0.0/16", {})
    vsw = backend.vpc.add_vswitch(vpc.vpc_id, lz.ZONES[0], "10.200.0.0/20", "big-h")
    group = backend.ecs.create_group("g", "", vpc.vpc_id, "normal", {})
    for _ in range(1100):
        backend.workloads.add_eni(vsw.vswitch_id, [group.group_id])
    first = send(acs, alibaba, DescribeNetworkInterfacesRequest, MaxResults=1000)
    assert len(first["NetworkInterfaceSets"]["NetworkInterfaceSet"]) == 500
    second = send(
        acs,
        alibaba,
        DescribeNetworkInterfacesRequest,
        MaxResults=1000,
        NextToken=first["NextToken"],
    )
    assert len(second["NetworkInterfaceSets"]["NetworkInterfaceSet"]) == 500
    numbered = send(acs, alibaba, DescribeNetworkInterfacesRequest, PageNumber=2, PageSize=1000)
    assert len(numbered["NetworkInterfaceSets"]["NetworkInterfaceSet"]) == 100
    assert (numbered["PageNumber"], numbered["PageSize"], numbered["TotalCount"]) == (2, 1000, 1100)
    assert error_of(acs, alibaba, DescribeNetworkInterfacesRequest, PageSize=1001)[0] == (
        "InvalidParameter"
    )


@pytest.mark.parametrize(
    ("resource_type", "name", "kind"),
    [
        pytest.param("instance", WEB_H, "instances", id="instance"),
        pytest.param("eni", APP_ETH1, "network_interfaces", id="eni"),
    ],
)
def test_tags_on_instances_and_enis(
    seeded: Seeded, acs: Any, resource_type: str, name: str, kind: str
) -> None:
    server, report = seeded
    resource = getattr(report, kind)[name]
    tags = [{"Key": "segment", "Value": "web"}]
    send(
        acs,
        server,
        TagResourcesRequest,
        ResourceType=resource_type,
        ResourceIds=[resource],
        Tags=tags,
    )
    listed = send(acs, server, ListTagResourcesRequest, ResourceType=resource_type, Tags=tags)
    rows = listed["TagResources"]["TagResource"]
    # Every tag of every resource carrying segment=web: here only the one just tagged.
    assert {(r["ResourceType"], r["ResourceId"]) for r in rows} == {(resource_type, resource)}
    assert {"TagKey": "segment", "TagValue": "web"} in [
        {"TagKey": r["TagKey"], "TagValue": r["TagValue"]} for r in rows
    ]
    # The describe's Tag.N filter finds it too (and nothing else: no other resource has it).
    if resource_type == "instance":
        found = [r["InstanceId"] for r in instances(acs, server, Tags=tags)]
    else:
        found = [r["NetworkInterfaceId"] for r in enis(acs, server, Tags=tags)]
    assert found == [resource]


def test_a_launched_instance_is_pending_then_running_and_then_listed() -> None:
    # Long enough to read Pending on a loaded machine; the test then makes it Running itself.
    with start_alibaba_server(async_delay=1.5) as server:
        backend = server.backend
        vpc = backend.vpc.add_vpc("v", "10.9.0.0/16", {"segment": "web"})
        vsw = backend.vpc.add_vswitch(vpc.vpc_id, lz.ZONES[0], "10.9.0.0/20", "v-h")
        group = backend.ecs.create_group("g", "", vpc.vpc_id, "normal", {}).group_id
        console = console_for(server)
        launched = console.launch_instance(vsw.vswitch_id, [group], "new", {"app": "web"})
        assert [c.action for c in server.calls.calls()] == ["RunInstances"]
        acs = acs_client(server)
        (row,) = instances(acs, server, VpcId=vpc.vpc_id)
        assert (row["InstanceId"], row["Status"]) == (launched["InstanceId"], "Pending")
        join = {"SecurityGroupId": group, "InstanceId": launched["InstanceId"]}
        assert (
            error_of(acs, server, JoinSecurityGroupRequest, **join)[0] == "IncorrectInstanceStatus"
        )
        backend.workloads.instances[launched["InstanceId"]].ready_at = 0.0
        (row,) = instances(acs, server, VpcId=vpc.vpc_id)
        assert row["Status"] == "Running"
        (eni,) = console.interfaces(InstanceId=launched["InstanceId"])
        assert (eni["NetworkInterfaceId"], eni["Type"]) == (
            launched["NetworkInterfaceId"],
            "Primary",
        )


def test_launch_refuses_groups_of_another_vpc(seeded: Seeded) -> None:
    server, report = seeded
    console = console_for(server)
    before = set(server.backend.workloads.instances)
    with pytest.raises(urllib.error.HTTPError) as caught:
        console.launch_instance(
            report.vswitches["spoke-web-1-h"], [report.security_groups["spoke-db-1-ops"]], "x"
        )
    assert caught.value.code == 403
    assert json.loads(caught.value.read())["Code"] == "InvalidOperation.VpcMismatch"
    assert set(server.backend.workloads.instances) == before
