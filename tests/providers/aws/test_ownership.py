"""Ownership by all of its marks, on the sandbox AWS: a security group holding the name of one
eastwest wants, with only some of eastwest's marks (its key tag, or another policy's marks), is
foreign. It is neither adopted nor rewritten, it is reported as a conflict for that group alone,
and the rest of the plan is applied and converges. Read back through boto3."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from moto_fixtures.aws import console
from moto_fixtures.aws.seed import SeedReport
from orchestrator.apply import apply_plan
from orchestrator.model.policy import Policy
from orchestrator.pipeline import PlanResult, plan_policy
from orchestrator.plan import Plan
from orchestrator.state import FirewallGroup, Target
from providers.aws.adapter import AwsAdapter, make_aws_adapter

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

ACCOUNT = "111111111111"
POLICY = Policy.model_validate(
    {
        "version": 1,
        "name": "owned",
        "accounts": [
            {"name": "sandbox", "cloud": "aws", "account_id": ACCOUNT, "regions": ["us-east-1"]}
        ],
        "segments": [
            {
                "name": s,
                "members": [{"account": "sandbox", "region": "us-east-1", "tags": {"segment": s}}],
            }
            for s in ("web", "db")
        ],
        "rules": [{"name": "web-to-db", "from": "web", "to": "db", "ports": ["tcp/5432"]}],
    }
)


def _plan(adapter: AwsAdapter) -> PlanResult:
    result = plan_policy(POLICY, lambda _: adapter, lambda _: None)
    assert result.plan is not None, result.diagnostics
    return result


def _decoy_tags(case: str, key: str) -> list[dict[str, str]]:
    marks = {"eastwest:managed": "true", "eastwest:key": key, "eastwest:segment": "db"}
    if case == "key-only":
        return [{"Key": "eastwest:key", "Value": key}]
    return [{"Key": k, "Value": v} for k, v in (marks | {"eastwest:policy": "other"}).items()]


def _planted(
    sandbox: dict[str, Any], case: str
) -> tuple[AwsAdapter, EC2Client, Plan, FirewallGroup, str, Any]:
    """A plan made on a clean cloud, then a hand-made group planted on the name of the first
    group it creates: the adapter, a console client, the plan, that group, the decoy's id and
    the decoy as described."""
    adapter = make_aws_adapter(Target("aws", ACCOUNT, "sandbox"), policy="owned", sandbox=sandbox)
    ec2 = console.sandbox_ec2(sandbox, ACCOUNT)
    plan = _plan(adapter).plan
    assert plan is not None
    wanted = min(
        (c.resource for c in plan.changes if isinstance(c.resource, FirewallGroup)),
        key=lambda g: g.key,
    )
    tags: Any = _decoy_tags(case, wanted.key)
    decoy = ec2.create_security_group(
        GroupName=wanted.name,
        Description="hand-made",
        VpcId=wanted.network,
        TagSpecifications=[{"ResourceType": "security-group", "Tags": tags}],
    )["GroupId"]
    described = ec2.describe_security_groups(GroupIds=[decoy])["SecurityGroups"]
    return adapter, ec2, plan, wanted, decoy, described


@pytest.mark.parametrize("case", ["key-only", "other-policy"])
def test_a_group_with_some_of_the_marks_is_foreign_and_the_rest_converges(
    seeded_aws: SeedReport, sandbox: dict[str, Any], case: str
) -> None:
    adapter, ec2, _, wanted, decoy, before = _planted(sandbox, case)

    result = _plan(adapter)
    assert result.plan is not None
    keys = {c.key for c in result.plan.changes}
    assert wanted.key not in keys
    assert not any(getattr(c.resource, "group", "") == wanted.key for c in result.plan.changes)
    assert any(decoy in d.summary and "not eastwest's" in d.summary for d in result.diagnostics)
    report = apply_plan(result.plan, lambda _: adapter)
    assert report.ok, [r.message for _, r in report.results if not r.ok]

    assert ec2.describe_security_groups(GroupIds=[decoy])["SecurityGroups"] == before
    again = _plan(adapter)
    assert again.plan is not None
    assert not again.plan.has_changes, again.plan
    assert any(decoy in d.summary for d in again.diagnostics)


@pytest.mark.parametrize("case", ["key-only", "other-policy"])
def test_a_decoy_made_after_the_plan_is_not_adopted_at_apply(
    seeded_aws: SeedReport, sandbox: dict[str, Any], case: str
) -> None:
    adapter, ec2, plan, wanted, decoy, before = _planted(sandbox, case)

    report = apply_plan(plan, lambda _: adapter)

    failed = {c.key: r.message for c, r in report.results if not r.ok}
    assert list(failed) == [wanted.key]
    assert "not eastwest's" in failed[wanted.key]
    assert ec2.describe_security_groups(GroupIds=[decoy])["SecurityGroups"] == before
