from __future__ import annotations

import pytest

from orchestrator.compile import compile_policy
from orchestrator.compile.flows import merge_port_ranges
from orchestrator.diagnostics import Severity
from orchestrator.model.ports import PortRange, parse_port_spec
from orchestrator.state import AddressSet, FirewallGroup, FlowRule, Network
from tests.orchestrator.factories import SCOPE, inventory, policy

P = f"{SCOPE}"


def test_one_group_per_segment_and_vpc_and_sets_only_where_referenced() -> None:
    desired = compile_policy(policy(), inventory())
    scope = desired.scopes[SCOPE]
    groups = sorted(g.key for g in scope.of_kind(FirewallGroup))
    assert groups == [f"{P}/fwgroup/db@vpc-db", f"{P}/fwgroup/web@vpc-web"]
    sets = {a.segment: a for a in scope.of_kind(AddressSet)}
    assert set(sets) == {"web", "db"}  # onprem is referenced by no rule
    assert sets["db"].cidrs == frozenset({"10.30.0.0/15"})  # aggregated
    assert sets["db"].max_entries == 1


def test_a_rule_opens_ingress_on_the_target_and_egress_on_the_source() -> None:
    scope = compile_policy(policy(), inventory()).scopes[SCOPE]
    rules = {r.key for r in scope.of_kind(FlowRule)}
    assert f"{P}/fwgroup/db@vpc-db/ingress/tcp:5432/set:web" in rules
    assert f"{P}/fwgroup/web@vpc-web/egress/tcp:5432/set:db" in rules
    # intra-segment traffic is allowed; nothing else between web and db
    assert f"{P}/fwgroup/web@vpc-web/ingress/any/set:web" in rules
    assert not any(
        k.startswith(f"{P}/fwgroup/web@vpc-web/ingress") and "set:db" in k for k in rules
    )


def test_rule_descriptions_name_every_policy_rule_behind_them() -> None:
    pol = policy(
        rules=[
            {"name": "a", "from": "web", "to": "db", "ports": ["tcp/5432"]},
            {"name": "b", "from": "web", "to": "db", "ports": ["tcp/5432", "tcp/5433"]},
        ]
    )
    scope = compile_policy(pol, inventory()).scopes[SCOPE]
    rule = scope.resources[f"{P}/fwgroup/db@vpc-db/ingress/tcp:5432-5433/set:web"]
    assert isinstance(rule, FlowRule)
    assert rule.description == "eastwest:a,b"


def test_address_only_segment_becomes_an_address_set_of_its_cidrs() -> None:
    pol = policy(rules=[{"name": "vpn", "from": "onprem", "to": "web", "ports": ["tcp/443"]}])
    scope = compile_policy(pol, inventory()).scopes[SCOPE]
    onprem = scope.resources[f"{P}/addrset/onprem"]
    assert isinstance(onprem, AddressSet)
    assert onprem.cidrs == frozenset({"172.16.0.0/12"})


def test_tag_members_select_every_matching_vpc() -> None:
    pol = policy(
        segments=[
            {
                "name": "web",
                "members": [{"account": "prod", "region": "us-east-1", "tags": {"segment": "web"}}],
            },
            {
                "name": "db",
                "members": [{"account": "prod", "region": "us-east-1", "vpc": "vpc-db"}],
            },
        ]
    )
    extra = Network("vpc-web2", ("10.11.0.0/16",), {"segment": "web", "Name": "x"})
    scope = compile_policy(pol, inventory(extra)).scopes[SCOPE]
    assert {g.network for g in scope.of_kind(FirewallGroup) if g.segment == "web"} == {
        "vpc-web",
        "vpc-web2",
    }
    web = scope.resources[f"{P}/addrset/web"]
    assert isinstance(web, AddressSet)
    assert web.cidrs == frozenset({"10.10.0.0/15"})


def test_subnet_members_use_subnet_cidrs() -> None:
    pol = policy(
        segments=[
            {
                "name": "web",
                "members": [
                    {
                        "account": "prod",
                        "region": "us-east-1",
                        "vpc": "vpc-web",
                        "subnets": ["subnet-web-a"],
                    }
                ],
            },
            {
                "name": "db",
                "members": [{"account": "prod", "region": "us-east-1", "vpc": "vpc-db"}],
            },
        ]
    )
    web = compile_policy(pol, inventory()).scopes[SCOPE].resources[f"{P}/addrset/web"]
    assert isinstance(web, AddressSet)
    assert web.cidrs == frozenset({"10.10.1.0/24"})


@pytest.mark.parametrize(
    ("members", "message", "path"),
    [
        pytest.param(
            [{"account": "prod", "region": "us-east-1", "vpc": "vpc-nope"}],
            "vpc-nope was not found",
            "segments[0].members[0].vpc",
            id="missing-vpc",
        ),
        pytest.param(
            [{"account": "prod", "region": "us-east-1", "vpc": "vpc-web", "subnets": ["subnet-x"]}],
            "subnet subnet-x is not in vpc-web",
            "segments[0].members[0].subnets[0]",
            id="foreign-subnet",
        ),
        pytest.param(
            [{"account": "prod", "region": "us-east-1", "vpc": "vpc-db"}],
            "overlap",
            "segments[1].members[0]",
            id="vpc-in-two-segments",
        ),
    ],
)
def test_membership_errors_are_located(members: list[object], message: str, path: str) -> None:
    pol = policy(
        segments=[
            {"name": "web", "members": members},
            {
                "name": "db",
                "members": [{"account": "prod", "region": "us-east-1", "vpc": "vpc-db"}],
            },
        ]
    )
    diags = [
        d for d in compile_policy(pol, inventory()).diagnostics if d.severity is Severity.ERROR
    ]
    assert any(message in d.summary and d.path == path for d in diags), diags


def test_quota_counts_a_prefix_list_as_its_entries() -> None:
    cidrs = [f"192.168.{i}.0/25" for i in range(0, 256, 2)][:40]  # 40 blocks that never merge
    pol = policy(
        accounts=[
            {
                "name": "prod",
                "cloud": "aws",
                "account_id": "111111111111",
                "regions": ["us-east-1"],
                "quotas": {"rules_per_group": 60},
            }
        ],
        segments=[
            {
                "name": "web",
                "members": [{"account": "prod", "region": "us-east-1", "vpc": "vpc-web"}],
            },
            {
                "name": "db",
                "members": [{"account": "prod", "region": "us-east-1", "vpc": "vpc-db"}],
            },
            {"name": "partners", "cidrs": cidrs},
        ],
        rules=[
            {"name": "p-web", "from": "partners", "to": "web", "ports": ["tcp/443"]},
            {"name": "p-web2", "from": "partners", "to": "web", "ports": ["tcp/8443"]},
        ],
    )
    diags = compile_policy(pol, inventory()).diagnostics
    errors = [d for d in diags if d.severity is Severity.ERROR]
    assert len(errors) == 1
    assert "need 81 rule slots; the limit is 60" in errors[0].summary  # 40 + 40 + intra (1)
    assert errors[0].path == "segments[0]"


def test_compile_is_deterministic() -> None:
    a = compile_policy(policy(), inventory())
    b = compile_policy(policy(), inventory())
    assert a.scopes == b.scopes


@pytest.mark.parametrize(
    ("specs", "expected"),
    [
        pytest.param(["tcp/80", "tcp/81-90", "tcp/100"], ["tcp/80-90", "tcp/100"], id="adjacent"),
        pytest.param(["tcp/443", "any"], ["any"], id="any-wins"),
        pytest.param(["udp/53", "tcp/53", "icmp"], ["icmp", "tcp/53", "udp/53"], id="protocols"),
        pytest.param(["tcp/1-100", "tcp/50-60"], ["tcp/1-100"], id="contained"),
    ],
)
def test_merge_port_ranges(specs: list[str], expected: list[str]) -> None:
    merged = merge_port_ranges(parse_port_spec(s) for s in specs)
    assert [str(p) for p in merged] == expected
    assert all(isinstance(p, PortRange) for p in merged)
