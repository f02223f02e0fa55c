"""A security group deleted through boto3 (the console's way) is recreated as drift, not as a
plain create: its record lives on the member VPC (``providers/core/group_records.py``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from orchestrator.model.policy import Policy
from orchestrator.reconcile.once import Mode, Outcome, RunResult, Tick, reconcile_once
from orchestrator.reconcile.partition import partitions_of
from orchestrator.reconcile.source import PolicySource
from orchestrator.state import Action
from providers.aws.adapter import make_aws_adapter
from providers.core.group_records import record_tag
from tests.providers.aws.estate import CallCounter
from tests.providers.aws.test_attach import NAME, TARGET, Estate, apply, plan, policy
from tests.providers.core.group_drift import assert_recreated_as_drift


def _vpc_tags(estate: Estate, segment: str) -> dict[str, str]:
    [vpc] = estate.ec2.describe_vpcs(VpcIds=[estate.vpcs[segment]])["Vpcs"]
    return {t["Key"]: t["Value"] for t in vpc.get("Tags", [])}


def _delete_in_console(estate: Estate, segment: str) -> None:
    """Take eastwest's group off every interface (EC2 refuses to delete one in use), delete it."""
    group = estate.eastwest_group(segment)
    for eni_id in estate.enis():
        groups = estate.groups_of(eni_id)
        if group in groups:
            kept = [g for g in groups if g != group]
            estate.ec2.modify_network_interface_attribute(NetworkInterfaceId=eni_id, Groups=kept)
    estate.ec2.delete_security_group(GroupId=group)


def _shown(changes: Any) -> set[tuple[Action, str, bool]]:
    return {
        (c.action, c.key.split("/fwgroup/")[-1], c.drift)
        for c in changes
        if c.resource.kind in {"firewall_group", "flow_rule"}
    }


def test_a_group_deleted_in_the_console_is_recreated_as_drift(sandbox: dict[str, Any]) -> None:
    estate = Estate(sandbox)
    apply(policy(), sandbox)
    assert record_tag(NAME, "db") in _vpc_tags(estate, "db")
    _delete_in_console(estate, "db")

    drifted = plan(policy(), sandbox).plan
    assert drifted is not None
    shown = _shown(drifted.changes)
    db = f"db@{estate.vpcs['db']}"
    assert (Action.CREATE, db, True) in shown
    assert {drift for _, key, drift in shown if key.startswith(db)} == {True}
    assert len([k for _, k, _ in shown if k.startswith(db)]) >= 2  # the group and its rule
    apply(policy(), sandbox)
    restored = estate.eastwest_group("db")
    assert all(restored in estate.groups_of(e) for e in estate.enis() if e in _db_enis(estate))
    assert not plan(policy(), sandbox).plan.has_changes  # type: ignore[union-attr]


def _db_enis(estate: Estate) -> set[str]:
    return {k for k, v in estate.enis().items() if estate.segment_of(v) == "db"}


def test_a_group_the_policy_drops_takes_its_record_along(sandbox: dict[str, Any]) -> None:
    estate = Estate(sandbox)
    apply(policy(), sandbox)
    only_web = policy().model_dump(by_alias=True, exclude_defaults=True)
    only_web["segments"][1] = {"name": "db", "cidrs": ["10.2.0.0/16"]}
    apply(Policy.model_validate(only_web), sandbox)
    assert record_tag(NAME, "db") not in _vpc_tags(estate, "db")
    brought_back = plan(policy(), sandbox).plan
    assert brought_back is not None
    assert brought_back.counts()["drift"] == 0


def test_a_no_op_plan_reads_the_vpcs_once(sandbox: dict[str, Any]) -> None:
    Estate(sandbox)
    apply(policy(), sandbox)
    counter = CallCounter()
    result = plan(policy(), sandbox, counter)
    assert result.plan is not None
    assert not result.plan.has_changes
    assert counter.calls["DescribeVpcs"] == 1
    assert counter.writes == 0


def _enforcing(sandbox: dict[str, Any], tmp_path: Path) -> Callable[[], RunResult]:
    """One enforcing reconciler tick of ``policy()`` per call, with one adapter throughout."""
    (tmp_path / "p.yaml").write_text(
        yaml.safe_dump(policy().model_dump(by_alias=True, exclude_defaults=True))
    )
    adapter = make_aws_adapter(TARGET, policy=NAME, sandbox=sandbox)
    [part], source = partitions_of(policy()), PolicySource([tmp_path / "p.yaml"])
    return lambda: reconcile_once(part, source, lambda _: lambda _: adapter, Tick(Mode.ENFORCE))


def test_the_reconciler_counts_a_deleted_group_as_drift(
    sandbox: dict[str, Any], tmp_path: Path
) -> None:
    estate = Estate(sandbox)
    tick = _enforcing(sandbox, tmp_path)
    first = tick()
    assert first.outcome is Outcome.APPLIED, first.errors
    _delete_in_console(estate, "db")

    result = tick()
    assert_recreated_as_drift(result, "aws")
    again = tick()
    assert again.outcome is Outcome.IN_SYNC
