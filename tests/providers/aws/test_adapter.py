"""The AWS adapter against the in-process moto server: call budgets, idempotency, safety."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.awsrequest import AWSResponse, HTTPHeaders

from moto_fixtures.aws import console
from orchestrator.apply import apply_plan
from orchestrator.errors import AccountMismatchError
from orchestrator.model.policy import Policy
from orchestrator.pipeline import plan_policy
from orchestrator.plan import Plan
from orchestrator.state import Scope, Target
from providers.aws.adapter import AwsAdapter, make_aws_adapter
from providers.aws.session import sandbox_clients
from tests.providers.aws.estate import (
    ACCOUNT,
    CallCounter,
    attach_vpcs,
    build_interfaces,
    build_vpcs,
    estate_policy,
)

TARGET = Target("aws", ACCOUNT, "prod")


def _plan(policy: Policy, adapter: AwsAdapter) -> Plan:
    result = plan_policy(policy, lambda _: adapter, lambda _: None)
    assert result.plan is not None, result.diagnostics
    return result.plan


def _apply(plan: Plan, adapter: AwsAdapter) -> None:
    report = apply_plan(plan, lambda _: adapter)
    assert report.ok, [r.message for _, r in report.results if not r.ok] + list(report.errors)


def test_noop_plan_over_50_groups_of_20_rules_makes_at_most_8_calls(
    sandbox: dict[str, Any],
) -> None:
    build_vpcs(sandbox, 50)
    policy = estate_policy()
    _apply(
        _plan(policy, make_aws_adapter(TARGET, policy="budget", sandbox=sandbox)),
        make_aws_adapter(TARGET, policy="budget", sandbox=sandbox),
    )
    counting = CallCounter()
    adapter = make_aws_adapter(TARGET, policy="budget", sandbox=sandbox, on_client=counting)
    plan = _plan(policy, adapter)

    assert not plan.has_changes
    groups = console.managed_groups(console.sandbox_ec2(sandbox, ACCOUNT))
    assert len(groups) == 50
    rule_counts = {len(_rules(g)) for g in groups}
    assert rule_counts == {20}, rule_counts
    # Identity, VPCs, subnets, interfaces, prefix lists, groups; and, for routing, the owned
    # transit gateway route tables and the route tables carrying eastwest's route records (both
    # read even without hubs: a policy that dropped its hubs must still find what it owned).
    assert sum(counting.calls.values()) <= 8, counting.calls
    assert counting.calls["DescribeNetworkInterfaces"] == 1  # shared by inventory and observe
    assert counting.writes == 0


def test_interfaces_cost_one_read_per_plan_and_one_write_per_changed_interface(
    sandbox: dict[str, Any],
) -> None:
    build_vpcs(sandbox, 50)
    build_interfaces(sandbox, 200)
    policy = estate_policy()
    applying = CallCounter()
    adapter = make_aws_adapter(TARGET, policy="budget", sandbox=sandbox, on_client=applying)
    _apply(_plan(policy, adapter), adapter)
    assert applying.calls["ModifyNetworkInterfaceAttribute"] == 200
    # One ledger tag call per group (its interfaces share the tag), one per rules digest, and
    # one per segment for the groups' records on their VPCs (providers/aws/records.py).
    assert applying.calls["CreateTags"] <= 50 + 5 + 5
    counting = CallCounter()
    again = make_aws_adapter(TARGET, policy="budget", sandbox=sandbox, on_client=counting)
    assert not _plan(policy, again).has_changes
    assert counting.calls["DescribeNetworkInterfaces"] == 1
    assert sum(counting.calls.values()) <= 8, counting.calls
    assert counting.writes == 0


def test_noop_plan_with_a_hub_over_50_vpcs_makes_at_most_28_calls(
    sandbox: dict[str, Any],
) -> None:
    """Routing adds a flat cost: the transit inventory, the associations, and three reads per
    owned TGW route table (one per segment here), whatever the number of VPCs and routes."""
    build_vpcs(sandbox, 50)
    policy = estate_policy(hub=attach_vpcs(sandbox))
    first = make_aws_adapter(TARGET, policy="budget", sandbox=sandbox)
    _apply(_plan(policy, first), first)
    counting = CallCounter()
    adapter = make_aws_adapter(TARGET, policy="budget", sandbox=sandbox, on_client=counting)
    plan = _plan(policy, adapter)

    assert not plan.has_changes
    assert sum(counting.calls.values()) <= 28, counting.calls
    assert counting.calls["SearchTransitGatewayRoutes"] == 2 * 5  # IPv4 and IPv6, 5 tables
    assert counting.writes == 0


def _rules(group: dict[str, Any]) -> list[object]:
    return [
        peer
        for side in ("IpPermissions", "IpPermissionsEgress")
        for perm in group[side]
        for kind in ("IpRanges", "PrefixListIds", "UserIdGroupPairs", "Ipv6Ranges")
        for peer in perm.get(kind, [])
    ]


def test_rules_are_written_in_one_call_per_group_and_direction(sandbox: dict[str, Any]) -> None:
    build_vpcs(sandbox, 10)
    policy = estate_policy()
    counting = CallCounter()
    adapter = make_aws_adapter(TARGET, policy="budget", sandbox=sandbox, on_client=counting)
    _apply(_plan(policy, adapter), adapter)
    assert counting.calls["AuthorizeSecurityGroupIngress"] == 10
    assert counting.calls["AuthorizeSecurityGroupEgress"] == 10
    assert counting.calls["CreateSecurityGroup"] == 10
    assert counting.calls["CreateManagedPrefixList"] == 6  # five segments and onprem


def test_a_second_apply_makes_no_write_call(sandbox: dict[str, Any]) -> None:
    build_vpcs(sandbox, 5)
    policy = estate_policy()
    adapter = make_aws_adapter(TARGET, policy="budget", sandbox=sandbox)
    _apply(_plan(policy, adapter), adapter)
    counting = CallCounter()
    again = make_aws_adapter(TARGET, policy="budget", sandbox=sandbox, on_client=counting)
    _apply(_plan(policy, again), again)
    assert counting.writes == 0


def test_a_crashed_apply_rerun_converges_without_duplicates(sandbox: dict[str, Any]) -> None:
    build_vpcs(sandbox, 5)
    policy = estate_policy()
    adapter = make_aws_adapter(TARGET, policy="budget", sandbox=sandbox)
    plan = _plan(policy, adapter)

    class CrashError(Exception):
        pass

    seen = 0

    def crash_midway(*_: object) -> None:
        nonlocal seen
        seen += 1
        if seen == 8:
            raise CrashError

    with pytest.raises(CrashError):
        apply_plan(plan, lambda _: adapter, crash_midway)
    # The saved plan applied again (not re-planned): creates that happened must be no-ops.
    report = apply_plan(plan, lambda _: adapter)
    assert report.ok, [r.message for _, r in report.results if not r.ok]
    assert not _plan(policy, adapter).has_changes
    ec2 = console.sandbox_ec2(sandbox, ACCOUNT)
    assert len(console.managed_groups(ec2)) == 5
    names = [
        pl["PrefixListName"]
        for pl in ec2.describe_managed_prefix_lists()["PrefixLists"]
        if pl.get("OwnerId") == ACCOUNT
    ]
    assert len(names) == len(set(names)) == 6


def test_credentials_of_another_account_change_nothing(sandbox: dict[str, Any]) -> None:
    build_vpcs(sandbox, 2, segments=2)
    policy = estate_policy(2)
    counting = CallCounter()
    clients = sandbox_clients(sandbox, "999999999999", counting)
    adapter = AwsAdapter(TARGET, "budget", clients)
    result = plan_policy(policy, lambda _: adapter, lambda _: None)
    assert result.plan is not None  # a partial plan: the account's scopes skipped, no change
    assert result.plan.changes == ()
    assert all(sp.skipped for sp in result.plan.scopes)
    assert any("belong to account 999999999999" in d.summary for d in result.diagnostics)
    assert counting.writes == 0
    with pytest.raises(AccountMismatchError):
        adapter.check_identity()


def _fail(code: str, status: int) -> Any:
    body = (
        f"<Response><Errors><Error><Code>{code}</Code><Message>injected</Message></Error>"
        f"</Errors><RequestID>x</RequestID></Response>"
    ).encode()

    def handler(request: Any, **_: Any) -> AWSResponse:
        return AWSResponse(request.url, status, HTTPHeaders(), _Raw(body))

    return handler


class _Raw:
    def __init__(self, body: bytes) -> None:
        self.body = body

    def stream(self, **_: Any) -> list[bytes]:
        return [self.body]


def test_an_unreadable_scope_plans_no_deletion(sandbox: dict[str, Any]) -> None:
    build_vpcs(sandbox, 2, segments=2)
    policy = estate_policy(2)
    adapter = make_aws_adapter(TARGET, policy="budget", sandbox=sandbox)
    _apply(_plan(policy, adapter), adapter)

    def break_group_reads(client: Any) -> None:
        client.meta.events.register(
            "before-send.ec2.DescribeSecurityGroups", _fail("UnauthorizedOperation", 403)
        )

    broken = make_aws_adapter(TARGET, policy="budget", sandbox=sandbox, on_client=break_group_reads)
    shrunk = Policy.model_validate({**policy.model_dump(by_alias=True), "rules": []})
    result = plan_policy(shrunk, lambda _: broken, lambda _: None)
    assert result.plan is not None
    assert result.plan.changes == ()
    assert result.plan.scopes[0].skipped is not None
    assert "UnauthorizedOperation" in result.plan.scopes[0].skipped


def test_throttling_is_retried_by_the_sdk(sandbox: dict[str, Any]) -> None:
    build_vpcs(sandbox, 2, segments=2)
    policy = estate_policy(2)
    failures = iter([True, True])

    def throttle_twice(client: Any) -> None:
        inject = _fail("RequestLimitExceeded", 503)

        def maybe(request: Any, **kwargs: Any) -> AWSResponse | None:
            return inject(request, **kwargs) if next(failures, False) else None

        client.meta.events.register("before-send.ec2.DescribeVpcs", maybe)

    adapter = make_aws_adapter(TARGET, policy="budget", sandbox=sandbox, on_client=throttle_twice)
    assert _plan(policy, adapter).has_changes


def test_a_segment_removed_and_added_back_gets_a_live_prefix_list(sandbox: dict[str, Any]) -> None:
    """EC2 keeps client tokens after a delete: re-creating with the same token would hand back
    the deleted list, so each plan's creates carry their own token."""
    build_vpcs(sandbox, 2, segments=2)
    full = estate_policy(2)
    adapter = make_aws_adapter(TARGET, policy="budget", sandbox=sandbox)
    _apply(_plan(full, adapter), adapter)
    without_onprem = Policy.model_validate(
        {
            **full.model_dump(by_alias=True),
            "segments": [
                s for s in full.model_dump(by_alias=True)["segments"] if s["name"] != "onprem"
            ],
            "rules": [
                r
                for r in full.model_dump(by_alias=True)["rules"]
                if "onprem" not in (r["from"], r["to"])
            ],
        }
    )
    _apply(_plan(without_onprem, adapter), adapter)
    _apply(_plan(full, adapter), adapter)
    assert not _plan(full, adapter).has_changes
    ec2 = console.sandbox_ec2(sandbox, ACCOUNT)
    live = [
        pl
        for pl in ec2.describe_managed_prefix_lists()["PrefixLists"]
        if pl.get("PrefixListName") == "eastwest-budget-onprem"
        and not pl["State"].startswith("delete")
    ]
    assert len(live) == 1


def test_rule_ids_name_every_owned_rule_by_its_key_in_one_call_per_page(
    sandbox: dict[str, Any],
) -> None:
    build_vpcs(sandbox, 4, segments=2)
    policy = estate_policy(2)
    adapter = make_aws_adapter(TARGET, policy="budget", sandbox=sandbox)
    _apply(_plan(policy, adapter), adapter)
    scope = Scope("aws", ACCOUNT, "us-east-1")
    observed = adapter.observe(scope, None)
    counting = CallCounter()
    reader = make_aws_adapter(TARGET, policy="budget", sandbox=sandbox, on_client=counting)

    ids = reader.rule_ids(observed)

    rule_keys = {k for k, r in observed.resources.items() if r.kind == "flow_rule"}
    assert set(ids) == rule_keys
    assert all(v.startswith("sgr-") for v in ids.values())
    assert len(set(ids.values())) == len(ids)
    assert counting.calls == {"DescribeSecurityGroupRules": 1}


def test_every_result_is_paired_with_its_own_change_and_reported_once(
    sandbox: dict[str, Any],
) -> None:
    """Deletes run groups-first while the plan lists address sets first: results must still
    come back in the plan's order, and progress must name the right change."""
    build_vpcs(sandbox, 2, segments=2)
    policy = estate_policy(2)
    adapter = make_aws_adapter(TARGET, policy="budget", sandbox=sandbox)
    _apply(_plan(policy, adapter), adapter)
    emptied = Policy.model_validate(
        {
            **policy.model_dump(by_alias=True),
            "rules": [],
            "segments": [{"name": "onprem", "cidrs": ["172.16.0.0/12"]}],
        }
    )
    plan = _plan(emptied, adapter)
    kinds = {c.resource.kind for c in plan.changes}
    assert kinds == {"address_set", "firewall_group", "flow_rule"}
    heard: list[str] = []
    report = apply_plan(plan, lambda _: adapter, lambda change, result: heard.append(change.key))
    assert report.ok
    assert all(change.key == result.key for change, result in report.results)
    assert sorted(heard) == sorted(c.key for c in plan.changes)
    assert not _plan(emptied, adapter).has_changes
