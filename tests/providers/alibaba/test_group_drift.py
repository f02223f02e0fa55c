"""A security group deleted through the aliyun SDK (the console's way) is recreated as drift,
not as a plain create: its record lives on the member VPC (``providers/alibaba/records.py``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from moto_fixtures.alibaba.server import AlibabaServer
from orchestrator.model.policy import Policy
from orchestrator.reconcile.once import Mode, Outcome, Tick, reconcile_once
from orchestrator.reconcile.partition import partitions_of
from orchestrator.reconcile.source import PolicySource
from orchestrator.state import Action
from providers.alibaba.adapter import AlibabaAdapter
from providers.core.group_records import record_tag
from tests.providers.alibaba import cloud as c
from tests.providers.alibaba.test_attach import NAME, apply, eastwest_groups, mode, plan
from tests.providers.core.group_drift import assert_recreated_as_drift

DB = f"{NAME}:db"


def _vpc_tags(server: AlibabaServer, vpc: str) -> dict[str, str]:
    [row] = c.rpc(server, c.VPC, "DescribeVpcs", VpcId=vpc)["Vpcs"]["Vpc"]
    return {t["Key"]: t["Value"] for t in row["Tags"]["Tag"]}


def _db_vpc(server: AlibabaServer) -> str:
    """One of the db segment's VPCs (the first by id)."""
    owned = c.owned_groups(server, NAME)
    return min(str(g["VpcId"]) for g in owned if c.tags(g)["eastwest:segment"] == "db")


def _shown(changes: Any, vpc: str) -> set[tuple[Action, str, bool]]:
    return {
        (ch.action, ch.key.split("/fwgroup/")[-1], ch.drift)
        for ch in changes
        if ch.resource.kind in {"firewall_group", "flow_rule"} and f"@{vpc}" in ch.key
    }


def test_a_group_deleted_in_the_console_is_recreated_as_drift(
    server: AlibabaServer, adapter: AlibabaAdapter
) -> None:
    apply(adapter, mode("none"))
    vpc = _db_vpc(server)
    assert _vpc_tags(server, vpc).get(record_tag(NAME, "db"))
    group = eastwest_groups(server)[vpc]
    c.rpc(server, c.ECS, "DeleteSecurityGroup", SecurityGroupId=group)

    shown = _shown(plan(adapter, mode("none")).changes, vpc)
    assert (Action.CREATE, f"db@{vpc}", True) in shown
    assert {drift for _, _, drift in shown} == {True}
    assert len(shown) >= 2  # the group and its rules
    apply(adapter, mode("none"))
    assert vpc in eastwest_groups(server)
    assert not plan(adapter, mode("none")).has_changes


def test_a_group_the_policy_drops_takes_its_record_along(
    server: AlibabaServer, adapter: AlibabaAdapter
) -> None:
    apply(adapter, mode("none"))
    vpc = _db_vpc(server)
    body = mode("none").model_dump(by_alias=True, exclude_defaults=True)
    body["segments"] = [s for s in body["segments"] if s["name"] != "db"]
    body["rules"] = [r for r in body["rules"] if "db" not in (r["from"], r["to"])]
    apply(adapter, Policy.model_validate(body))
    assert not _vpc_tags(server, vpc).get(record_tag(NAME, "db"))  # emptied: no UnTagResources
    brought_back = plan(adapter, mode("none"))
    assert (Action.CREATE, f"db@{vpc}", False) in _shown(brought_back.changes, vpc)
    assert brought_back.counts()["drift"] == 0


def test_a_no_op_plan_reads_the_vpcs_once(
    adapter: AlibabaAdapter, sent: list[tuple[str, str, dict[str, str]]]
) -> None:
    apply(adapter, mode("add"))
    sent.clear()
    assert not plan(adapter, mode("add")).has_changes
    pages = {p.get("PageNumber") for _, a, p in sent if a == "DescribeVpcs"}
    assert pages == {"1"}  # one page (a throttled one is sent again)
    assert not [a for _, a, _ in sent if not a.startswith(("Describe", "List"))]


def test_the_reconciler_counts_a_deleted_group_as_drift(
    server: AlibabaServer, adapter: AlibabaAdapter, tmp_path: Path
) -> None:
    pol = mode("none")
    (tmp_path / "p.yaml").write_text(
        yaml.safe_dump(pol.model_dump(mode="json", by_alias=True, exclude_defaults=True))
    )
    source = PolicySource([tmp_path / "p.yaml"])
    [part] = partitions_of(pol)
    tick = Tick(Mode.ENFORCE)
    first = reconcile_once(part, source, lambda _: lambda _: adapter, tick)
    assert first.outcome is Outcome.APPLIED, first.errors
    vpc = _db_vpc(server)
    c.rpc(server, c.ECS, "DeleteSecurityGroup", SecurityGroupId=eastwest_groups(server)[vpc])

    result = reconcile_once(part, source, lambda _: lambda _: adapter, tick)
    assert_recreated_as_drift(result, "alibaba")
    # Converged (nothing left to change), yet with ``attach: none`` eastwest's groups are on no
    # workload and the seeded hand-made group opens PostgreSQL: the access check says so, and a
    # partition with findings is never in_sync (DESIGN.md rule 8).
    last = reconcile_once(part, source, lambda _: lambda _: adapter, tick)
    assert (last.outcome, last.changes) == (Outcome.FINDINGS, 0), last.notes
    assert last.findings
