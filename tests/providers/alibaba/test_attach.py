"""Attachment on Alibaba Cloud against the fake ECS endpoint, read back through the SDK (never
through eastwest's reader): ENIs carry eastwest's group, other groups stay (add) or leave and
come back byte-identical (exclusive), drift is restored, new instances are picked up, and
excluded ENIs are never touched."""

from __future__ import annotations

import json
import time
import urllib.request
from typing import Any

import pytest

from moto_fixtures.alibaba import landing_zone as lz
from moto_fixtures.alibaba.seed import SeedReport
from moto_fixtures.alibaba.server import AlibabaServer
from orchestrator.apply import apply_plan
from orchestrator.model.policy import Policy
from orchestrator.pipeline import plan_policy
from orchestrator.plan import Plan
from orchestrator.state import Action
from providers.alibaba import translate as tr
from providers.alibaba.adapter import AlibabaAdapter
from tests.providers.alibaba import cloud as c
from tests.providers.alibaba.conftest import policy

NAME = "ali-test"


def mode(attach: str) -> Policy:
    return Policy.model_validate({**policy().model_dump(by_alias=True), "attach": attach})


def plan(adapter: AlibabaAdapter, pol: Policy) -> Plan:
    result = plan_policy(pol, lambda _: adapter, lambda _: None)
    assert result.plan is not None, result.diagnostics
    assert not result.failed, result.diagnostics
    return result.plan


def apply(adapter: AlibabaAdapter, pol: Policy) -> None:
    report = apply_plan(plan(adapter, pol), lambda _: adapter)
    assert report.ok, [r.message for _, r in report.results if not r.ok] + list(report.errors)


def enis(server: AlibabaServer) -> dict[str, dict[str, Any]]:
    body = c.rpc(server, c.ECS, "DescribeNetworkInterfaces", PageSize="1000")
    rows = body["NetworkInterfaceSets"]["NetworkInterfaceSet"]
    return {r["NetworkInterfaceId"]: r for r in rows}


def groups_of(row: dict[str, Any]) -> list[str]:
    return list(row["SecurityGroupIds"]["SecurityGroupId"])


def eastwest_groups(server: AlibabaServer) -> dict[str, str]:
    """VPC → eastwest's group there."""
    return {g["VpcId"]: g["SecurityGroupId"] for g in c.owned_groups(server, NAME)}


def members(cloud: tuple[AlibabaServer, SeedReport]) -> set[str]:
    """The seeded ENIs in the policy's member VPCs (spokes) that eastwest may attach."""
    _, report = cloud
    spokes = {report.vpcs[s.name] for s in lz.SPOKES}
    excluded = set(report.excluded_interfaces.values())
    return {k for k, v in enis(cloud[0]).items() if v["VpcId"] in spokes and k not in excluded}


def test_add_attaches_every_in_scope_eni_beside_its_groups(
    cloud: tuple[AlibabaServer, SeedReport], adapter: AlibabaAdapter
) -> None:
    server, report = cloud
    before = enis(server)
    apply(adapter, mode("add"))
    after = enis(server)
    ours = eastwest_groups(server)
    in_scope = members(cloud)
    assert len(in_scope) >= 12
    for eni_id, row in after.items():
        if eni_id in in_scope:
            assert groups_of(row) == [*groups_of(before[eni_id]), ours[row["VpcId"]]]
        else:
            assert row == before[eni_id]  # excluded or outside the policy: byte-identical
    for eni_id in report.excluded_interfaces.values():
        assert after[eni_id] == before[eni_id]
    assert not plan(adapter, mode("add")).has_changes


def test_add_mode_groups_hold_no_drop_and_exclusive_ones_one_at_100(
    server: AlibabaServer, adapter: AlibabaAdapter
) -> None:
    """A drop in an added group would beat other groups' accepts at its priority and their
    implicit egress allow: in add mode eastwest's group only accepts."""
    apply(adapter, mode("add"))
    for group in c.owned_groups(server, NAME):
        assert not [r for r in c.rules(server, group["SecurityGroupId"]) if r["Policy"] == "Drop"]
    apply(adapter, mode("exclusive"))
    for group in c.owned_groups(server, NAME):
        drops = [
            (r["Direction"], r["Priority"], r["DestCidrIp"])
            for r in c.rules(server, group["SecurityGroupId"])
            if r["Policy"].lower() == "drop"
        ]
        assert drops == [("egress", "100", "0.0.0.0/0")]
    assert not plan(adapter, mode("exclusive")).has_changes


def test_exclusive_takes_the_others_off_and_puts_them_back_byte_identical(
    cloud: tuple[AlibabaServer, SeedReport], adapter: AlibabaAdapter
) -> None:
    server, _ = cloud
    before = enis(server)
    apply(adapter, mode("exclusive"))
    ours = eastwest_groups(server)
    exclusive = enis(server)
    for eni_id in members(cloud):
        assert groups_of(exclusive[eni_id]) == [ours[exclusive[eni_id]["VpcId"]]]
    apply(adapter, mode("none"))
    assert enis(server) == before


def test_a_group_left_by_hand_is_drift_and_is_restored(
    cloud: tuple[AlibabaServer, SeedReport], adapter: AlibabaAdapter
) -> None:
    server, report = cloud
    apply(adapter, mode("add"))
    instance = report.instances[lz.PERMISSIVE_INSTANCE]
    vpc = report.vpcs[lz.PERMISSIVE_SPOKE]
    group = eastwest_groups(server)[vpc]
    c.rpc(server, c.ECS, "LeaveSecurityGroup", SecurityGroupId=group, InstanceId=instance)
    drift = plan(adapter, mode("add"))
    assert [(ch.action, ch.drift) for ch in drift.changes] == [(Action.CREATE, True)]
    apply(adapter, mode("add"))
    primary = report.network_interfaces[lz.eni_name(lz.PERMISSIVE_INSTANCE, 0)]
    assert group in groups_of(enis(server)[primary])


def test_a_new_instance_is_attached_by_the_next_plan(
    cloud: tuple[AlibabaServer, SeedReport], adapter: AlibabaAdapter
) -> None:
    server, report = cloud
    apply(adapter, mode("add"))
    spoke = lz.SPOKES[0]
    vswitch = next(v for k, v in report.vswitches.items() if k.startswith(spoke.name))
    launched = launch(server, vswitch, report.security_groups[f"{spoke.name}-ops"])
    pending = plan(adapter, mode("add"))
    assert [(ch.action, ch.resource.kind) for ch in pending.changes] == [
        (Action.CREATE, "group_attachment")
    ]
    apply(adapter, mode("add"))
    row = next(r for r in enis(server).values() if r.get("InstanceId") == launched)
    assert eastwest_groups(server)[row["VpcId"]] in groups_of(row)


def launch(server: AlibabaServer, vswitch: str, group: str) -> str:
    """A scale-out: the fake's RunInstances stand-in, then wait until the instance runs."""
    body = json.dumps({"VSwitchId": vswitch, "SecurityGroupIds": [group], "InstanceName": "new"})
    request = urllib.request.Request(
        f"{server.url}/_eastwest/instances", data=body.encode(), method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        instance = str(json.loads(response.read())["InstanceId"])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        rows = c.rpc(server, c.ECS, "DescribeInstances", InstanceIds=json.dumps([instance]))
        if rows["Instances"]["Instance"][0]["Status"] == "Running":
            return instance
        time.sleep(0.05)
    raise AssertionError(f"{instance} never ran")


@pytest.mark.parametrize("attach", ["add", "exclusive"])
def test_a_noop_plan_reads_the_interfaces_once_at_the_largest_page(
    adapter: AlibabaAdapter, sent: list[tuple[str, str, dict[str, str]]], attach: str
) -> None:
    apply(adapter, mode(attach))
    sent.clear()
    assert not plan(adapter, mode(attach)).has_changes
    reads = [p for _, action, p in sent if action == "DescribeNetworkInterfaces"]
    assert len(reads) >= 1
    assert {p["PageSize"] for p in reads} == {"1000"}
    assert {p["PageNumber"] for p in reads} == {"1"}  # one page (a throttled one is sent again)
    assert not [a for _, a, _ in sent if not a.startswith(("Describe", "List"))]


def test_add_writes_once_per_interface_and_tags_once_per_group(
    cloud: tuple[AlibabaServer, SeedReport],
    adapter: AlibabaAdapter,
    sent: list[tuple[str, str, dict[str, str]]],
) -> None:
    server, _ = cloud
    in_scope = members(cloud)
    primaries = {k for k in in_scope if enis(server)[k]["Type"] == "Primary"}
    apply(adapter, mode("add"))
    # Throttled calls are sent again: count distinct requests.
    distinct = {(a, tuple(sorted(p.items()))) for _, a, p in sent}
    by_action: dict[str, int] = {}
    for action, params in distinct:
        if dict(params).get("ResourceType", "eni") == "eni":
            by_action[action] = by_action.get(action, 0) + 1
    assert by_action["JoinSecurityGroup"] == len(primaries)
    assert by_action["ModifyNetworkInterfaceAttribute"] == len(in_scope) - len(primaries)
    assert by_action["TagResources"] == len(eastwest_groups(server))  # the ledger, per group
    assert "LeaveSecurityGroup" not in by_action


def test_a_drop_put_back_by_hand_on_an_added_group_is_planned_and_revoked(
    server: AlibabaServer, adapter: AlibabaAdapter
) -> None:
    apply(adapter, mode("add"))
    gid = c.owned_groups(server, NAME)[0]["SecurityGroupId"]
    c.rpc(
        server,
        c.ECS,
        "AuthorizeSecurityGroupEgress",
        SecurityGroupId=gid,
        **{f"Permissions.1.{k}": v for k, v in tr.BASELINE.items()},
    )
    changed = plan(adapter, mode("add"))
    assert [(ch.action, ch.resource.kind) for ch in changed.changes] == [
        (Action.UPDATE, "firewall_group")
    ]
    apply(adapter, mode("add"))
    assert not [r for r in c.rules(server, gid) if r["Policy"].lower() == "drop"]
    assert not plan(adapter, mode("add")).has_changes


def test_add_to_none_converges_in_one_apply(
    cloud: tuple[AlibabaServer, SeedReport], adapter: AlibabaAdapter
) -> None:
    """The group guards nothing once detached, so its egress baseline comes back in the same
    apply (before, the plan after showed every group ``~`` "baseline missing")."""
    server, _ = cloud
    before = enis(server)
    apply(adapter, mode("add"))
    apply(adapter, mode("none"))
    pending = plan(adapter, mode("none"))
    assert [(ch.action, ch.resource.kind) for ch in pending.changes] == []
    assert enis(server) == before
