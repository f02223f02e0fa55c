"""Drift per rule on AWS, against the moto server through boto3: a rule somebody added to a
security group whose policy also changed is drift, the policy's new rule beside it is not."""

from __future__ import annotations

from typing import Any

from moto_fixtures.aws import console
from orchestrator.apply import apply_plan
from orchestrator.model.policy import Policy
from orchestrator.pipeline import plan_policy
from orchestrator.plan import Plan
from orchestrator.state import Target
from providers.aws.adapter import AwsAdapter, make_aws_adapter
from tests.providers.aws.estate import ACCOUNT, build_vpcs, estate_policy

TARGET = Target("aws", ACCOUNT, "prod")


def _plan(policy: Policy, adapter: AwsAdapter) -> Plan:
    result = plan_policy(policy, lambda _: adapter, lambda _: None)
    assert result.plan is not None, result.diagnostics
    return result.plan


def _wider(policy: Policy) -> Policy:
    """The same policy, with tcp/9443 added to the rule s0 → s1."""
    body = policy.model_dump(by_alias=True)
    for rule in body["rules"]:
        if rule["name"] == "s0-to-s1":
            rule["ports"] = [*rule["ports"], "tcp/9443"]
    return Policy.model_validate(body)


def test_a_rogue_rule_in_a_group_whose_policy_also_changed_is_still_drift(
    sandbox: dict[str, Any],
) -> None:
    build_vpcs(sandbox, 2, segments=2)
    policy = estate_policy(segments=2, name="drift")
    adapter = make_aws_adapter(TARGET, policy="drift", sandbox=sandbox)
    report = apply_plan(_plan(policy, adapter), lambda _: adapter)
    assert report.ok, [r.message for _, r in report.results if not r.ok]
    ec2 = console.sandbox_ec2(sandbox, ACCOUNT)
    s1 = next(
        g
        for g in console.managed_groups(ec2)
        if {"Key": "eastwest:segment", "Value": "s1"} in g["Tags"]
    )
    console.add_rogue_rule(ec2, s1["GroupId"], port=3389)

    plan = _plan(_wider(policy), adapter)
    shown = {(str(c.action), c.key.split("/fwgroup/")[-1], c.drift) for c in plan.changes}
    rogue = {s for s in shown if s[2]}
    assert len(rogue) == 1, shown
    [(action, key, _)] = rogue
    assert (action, key.startswith("s1@"), "tcp:3389" in key) == ("-", True, True)
    policy_side = {(a, k.split("/", 1)[1]) for a, k, drift in shown if not drift}
    assert policy_side == {("+", "ingress/tcp:9443/set:s0"), ("+", "egress/tcp:9443/set:s1")}
