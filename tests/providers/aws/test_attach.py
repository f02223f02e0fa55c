"""Attachment on AWS, end to end against the moto server, read back through boto3 as a console
user would (never through eastwest's own reader)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from moto_fixtures.aws import console
from moto_fixtures.aws import landing_zone as lz
from moto_fixtures.aws.seed import SeedReport
from orchestrator.apply import apply_plan
from orchestrator.diagnostics import Severity
from orchestrator.model import load_policy
from orchestrator.model.policy import Policy
from orchestrator.pipeline import PlanResult, plan_policy
from orchestrator.reconcile.once import Mode, Outcome, Tick, reconcile_once
from orchestrator.reconcile.partition import partitions_of
from orchestrator.reconcile.source import PolicySource
from orchestrator.state import Action, Target
from providers.aws.adapter import make_aws_adapter
from tests.providers.aws.estate import ACCOUNT, CallCounter

TARGET = Target("aws", ACCOUNT, "prod")
NAME = "att"


def policy(**segment_fields: Any) -> Policy:
    where = {"account": "prod", "region": "us-east-1"}
    return Policy.model_validate(
        {
            "version": 1,
            "name": NAME,
            "accounts": [
                {"name": "prod", "cloud": "aws", "account_id": ACCOUNT, "regions": ["us-east-1"]}
            ],
            "segments": [
                {
                    "name": "web",
                    "members": [{**where, "tags": {"segment": "web"}}],
                    **segment_fields,
                },
                {"name": "db", "members": [{**where, "tags": {"segment": "db"}}]},
            ],
            "rules": [{"name": "web-to-db", "from": "web", "to": "db", "ports": ["tcp/5432"]}],
        }
    )


class Estate:
    """Two tagged VPCs, each with a subnet, a hand-made group and two interfaces using it
    (made on their own: ``detached``); ``launch`` adds instances (``instance``)."""

    def __init__(self, sandbox: dict[str, Any]) -> None:
        self.sandbox = sandbox
        self.ec2 = console.sandbox_ec2(sandbox, ACCOUNT)
        self.vpcs: dict[str, str] = {}
        self.subnets: dict[str, str] = {}
        self.legacy: dict[str, str] = {}
        for index, segment in enumerate(("web", "db"), start=1):
            vpc = self.ec2.create_vpc(
                CidrBlock=f"10.{index}.0.0/16",
                TagSpecifications=[
                    {"ResourceType": "vpc", "Tags": [{"Key": "segment", "Value": segment}]}
                ],
            )["Vpc"]["VpcId"]
            self.vpcs[segment] = vpc
            self.subnets[segment] = self.ec2.create_subnet(
                VpcId=vpc, CidrBlock=f"10.{index}.1.0/24"
            )["Subnet"]["SubnetId"]
            self.legacy[segment] = self.ec2.create_security_group(
                GroupName="legacy", Description="hand-made", VpcId=vpc
            )["GroupId"]
            for _ in range(2):
                self.ec2.create_network_interface(
                    SubnetId=self.subnets[segment], Groups=[self.legacy[segment]]
                )

    def launch(self, segment: str, count: int = 1) -> list[str]:
        made = self.ec2.run_instances(
            ImageId="ami-12345678",
            MinCount=count,
            MaxCount=count,
            SubnetId=self.subnets[segment],
            SecurityGroupIds=[self.legacy[segment]],
        )["Instances"]
        return [i["NetworkInterfaces"][0]["NetworkInterfaceId"] for i in made]

    def enis(self) -> dict[str, dict[str, Any]]:
        found = self.ec2.describe_network_interfaces()["NetworkInterfaces"]
        return {e["NetworkInterfaceId"]: dict(e) for e in found}

    def groups_of(self, eni: str) -> list[str]:
        return [g["GroupId"] for g in self.enis()[eni]["Groups"]]

    def eastwest_group(self, segment: str) -> str:
        found = self.ec2.describe_security_groups(
            Filters=[
                {"Name": "tag:eastwest:segment", "Values": [segment]},
                {"Name": "tag:eastwest:policy", "Values": [NAME]},
            ]
        )["SecurityGroups"]
        assert len(found) == 1, found
        return found[0]["GroupId"]

    def segment_of(self, eni: dict[str, Any]) -> str:
        return next(s for s, v in self.vpcs.items() if v == eni["VpcId"])


def plan(pol: Policy, sandbox: dict[str, Any], counter: CallCounter | None = None) -> PlanResult:
    adapter = make_aws_adapter(TARGET, policy=NAME, sandbox=sandbox, on_client=counter)
    return plan_policy(pol, lambda _: adapter, lambda _: None)


def apply(pol: Policy, sandbox: dict[str, Any], counter: CallCounter | None = None) -> None:
    result = plan(pol, sandbox)
    assert result.plan is not None, result.diagnostics
    assert not result.failed, result.diagnostics
    adapter = make_aws_adapter(TARGET, policy=NAME, sandbox=sandbox, on_client=counter)
    report = apply_plan(result.plan, lambda _: adapter)
    assert report.ok, [r.message for _, r in report.results if not r.ok] + list(report.errors)


def test_add_puts_eastwest_group_beside_the_others_and_converges(
    sandbox: dict[str, Any],
) -> None:
    estate = Estate(sandbox)
    apply(policy(), sandbox)
    enis = estate.enis()
    assert len(enis) == 4
    for eni in enis.values():
        segment = estate.segment_of(eni)
        groups = {g["GroupId"] for g in eni["Groups"]}
        assert groups == {estate.legacy[segment], estate.eastwest_group(segment)}
    again = plan(policy(), sandbox)
    assert again.plan is not None
    assert not again.plan.has_changes, again.plan


def test_exclusive_takes_the_others_off_and_puts_them_back_byte_identical(
    sandbox: dict[str, Any],
) -> None:
    estate = Estate(sandbox)
    before = estate.enis()
    apply(policy(attach="exclusive"), sandbox)
    web = estate.eastwest_group("web")
    for eni_id, eni in estate.enis().items():
        if estate.segment_of(eni) == "web":
            assert estate.groups_of(eni_id) == [web]
    assert not plan(policy(attach="exclusive"), sandbox).plan.has_changes  # type: ignore[union-attr]
    apply(policy(attach="none"), sandbox)
    after = estate.enis()
    for eni_id in before:
        if estate.segment_of(before[eni_id]) == "web":
            assert after[eni_id]["Groups"] == before[eni_id]["Groups"]
            assert after[eni_id].get("TagSet", []) == before[eni_id].get("TagSet", [])


def test_exclusive_restores_when_the_segment_is_removed(sandbox: dict[str, Any]) -> None:
    estate = Estate(sandbox)
    before = estate.enis()
    apply(policy(attach="exclusive"), sandbox)
    only_db = Policy.model_validate(
        policy().model_dump(by_alias=True, exclude_defaults=True)
        | {"segments": [policy().segments[1].model_dump(exclude_defaults=True)], "rules": []}
    )
    apply(only_db, sandbox)
    after = estate.enis()
    db = estate.eastwest_group("db")
    for eni_id, eni in before.items():
        expected = list(eni["Groups"])
        if estate.segment_of(eni) == "db":
            expected += [{"GroupId": db, "GroupName": "eastwest-att-db"}]
        assert _sorted(after[eni_id]["Groups"]) == _sorted(expected)


def test_a_group_detached_by_hand_is_drift_and_is_restored(sandbox: dict[str, Any]) -> None:
    estate = Estate(sandbox)
    apply(policy(), sandbox)
    eni = next(iter(estate.enis()))
    legacy = next(g for g in estate.groups_of(eni) if g in estate.legacy.values())
    estate.ec2.modify_network_interface_attribute(NetworkInterfaceId=eni, Groups=[legacy])
    drifted = plan(policy(), sandbox).plan
    assert drifted is not None
    assert [(c.action, c.drift) for c in drifted.changes] == [(Action.CREATE, True)]
    apply(policy(), sandbox)
    assert len(estate.groups_of(eni)) == 2


def _sorted(groups: list[dict[str, str]]) -> list[dict[str, str]]:
    return sorted(groups, key=lambda g: g["GroupId"])


def test_a_new_instance_is_attached_by_the_next_plan(sandbox: dict[str, Any]) -> None:
    estate = Estate(sandbox)
    apply(policy(), sandbox)
    [new] = estate.launch("web")
    pending = plan(policy(), sandbox).plan
    assert pending is not None
    assert [(c.action, c.key.rsplit("/", 1)[-1]) for c in pending.changes] == [(Action.CREATE, new)]
    apply(policy(), sandbox)
    assert estate.eastwest_group("web") in estate.groups_of(new)


def test_a_new_instance_is_attached_by_the_next_reconciler_tick(
    sandbox: dict[str, Any], tmp_path: Path
) -> None:
    estate = Estate(sandbox)
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(policy().model_dump(by_alias=True, exclude_defaults=True)))
    source = PolicySource([path])
    [partition] = partitions_of(policy())
    adapter = make_aws_adapter(TARGET, policy=NAME, sandbox=sandbox)
    tick = Tick(Mode.ENFORCE)
    first = reconcile_once(partition, source, lambda _: lambda _: adapter, tick)
    assert first.outcome is Outcome.APPLIED, first.errors
    [new] = estate.launch("db")
    second = reconcile_once(partition, source, lambda _: lambda _: adapter, tick)
    assert second.outcome is Outcome.APPLIED, second.errors
    assert second.changes == 1
    assert estate.eastwest_group("db") in estate.groups_of(new)
    third = reconcile_once(partition, source, lambda _: lambda _: adapter, tick)
    assert third.outcome is Outcome.IN_SYNC


@pytest.mark.parametrize(
    "how",
    [
        pytest.param({"attach_exclude": ["detached"]}, id="excluded-kind"),
        pytest.param({"attach": "none"}, id="attach-none"),
    ],
)
def test_an_excluded_interface_is_never_touched(
    sandbox: dict[str, Any], how: dict[str, Any]
) -> None:
    estate = Estate(sandbox)
    before = {k: v for k, v in estate.enis().items() if estate.segment_of(v) == "web"}
    apply(policy(**how), sandbox)
    after = estate.enis()
    for eni_id, eni in before.items():
        assert after[eni_id] == eni


def test_a_sixth_group_is_a_plan_time_error_naming_the_interface(
    sandbox: dict[str, Any],
) -> None:
    estate = Estate(sandbox)
    eni = next(k for k, v in estate.enis().items() if estate.segment_of(v) == "web")
    extra = [
        estate.ec2.create_security_group(
            GroupName=f"extra-{i}", Description="x", VpcId=estate.vpcs["web"]
        )["GroupId"]
        for i in range(4)
    ]
    estate.ec2.modify_network_interface_attribute(
        NetworkInterfaceId=eni, Groups=[estate.legacy["web"], *extra]
    )
    counter = CallCounter()
    result = plan(policy(), sandbox, counter)
    errors = [d for d in result.diagnostics if d.severity is Severity.ERROR]
    assert result.failed
    assert len(errors) == 1
    assert eni in errors[0].summary
    assert counter.writes == 0


def test_apply_writes_once_per_changed_interface(sandbox: dict[str, Any]) -> None:
    estate = Estate(sandbox)
    estate.launch("web", 6)
    counter = CallCounter()
    apply(policy(), sandbox, counter)
    assert counter.calls["ModifyNetworkInterfaceAttribute"] == 10
    # Two ledger calls (one per eastwest group: its interfaces share the tag), two records
    # of the groups' rule digests, and two of them on the groups' VPCs.
    assert counter.calls["CreateTags"] == 6
    assert counter.calls["DescribeNetworkInterfaces"] == 1  # re-read before the merge


SANDBOX_POLICY = Path(__file__).parents[3] / "policies" / "examples" / "sandbox.yaml"


def test_the_sandbox_policy_attaches_every_seeded_workload_and_no_excluded_eni(
    seeded_aws: SeedReport, sandbox: dict[str, Any]
) -> None:
    """The landing zone's instances get their segment's group; the firewall ENI, the NAT
    gateway's and the endpoint's (kinds excluded by default) are left byte-identical."""
    ec2 = console.sandbox_ec2(sandbox, ACCOUNT)

    def enis() -> dict[str, dict[str, Any]]:
        found = ec2.describe_network_interfaces()["NetworkInterfaces"]
        return {e["NetworkInterfaceId"]: dict(e) for e in found}

    before = enis()
    pol = load_policy([SANDBOX_POLICY]).policy
    adapter = make_aws_adapter(
        Target("aws", ACCOUNT, "aws-sandbox"), policy=pol.name, sandbox=sandbox
    )
    result = plan_policy(pol, lambda _: adapter, lambda _: None)
    assert result.plan is not None
    assert apply_plan(result.plan, lambda _: adapter).ok
    after = enis()
    ours = {g["VpcId"]: g["GroupId"] for g in console.managed_groups(ec2)}
    workloads = {
        eni for name, eni in seeded_aws.network_interfaces.items() if name.endswith("-eth0")
    }
    assert len(workloads) == len(lz.SPOKES)
    for eni_id in workloads:
        groups = {g["GroupId"] for g in after[eni_id]["Groups"]}
        old = {g["GroupId"] for g in before[eni_id]["Groups"]}
        assert groups == old | {ours[after[eni_id]["VpcId"]]}
    assert seeded_aws.excluded_interfaces
    for eni_id in seeded_aws.excluded_interfaces.values():
        assert after[eni_id] == before[eni_id]
    again = plan_policy(pol, lambda _: adapter, lambda _: None).plan
    assert again is not None
    assert not again.has_changes


def test_exclusive_on_the_sandbox_takes_the_permissive_group_off_and_puts_it_back(
    seeded_aws: SeedReport, sandbox: dict[str, Any]
) -> None:
    """spoke-db-1's instance carries the hand-made ``pg-open-db-1`` (5432 from anywhere):
    exclusive takes it off, and ``attach: none`` puts the interface back as it was."""
    ec2 = console.sandbox_ec2(sandbox, ACCOUNT)
    body = load_policy([SANDBOX_POLICY]).policy.model_dump(by_alias=True)
    adapter = make_aws_adapter(
        Target("aws", ACCOUNT, "aws-sandbox"), policy=body["name"], sandbox=sandbox
    )

    def run(attach: str) -> None:
        pol = Policy.model_validate({**body, "attach": attach})
        result = plan_policy(pol, lambda _: adapter, lambda _: None)
        assert result.plan is not None
        assert apply_plan(result.plan, lambda _: adapter).ok

    def eni(eni_id: str) -> dict[str, Any]:
        return dict(
            ec2.describe_network_interfaces(NetworkInterfaceIds=[eni_id])["NetworkInterfaces"][0]
        )

    permissive = seeded_aws.ids[lz.PERMISSIVE_GROUP]
    target = next(
        e
        for e in seeded_aws.network_interfaces.values()
        if any(g["GroupId"] == permissive for g in eni(e)["Groups"])
    )
    before = eni(target)
    run("exclusive")
    assert [g["GroupName"] for g in eni(target)["Groups"]] == ["eastwest-sandbox-db"]
    run("none")
    assert eni(target) == before
