"""The effective-access check shares the plan's reads (providers/core/reads.py) on the local
AWS, and a shared read never hides a finding for longer than one tick: the check judges what
the plan's inventory and observation read (not what changed after them), no two judgements of
a scope share a read, and a write to the scope drops everything read before it.

The estate is the API-call benchmark's (tests/providers/aws/estate.py): 10 VPCs in 5 segments,
ENIs in each, every segment allowed to every other on tcp/443 and tcp/8443 only, so tcp/22
between segments is denied."""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any

import pytest

from moto_fixtures.aws import console
from orchestrator.apply import apply_plan
from orchestrator.paths.effect import with_access_check
from orchestrator.pipeline import PlanResult, plan_policy
from orchestrator.plan.findings import AccessFinding
from orchestrator.reconcile.once import plan_partition
from orchestrator.reconcile.partition import Partition
from orchestrator.reconcile.snapshot import SharedCompile
from orchestrator.state import Scope, Step, Target
from providers.aws.adapter import AwsAdapter
from providers.base import Adapter
from tests.benchmarks.api_calls import adapter, measure_access
from tests.providers.aws.estate import (
    ACCOUNT,
    CallCounter,
    build_interfaces,
    build_vpcs,
    estate_policy,
)

if TYPE_CHECKING:
    from orchestrator.state.access import AccessModel

TARGET = Target("aws", ACCOUNT, "prod")
SCOPE = Scope("aws", ACCOUNT, "us-east-1")
pytestmark = pytest.mark.sandbox


@pytest.fixture
def sandbox(aws_endpoint: str) -> dict[str, Any]:
    box = {
        "aws": {"endpoint_url": aws_endpoint, "access_key_id": "AKIAB", "secret_access_key": "x"}
    }
    build_vpcs(box, 10)
    build_interfaces(box, 10)
    ad = adapter(box, CallCounter())
    assert apply_plan(_plan(ad).plan, lambda _: ad).ok  # type: ignore[arg-type]
    return box


def _quiet(_: str) -> None:
    return None


def _plan(ad: Adapter) -> PlanResult:
    pol = estate_policy(name="bench")
    return with_access_check(plan_policy(pol, lambda _: ad, _quiet), pol, lambda _: ad, _quiet)


def _open_ssh(box: dict[str, Any]) -> str:
    """A hand-made group opening tcp/22 to everyone, put on one ENI of segment s0."""
    ec2 = console.sandbox_ec2(box, ACCOUNT)
    vpc = ec2.describe_vpcs(Filters=[{"Name": "tag:segment", "Values": ["s0"]}])["Vpcs"][0]
    enis = ec2.describe_network_interfaces(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])[
        "NetworkInterfaces"
    ]
    eni = enis[0]
    group = ec2.create_security_group(
        GroupName="ssh-open", Description="hand-made", VpcId=vpc["VpcId"]
    )["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=group,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                        "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )  # fmt: skip
    groups = [g["GroupId"] for g in eni["Groups"]] + [group]
    ec2.modify_network_interface_attribute(
        NetworkInterfaceId=eni["NetworkInterfaceId"], Groups=groups
    )
    return str(group)


def _ssh_findings(findings: tuple[AccessFinding, ...]) -> list[AccessFinding]:
    return [f for f in findings if "ssh-open" in f.problem]


def test_a_noop_plan_with_the_check_reads_only_what_nothing_else_read(
    sandbox: dict[str, Any],
) -> None:
    calls = CallCounter()
    result = _plan(adapter(sandbox, calls))
    assert result.plan is not None
    assert not result.plan.has_changes
    assert result.plan.access.ran
    assert result.plan.access.findings == ()
    # The plan's own reads, once each, and the network ACLs: the ENIs, subnets, groups and
    # prefix lists' entries the check judges are the plan's; rule ids are not read (no finding
    # to name).
    once = {"DescribeVpcs", "DescribeSubnets", "DescribeNetworkInterfaces",
            "DescribeSecurityGroups", "DescribeNetworkAcls"}  # fmt: skip
    assert {op: n for op, n in calls.calls.items() if op in once} == dict.fromkeys(once, 1)
    assert calls.calls["DescribeSecurityGroupRules"] == 0
    assert calls.calls["GetManagedPrefixListEntries"] == 0


def test_a_finding_still_names_its_rule_by_id(sandbox: dict[str, Any]) -> None:
    _open_ssh(sandbox)
    calls = CallCounter()
    result = _plan(adapter(sandbox, calls))
    assert result.plan is not None
    opened = _ssh_findings(result.plan.access.findings)
    assert opened, result.plan.access
    assert all("rule sgr-" in f.problem for f in opened), opened
    assert calls.calls["DescribeSecurityGroupRules"] == 1


class _Meddling:
    """The adapter, with ``between`` run once after the observation, before the access read
    (somebody changing the cloud while a tick runs)."""

    def __init__(self, inner: AwsAdapter, between: Callable[[], object]) -> None:
        self.inner, self.between = inner, between
        self.target = inner.target

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def access(self, scope: Scope, networks: Collection[str] | None = None) -> AccessModel:
        between, self.between = self.between, lambda: None
        between()
        return self.inner.access(scope, networks)


def test_a_group_added_between_observe_and_access_is_found_by_the_next_tick(
    sandbox: dict[str, Any],
) -> None:
    """The reconciler's worst case: the snapshot is shared by both ticks (its inventory, ENIs
    included, is not read again), one adapter lives across them, and the group goes on an ENI
    after the first tick's observation. The first tick judged the reads it shared, made before
    the group; the second must not judge them again."""
    pol = estate_policy(name="bench")
    inner = adapter(sandbox, CallCounter())
    meddling = _Meddling(inner, lambda: _open_ssh(sandbox))
    partition, shared = Partition(SCOPE, TARGET), SharedCompile(300.0)

    def tick() -> tuple[AccessFinding, ...]:
        plan, _ = plan_partition(
            pol, partition, lambda _: inner, shared, access_for=lambda _: meddling
        )
        assert plan is not None
        assert plan.access.ran
        return plan.access.findings

    first = tick()
    assert _ssh_findings(first) == []  # judged on reads made before the group: the window
    assert _ssh_findings(tick()), "the next tick must find the group"
    assert shared.refreshes == 1  # one snapshot for both ticks: the inventory was not re-read


def test_a_judgement_and_a_write_drop_the_reads_made_before_them(
    sandbox: dict[str, Any],
) -> None:
    """A check after an apply (the same adapter) judges what the apply left, not what the plan
    read before it; and a judgement leaves nothing for the next one."""
    ad = adapter(sandbox, CallCounter())
    reads = ad.reads(SCOPE.region)
    _plan(ad)
    assert reads.kinds() == frozenset()
    ad.inventory(SCOPE.region)
    assert {"enis", "subnets"} <= reads.kinds()
    ad.apply(SCOPE, Step.ADD_RULES, [], {})
    assert reads.kinds() == frozenset()


@pytest.mark.parametrize(
    ("interfaces", "groups"),
    [pytest.param(10, 10, id="10-enis"), pytest.param(40, 20, id="40-enis-20-groups"),
     pytest.param(100, 40, id="100-enis-40-groups")],
)  # fmt: skip
def test_the_api_call_benchmark_holds_the_budget(
    aws_endpoint: str, interfaces: int, groups: int
) -> None:
    """tests/benchmarks/api_calls.py's access row: the check costs at most 1.2 times the
    no-op plan without it and the minimum (the plan's kinds and the ACLs, one call each), as
    the estate grows (docs/benchmarks.md)."""
    row = measure_access(aws_endpoint, interfaces, groups)
    assert row["findings"] == 0
    assert row["checked_plan_calls"] <= 1.2 * row["noop_plan_calls"], row
    assert row["checked_plan_kinds"] == row["noop_plan_kinds"] + 1, row  # the ACLs
    assert row["checked_plan_calls"] <= 1.2 * (row["noop_plan_kinds"] + 1), row
