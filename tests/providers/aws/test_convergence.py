"""Property: from any starting state, plan → apply → plan is empty, and what eastwest does not
own is unchanged byte for byte.

Starting states are drawn too: an earlier version of the policy applied, then console edits
(rogue rules, deleted rules, deleted groups, foreign prefix-list entries). Examples share one
seeded cloud; each uses its own policy name, so the others' resources are foreign to it — which
also checks that two policies in one account never touch each other.
"""

from __future__ import annotations

import itertools
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moto_fixtures.aws import console
from moto_fixtures.aws.seed import SeedReport
from orchestrator.apply import apply_plan
from orchestrator.model.policy import Policy
from orchestrator.pipeline import plan_policy
from orchestrator.plan import Plan
from orchestrator.state import Target
from providers.aws.adapter import make_aws_adapter

ACCOUNT = "111111111111"
TAGGED = ["web", "app", "db", "shared"]
EXTERNAL = {"onprem": "172.16.0.0/12", "partners": "192.168.0.0/16", "saas": "203.0.113.0/24"}
PORTS = ["tcp/443", "tcp/8080", "udp/53", "tcp/5432", "tcp/8000-8100", "icmp", "any", "tcp/22"]
_names = itertools.count()


@st.composite
def policies(draw: st.DrawFn, name: str) -> Policy:
    tagged = draw(st.lists(st.sampled_from(TAGGED), min_size=1, max_size=4, unique=True))
    external = draw(st.lists(st.sampled_from(sorted(EXTERNAL)), max_size=2, unique=True))
    segments = [*tagged, *external]
    pairs = [(a, b) for a in segments for b in segments if a != b]
    chosen = draw(st.lists(st.sampled_from(pairs), max_size=6, unique=True)) if pairs else []
    rules = [
        {
            "name": f"r{i}",
            "from": a,
            "to": b,
            "ports": draw(st.lists(st.sampled_from(PORTS), min_size=1, max_size=3, unique=True)),
        }
        for i, (a, b) in enumerate(chosen)
    ]
    return Policy.model_validate(
        {
            "version": 1,
            "name": name,
            "accounts": [
                {"name": "sandbox", "cloud": "aws", "account_id": ACCOUNT, "regions": ["us-east-1"]}
            ],
            "segments": [
                *(
                    {
                        "name": s,
                        "members": [
                            {"account": "sandbox", "region": "us-east-1", "tags": {"segment": s}}
                        ],
                    }
                    for s in tagged
                ),
                *({"name": s, "cidrs": [EXTERNAL[s]]} for s in external),
            ],
            "rules": rules,
        }
    )


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Policy, Policy, list[tuple[str, int]]]:
    name = f"prop-{next(_names)}"
    edits = draw(
        st.lists(
            st.tuples(
                st.sampled_from(["rogue", "delete-rule", "delete-group", "entry"]),
                st.integers(0, 50),
            ),
            max_size=4,
        )
    )
    return draw(policies(name)), draw(policies(name)), edits


def _plan(policy: Policy, sandbox: dict[str, Any]) -> Plan:
    adapter = make_aws_adapter(
        Target("aws", ACCOUNT, "sandbox"), policy=policy.name, sandbox=sandbox
    )
    result = plan_policy(policy, lambda _: adapter, lambda _: None)
    assert result.plan is not None, result.diagnostics
    report = apply_plan(result.plan, lambda _: adapter)
    assert report.ok, [r.message for _, r in report.results if not r.ok]
    after = plan_policy(policy, lambda _: adapter, lambda _: None)
    assert after.plan is not None
    return after.plan


def _edit(ec2: Any, policy: str, edits: list[tuple[str, int]]) -> None:
    for n, (kind, pick) in enumerate(edits):
        groups = [
            g
            for g in console.managed_groups(ec2)
            if {"Key": "eastwest:policy", "Value": policy} in g.get("Tags", [])
        ]
        if not groups:
            return
        group = groups[pick % len(groups)]
        if kind == "rogue":
            console.add_rogue_rule(ec2, group["GroupId"], port=2000 + n)
        elif kind == "delete-rule" and group["IpPermissions"]:
            console.delete_first_ingress_rule(ec2, group)
        elif kind == "delete-group":
            ec2.delete_security_group(GroupId=group["GroupId"])
        elif kind == "entry":
            lists = [
                pl
                for pl in ec2.describe_managed_prefix_lists()["PrefixLists"]
                if {"Key": "eastwest:policy", "Value": policy} in pl.get("Tags", [])
            ]
            if lists:
                pl = lists[pick % len(lists)]
                ec2.modify_managed_prefix_list(
                    PrefixListId=pl["PrefixListId"],
                    CurrentVersion=pl["Version"],
                    MaxEntries=pl["MaxEntries"] + 1,
                )


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(scenario=scenarios())
def test_plan_apply_plan_converges_from_any_start(
    seeded_aws: SeedReport, sandbox: dict[str, Any], scenario: tuple[Policy, Policy, list[Any]]
) -> None:
    first, second, edits = scenario
    ec2 = console.sandbox_ec2(sandbox, ACCOUNT)
    before = console.unowned_snapshot(ec2)
    interfaces = _interfaces(ec2)
    assert not _plan(first, sandbox).has_changes
    _edit(ec2, first.name, edits)
    final = _plan(second, sandbox)
    assert not final.has_changes, [c.key for c in final.changes]
    assert console.unowned_snapshot(ec2) == before
    # Each example lets go of everything, or the examples' groups would pile up on the shared
    # cloud's interfaces (5 groups each at most); letting go restores the interfaces exactly.
    assert not _plan(_without_members(second), sandbox).has_changes
    assert _interfaces(ec2) == interfaces


def _without_members(policy: Policy) -> Policy:
    body = policy.model_dump(by_alias=True)
    return Policy.model_validate(
        {**body, "segments": [{"name": "onprem", "cidrs": [EXTERNAL["onprem"]]}], "rules": []}
    )


def _interfaces(ec2: Any) -> dict[str, Any]:
    found = ec2.describe_network_interfaces()["NetworkInterfaces"]
    return {e["NetworkInterfaceId"]: (e["Groups"], e.get("TagSet", [])) for e in found}
