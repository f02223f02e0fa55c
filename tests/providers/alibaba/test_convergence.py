"""Plan → apply → plan against the fake Alibaba endpoint with async delays on and a fifth of all
calls throttled: the second plan is empty, drift made through the SDK is detected (and marked
as drift) and restored by the next apply, what eastwest does not own is unchanged byte for
byte, and every request the adapter sent is a documented action with documented parameters."""

from __future__ import annotations

from collections import Counter

from moto_fixtures.alibaba import metadata
from moto_fixtures.alibaba.server import AlibabaServer
from orchestrator.apply import apply_plan
from orchestrator.model.policy import Policy
from orchestrator.pipeline import plan_policy
from orchestrator.plan import Plan
from orchestrator.state import Action
from providers.alibaba.adapter import AlibabaAdapter
from tests.moto_fixtures.alibaba.marks import needs_metadata
from tests.providers.alibaba import cloud as c
from tests.providers.alibaba.conftest import Sent, policy

pytestmark = needs_metadata
READS = ("Describe", "List", "Get")


def _plan(adapter: AlibabaAdapter, pol: Policy | None = None) -> Plan:
    result = plan_policy(pol or policy(), lambda _: adapter, lambda _: None)
    assert result.plan is not None, result.diagnostics
    assert not [d for d in result.diagnostics if d.severity == "error"], result.diagnostics
    return result.plan


def unattached() -> Policy:
    """The policy with ``attach: none``: groups attached by nobody keep their egress baseline
    (in ``add`` mode they have none, ``test_attach.py``)."""
    return Policy.model_validate({**policy().model_dump(by_alias=True), "attach": "none"})


def _apply(adapter: AlibabaAdapter, plan: Plan) -> None:
    report = apply_plan(plan, lambda _: adapter)
    assert report.ok, [r.message for _, r in report.results if not r.ok] + list(report.errors)


def test_apply_then_plan_is_empty_and_unowned_is_untouched(
    server: AlibabaServer, adapter: AlibabaAdapter, sent: Sent, sleeps: list[float]
) -> None:
    before = c.unowned_snapshot(server)
    first = _plan(adapter)
    kinds = Counter(ch.resource.kind for ch in first.changes)
    # web, app, db: two VPCs each → six groups; sets for every peer segment; rules both ways.
    assert kinds["firewall_group"] == 6
    assert kinds["address_set"] == 4
    assert kinds["flow_rule"] > 0
    assert all(ch.action is Action.CREATE for ch in first.changes)
    _apply(adapter, first)
    assert not _plan(adapter).has_changes
    assert c.unowned_snapshot(server) == before
    # The faults were on: calls were throttled, and retried by eastwest, not the SDK.
    assert sleeps, "no call was retried: is the fault injection on?"


def test_groups_hold_accepts_at_priority_1_and_no_drop_in_add_mode(
    server: AlibabaServer, adapter: AlibabaAdapter
) -> None:
    """The policy attaches in ``add`` mode (the default): a drop in eastwest's group would cut
    what the interfaces' other groups allow, so there is none (``exclusive`` mode has one:
    ``test_attach.py``)."""
    _apply(adapter, _plan(adapter))
    owned = c.owned_groups(server, "ali-test")
    assert len(owned) == 6
    for group in owned:
        rules = c.rules(server, group["SecurityGroupId"])
        drops = [r for r in rules if r["Policy"].lower() == "drop"]
        accepts = [r for r in rules if r["Policy"].lower() == "accept"]
        assert drops == []
        assert accepts
        assert {a["Priority"] for a in accepts} == {"1"}
        # Peers that are segments go through prefix lists, external ones too.
        assert all(a["SourcePrefixListId"] or a["DestPrefixListId"] for a in accepts)
        assert c.tags(group)["eastwest:rules-digest"]


def test_drift_made_through_the_sdk_is_detected_and_restored(
    server: AlibabaServer, adapter: AlibabaAdapter
) -> None:
    _apply(adapter, _plan(adapter, unattached()))
    before_unowned = c.unowned_snapshot(server)
    web = next(
        g for g in c.owned_groups(server, "ali-test") if c.tags(g)["eastwest:segment"] == "web"
    )
    gid = web["SecurityGroupId"]
    wanted = sorted(
        (
            r["Direction"],
            r["IpProtocol"],
            r["PortRange"],
            r["SourcePrefixListId"],
            r["DestPrefixListId"],
        )
        for r in c.rules(server, gid)
    )
    accept = next(r for r in c.rules(server, gid) if r["Policy"].lower() == "accept")
    baseline = next(r for r in c.rules(server, gid) if r["Policy"].lower() == "drop")
    # A console user deletes one owned rule and the egress baseline, and adds a rogue drop.
    c.rpc(
        server,
        c.ECS,
        "RevokeSecurityGroup" + ("Egress" if accept["Direction"] == "egress" else ""),
        SecurityGroupId=gid,
        **{"SecurityGroupRuleId.1": accept["SecurityGroupRuleId"]},
    )
    c.rpc(
        server,
        c.ECS,
        "RevokeSecurityGroupEgress",
        SecurityGroupId=gid,
        **{"SecurityGroupRuleId.1": baseline["SecurityGroupRuleId"]},
    )
    c.rpc(
        server,
        c.ECS,
        "AuthorizeSecurityGroup",
        SecurityGroupId=gid,
        **{
            "Permissions.1.IpProtocol": "TCP",
            "Permissions.1.PortRange": "22/22",
            "Permissions.1.SourceCidrIp": "0.0.0.0/0",
            "Permissions.1.Policy": "accept",
            "Permissions.1.Priority": "1",
        },
    )

    drift = _plan(adapter, unattached())
    changes = {(ch.action, ch.resource.kind, ch.drift) for ch in drift.changes}
    assert (Action.CREATE, "flow_rule", True) in changes  # the deleted rule, marked as drift
    assert (Action.DELETE, "flow_rule", True) in changes  # the rogue rule
    assert (Action.UPDATE, "firewall_group", True) in changes  # its baseline is gone
    assert len(drift.changes) == 3, [(ch.action, ch.key) for ch in drift.changes]

    _apply(adapter, drift)
    assert not _plan(adapter, unattached()).has_changes
    restored = sorted(
        (
            r["Direction"],
            r["IpProtocol"],
            r["PortRange"],
            r["SourcePrefixListId"],
            r["DestPrefixListId"],
        )
        for r in c.rules(server, gid)
    )
    assert restored == wanted
    assert c.unowned_snapshot(server) == before_unowned


def test_a_missing_egress_baseline_alone_is_planned_and_restored(
    server: AlibabaServer, adapter: AlibabaAdapter
) -> None:
    _apply(adapter, _plan(adapter, unattached()))
    group = c.owned_groups(server, "ali-test")[0]
    gid = group["SecurityGroupId"]
    baseline = next(r for r in c.rules(server, gid) if r["Policy"].lower() == "drop")
    c.rpc(
        server,
        c.ECS,
        "RevokeSecurityGroupEgress",
        SecurityGroupId=gid,
        **{"SecurityGroupRuleId.1": baseline["SecurityGroupRuleId"]},
    )
    plan = _plan(adapter, unattached())
    assert [(ch.action, ch.resource.kind) for ch in plan.changes] == [
        (Action.UPDATE, "firewall_group")
    ]
    _apply(adapter, plan)
    assert not _plan(adapter, unattached()).has_changes
    assert any(r["Policy"].lower() == "drop" for r in c.rules(server, gid))


def test_every_request_is_documented_and_every_request_reached_the_fake(
    server: AlibabaServer, adapter: AlibabaAdapter, sent: Sent
) -> None:
    _apply(adapter, _plan(adapter))
    assert not _plan(adapter).has_changes
    actions = {action for _, action, _ in sent}
    assert {
        "CreateSecurityGroup",
        "AuthorizeSecurityGroup",
        "AuthorizeSecurityGroupEgress",
        "CreateVpcPrefixList",
        "TagResources",
        "DescribeVpcs",
        "DescribeVSwitches",
        "DescribeSecurityGroups",
        "DescribeSecurityGroupAttribute",
        "ListPrefixLists",
    } <= actions
    for version, action, params in sent:
        metadata.assert_conforms(version, action, params)
    # The hook saw exactly what the fake received (throttled attempts included).
    assert [a for _, a, _ in sent] == [call.action for call in server.calls.calls()]
    # Batched: one authorize per group and direction, never one per rule.
    authorizes = [p for _, a, p in sent if a.startswith("AuthorizeSecurityGroup")]
    assert any(sum(k.endswith(".IpProtocol") for k in p) > 1 for p in authorizes)
