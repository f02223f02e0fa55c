"""Security-group membership of ECS instances and ENIs in the Alibaba fake, through the real
SDK request classes: JoinSecurityGroup, LeaveSecurityGroup and ModifyNetworkInterfaceAttribute
with the metadata's error codes, the quota, and groups that still have members."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aliyunsdkecs.request.v20140526 import (
    DeleteSecurityGroupRequest,
    JoinSecurityGroupRequest,
    LeaveSecurityGroupRequest,
    ModifyNetworkInterfaceAttributeRequest,
)

from moto_fixtures.alibaba import landing_zone as lz
from moto_fixtures.alibaba.server import AlibabaServer
from tests.moto_fixtures.alibaba.workload_calls import (
    APP_ETH1,
    DB_H,
    WEB_H,
    Seeded,
    error_of,
    groups_of,
    instances,
    send,
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
