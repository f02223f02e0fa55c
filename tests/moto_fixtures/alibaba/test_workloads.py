"""ECS instances and ENIs of the Alibaba fake, read and changed through the real SDK request
classes: shapes, filters, both paging styles and the membership rules with their error codes."""

from __future__ import annotations

import json
import urllib.error
from typing import Any

import pytest
from aliyunsdkcore.acs_exception.exceptions import ServerException
from aliyunsdkecs.request.v20140526 import (
    DeleteSecurityGroupRequest,
    DescribeInstancesRequest,
    DescribeNetworkInterfaceAttributeRequest,
    DescribeNetworkInterfacesRequest,
    JoinSecurityGroupRequest,
    LeaveSecurityGroupRequest,
    ListTagResourcesRequest,
    ModifyNetworkInterfaceAttributeRequest,
    TagResourcesRequest,
)

from moto_fixtures.alibaba import landing_zone as lz
from moto_fixtures.alibaba.clients import acs_client, call
from moto_fixtures.alibaba.seed import SeedReport
from moto_fixtures.alibaba.server import AlibabaServer, start_alibaba_server
from moto_fixtures.consoles import AlibabaConsole
from tests.moto_fixtures.alibaba.marks import needs_metadata

pytestmark = needs_metadata
Seeded = tuple[AlibabaServer, SeedReport]
WEB_H = "spoke-web-1-vm-h"
DB_H = lz.PERMISSIVE_INSTANCE
APP_ETH1 = lz.eni_name(lz.SECONDARY_INSTANCE, 1)


def send(acs: Any, server: AlibabaServer, request_class: Any, **setters: Any) -> dict[str, Any]:
    """One request of ``request_class`` (a module of aliyunsdkecs), ``set_<name>(value)`` each."""
    request = getattr(request_class, request_class.__name__.rsplit(".", 1)[-1])()
    for name, value in setters.items():
        getattr(request, f"set_{name}")(value)
    return call(acs, server, request)


def instances(acs: Any, server: AlibabaServer, **setters: Any) -> list[dict[str, Any]]:
    rows = send(acs, server, DescribeInstancesRequest, PageSize=100, **setters)
    return list(rows["Instances"]["Instance"])


def enis(acs: Any, server: AlibabaServer, **setters: Any) -> list[dict[str, Any]]:
    body = send(acs, server, DescribeNetworkInterfacesRequest, MaxResults=500, **setters)
    return list(body["NetworkInterfaceSets"]["NetworkInterfaceSet"])


def error_of(
    acs: Any, server: AlibabaServer, request_class: Any, **setters: Any
) -> tuple[str, int]:
    with pytest.raises(ServerException) as caught:
        send(acs, server, request_class, **setters)
    return caught.value.get_error_code(), caught.value.get_http_status()


def _console(server: AlibabaServer) -> AlibabaConsole:
    """The console a user (or the demo) drives, from the fake's sandbox.json section."""
    section = {
        "endpoint_url": server.url,
        "access_key_id": server.access_key_id,
        "access_key_secret": server.access_key_secret,
        "regions": [server.backend.region],
    }
    return AlibabaConsole(section)


def groups_of(acs: Any, server: AlibabaServer, eni: str) -> list[str]:
    row = send(acs, server, DescribeNetworkInterfaceAttributeRequest, NetworkInterfaceId=eni)
    return list(row["SecurityGroupIds"]["SecurityGroupId"])


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


def test_join_and_leave_through_the_instance_and_through_an_eni(seeded: Seeded, acs: Any) -> None:
    server, report = seeded
    extra = server.backend.ecs.create_group("extra", "", report.vpcs["spoke-web-1"], "normal", {})
    instance, primary = report.instances[WEB_H], report.network_interfaces[f"{WEB_H}-eth0"]
    ops = report.security_groups["spoke-web-1-ops"]
    send(acs, server, JoinSecurityGroupRequest, SecurityGroupId=extra.group_id, InstanceId=instance)
    assert groups_of(acs, server, primary) == [ops, extra.group_id]
    send(acs, server, LeaveSecurityGroupRequest, SecurityGroupId=ops, NetworkInterfaceId=primary)
    (row,) = instances(acs, server, InstanceIds=json.dumps([instance]))
    assert row["SecurityGroupIds"]["SecurityGroupId"] == [extra.group_id]


def _join_cases() -> list[Any]:
    web, db = "spoke-web-1-ops", "spoke-db-1-ops"
    return [
        pytest.param(
            JoinSecurityGroupRequest,
            db,
            "instance",
            WEB_H,
            ("InvalidInstanceId.Mismatch", 400),
            id="join-other-vpc-instance",
        ),
        pytest.param(
            JoinSecurityGroupRequest,
            db,
            "eni",
            f"{WEB_H}-eth0",
            ("InvalidOperation.VpcMismatch", 403),
            id="join-other-vpc-eni",
        ),
        pytest.param(
            JoinSecurityGroupRequest,
            web,
            "instance",
            WEB_H,
            ("InvalidInstanceId.AlreadyExists", 403),
            id="join-twice",
        ),
        pytest.param(
            JoinSecurityGroupRequest,
            "sg-nope",
            "instance",
            WEB_H,
            ("InvalidSecurityGroupId.NotFound", 404),
            id="join-unknown-group",
        ),
        pytest.param(
            JoinSecurityGroupRequest,
            web,
            "instance",
            "i-nope",
            ("InvalidInstanceId.NotFound", 404),
            id="join-unknown-instance",
        ),
        pytest.param(
            JoinSecurityGroupRequest,
            web,
            "eni",
            "eni-nope",
            ("InvalidEniId.NotFound", 404),
            id="join-unknown-eni",
        ),
        pytest.param(
            JoinSecurityGroupRequest,
            "spoke-app-1-ops",
            "eni",
            lz.ENDPOINT_ENI,
            ("InvalidOperation.EniServiceManaged", 403),
            id="join-service-eni",
        ),
        pytest.param(
            LeaveSecurityGroupRequest,
            web,
            "instance",
            WEB_H,
            ("InstanceLastSecurityGroup", 403),
            id="leave-last-instance",
        ),
        pytest.param(
            LeaveSecurityGroupRequest,
            "spoke-app-1-ops",
            "eni",
            APP_ETH1,
            ("InvalidOperation.AtLeastInOneGroup", 403),
            id="leave-last-eni",
        ),
        pytest.param(
            LeaveSecurityGroupRequest,
            lz.PERMISSIVE_GROUP,
            "instance",
            "spoke-db-1-vm-i",
            ("InvalidSecurityGroupAssociation.NotFound", 400),
            id="leave-not-member",
        ),
    ]


@pytest.mark.parametrize(("action", "group", "kind", "target", "error"), _join_cases())
def test_membership_refusals_change_nothing(  # noqa: PLR0917 (the table's columns)
    seeded: Seeded,
    acs: Any,
    action: Any,
    group: str,
    kind: str,
    target: str,
    error: tuple[str, int],
) -> None:
    server, report = seeded
    before = {e: list(n.groups) for e, n in server.backend.workloads.enis.items()}
    ids = report.instances if kind == "instance" else report.network_interfaces
    key = "InstanceId" if kind == "instance" else "NetworkInterfaceId"
    params = {
        "SecurityGroupId": report.security_groups.get(group, group),
        key: ids.get(target, target),
    }
    assert error_of(acs, server, action, **params) == error
    assert {e: n.groups for e, n in server.backend.workloads.enis.items()} == before


def test_both_or_neither_target_is_refused(seeded: Seeded, acs: Any) -> None:
    server, report = seeded
    group = report.security_groups["spoke-web-1-ops"]
    both = {"InstanceId": report.instances[WEB_H], "NetworkInterfaceId": "eni-x"}
    assert error_of(acs, server, JoinSecurityGroupRequest, SecurityGroupId=group, **both) == (
        "InvalidParam.EniIdAndInstanceId.Conflict",
        403,
    )
    assert error_of(acs, server, JoinSecurityGroupRequest, SecurityGroupId=group)[0] == (
        "MissingParameter"
    )


def _vpc_groups(server: AlibabaServer, vpc_id: str, count: int, kind: str = "normal") -> list[str]:
    return [
        server.backend.ecs.create_group(f"g{i}", "", vpc_id, kind, {}).group_id
        for i in range(count)
    ]


def test_five_groups_per_interface_unless_the_quota_was_raised(seeded: Seeded, acs: Any) -> None:
    server, report = seeded
    instance = report.instances[WEB_H]
    extra = _vpc_groups(server, report.vpcs["spoke-web-1"], 5)
    for group in extra[:4]:
        send(acs, server, JoinSecurityGroupRequest, SecurityGroupId=group, InstanceId=instance)
    sixth = {"SecurityGroupId": extra[4], "InstanceId": instance}
    assert error_of(acs, server, JoinSecurityGroupRequest, **sixth) == (
        "InstanceSecurityGroupLimitExceeded",
        400,
    )
    server.backend.workloads.group_quota = 10  # a quota ticket granted
    send(acs, server, JoinSecurityGroupRequest, **sixth)
    assert len(groups_of(acs, server, report.network_interfaces[f"{WEB_H}-eth0"])) == 6


def test_modify_replaces_a_secondary_enis_groups(seeded: Seeded, acs: Any) -> None:
    server, report = seeded
    eni = report.network_interfaces[APP_ETH1]
    new = _vpc_groups(server, report.vpcs["spoke-app-1"], 2)
    send(
        acs,
        server,
        ModifyNetworkInterfaceAttributeRequest,
        NetworkInterfaceId=eni,
        SecurityGroupIds=new,
    )
    assert groups_of(acs, server, eni) == new


def _modify_cases() -> list[Any]:
    app = "spoke-app-1"
    return [
        pytest.param(
            f"{WEB_H}-eth0",
            "spoke-web-1",
            1,
            ("InvalidOperation.PrimaryEniOnlySupportModifyNameAndDesc", 404),
            id="primary-eni",
        ),
        pytest.param(APP_ETH1, app, 6, ("JoinedGroupLimitExceed", 400), id="six-groups"),
        pytest.param(
            APP_ETH1, "spoke-web-1", 1, ("InvalidOperation.VpcMismatch", 403), id="other-vpc"
        ),
        pytest.param(
            lz.ENDPOINT_ENI, app, 1, ("InvalidOperation.EniServiceManaged", 403), id="service-eni"
        ),
        pytest.param(APP_ETH1, app, -2, ("InvalidParameter", 400), id="duplicate-group"),
        pytest.param(
            APP_ETH1,
            app,
            "mixed",
            ("InvalidOperation.MultiGroupType", 403),
            id="normal-and-enterprise",
        ),
    ]


@pytest.mark.parametrize(("eni", "vpc", "groups", "error"), _modify_cases())
def test_modify_refusals_change_nothing(  # noqa: PLR0917 (the table's columns)
    seeded: Seeded, acs: Any, eni: str, vpc: str, groups: Any, error: tuple[str, int]
) -> None:
    server, report = seeded
    vpc_id = report.vpcs[vpc]
    if groups == "mixed":
        wanted = _vpc_groups(server, vpc_id, 1) + _vpc_groups(server, vpc_id, 1, "enterprise")
    elif groups < 0:
        wanted = _vpc_groups(server, vpc_id, 1) * -groups
    else:
        wanted = _vpc_groups(server, vpc_id, groups)
    eni_id = report.network_interfaces[eni]
    before = groups_of(acs, server, eni_id)
    params = {"NetworkInterfaceId": eni_id, "SecurityGroupIds": wanted}
    assert error_of(acs, server, ModifyNetworkInterfaceAttributeRequest, **params) == error
    assert groups_of(acs, server, eni_id) == before


def test_a_group_with_members_cannot_be_deleted(seeded: Seeded, acs: Any) -> None:
    server, report = seeded
    group = report.security_groups[lz.PERMISSIVE_GROUP]
    assert error_of(acs, server, DeleteSecurityGroupRequest, SecurityGroupId=group) == (
        "DependencyViolation",
        403,
    )
    instance = report.instances[DB_H]
    send(acs, server, LeaveSecurityGroupRequest, SecurityGroupId=group, InstanceId=instance)
    send(acs, server, DeleteSecurityGroupRequest, SecurityGroupId=group)


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
        console = _console(server)
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
    console = _console(server)
    before = set(server.backend.workloads.instances)
    with pytest.raises(urllib.error.HTTPError) as caught:
        console.launch_instance(
            report.vswitches["spoke-web-1-h"], [report.security_groups["spoke-db-1-ops"]], "x"
        )
    assert caught.value.code == 403
    assert json.loads(caught.value.read())["Code"] == "InvalidOperation.VpcMismatch"
    assert set(server.backend.workloads.instances) == before
