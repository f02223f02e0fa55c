"""The effective-access evaluators on literal rule sets: how each cloud combines rules (AWS
groups: any allow; AWS network ACLs and Azure NSGs: first match by priority, the defaults as
rules; Alibaba groups: priority, a drop winning a tie), whole flows through both ends, and the
findings of a pair."""

from __future__ import annotations

import pytest

from orchestrator.paths.access import Probe, check_access, decide, flow
from orchestrator.paths.check import Expect, Finding, Member
from orchestrator.state import Scope
from orchestrator.state.access import (
    AccessModel,
    Combine,
    EffectiveRule,
    RuleSet,
    SubnetSets,
    Workload,
)

PG = Probe("tcp", 5432)
WEB_IP, DB_IP = "10.1.0.4", "10.2.0.4"


def rule(
    name: str, *, allow: bool = True, ingress: bool = True, priority: int = 0, **kw: object
) -> EffectiveRule:
    fields: dict[str, object] = {"protocol": "tcp", "from_port": 5432, "to_port": 5432} | kw
    return EffectiveRule("g", name, ingress, allow, priority=priority, **fields)  # type: ignore[arg-type]


# Azure's default inbound rules, as a reader adds them (VirtualNetwork here: 10.0.0.0/8).
AZURE_DEFAULTS = (
    rule("AllowVnetInBound", priority=65000, protocol="all", peers=("10.0.0.0/8",)),
    rule("DenyAllInBound", allow=False, priority=65500, protocol="all"),
)


@pytest.mark.parametrize(
    ("combine", "rules", "allowed", "by"),
    [
        pytest.param(Combine.ANY_ALLOW, (), False, None, id="aws-sg-nothing-admits"),
        pytest.param(
            Combine.ANY_ALLOW,
            (rule("narrow", peers=("192.0.2.0/24",)), rule("open")),
            True,
            "open",
            id="aws-sg-union",
        ),
        pytest.param(
            Combine.ANY_ALLOW,
            (rule("other-port", from_port=22, to_port=22),),
            False,
            None,
            id="aws-sg-port-outside",
        ),
        pytest.param(
            Combine.FIRST_MATCH,
            (rule("100", priority=100), rule("50", allow=False, priority=50)),
            False,
            "50",
            id="nacl-lower-number-first",
        ),
        pytest.param(
            Combine.FIRST_MATCH,
            (rule("allow-200", priority=200), *AZURE_DEFAULTS),
            True,
            "allow-200",
            id="azure-own-rule-above-defaults",
        ),
        pytest.param(
            Combine.FIRST_MATCH,
            AZURE_DEFAULTS,
            True,
            "AllowVnetInBound",
            id="azure-default-vnet-allow",
        ),
        pytest.param(
            Combine.FIRST_MATCH,
            (
                rule("deny-4000", allow=False, priority=4000, protocol="all"),
                rule("open-300", priority=300),
            ),
            True,
            "open-300",
            id="azure-rule-above-eastwest-deny",
        ),
        pytest.param(
            Combine.PRIORITY_DENY_TIES,
            (rule("accept", priority=1), rule("drop", allow=False, priority=1)),
            False,
            "drop",
            id="alibaba-drop-wins-tie",
        ),
        pytest.param(
            Combine.PRIORITY_DENY_TIES,
            (rule("accept", priority=1), rule("drop", allow=False, priority=100)),
            True,
            "accept",
            id="alibaba-higher-priority-accept",
        ),
    ],
)
def test_decide(
    combine: Combine, rules: tuple[EffectiveRule, ...], allowed: bool, by: str | None
) -> None:
    verdict = decide(RuleSet("set", combine, rules), True, WEB_IP, PG)
    assert verdict.allowed is allowed
    assert (verdict.by.rule if verdict.by else None) == by


ALL_OUT = rule("all-out", ingress=False, protocol="all")


def _workload(wid: str, address: str, *sets: RuleSet) -> Workload:
    return Workload(wid, f"vpc-{wid}", f"subnet-{wid}", address, sets)


def _groups(*rules: EffectiveRule) -> RuleSet:
    return RuleSet("groups", Combine.ANY_ALLOW, (ALL_OUT, *rules))


def _acl(*rules: EffectiveRule) -> RuleSet:
    return RuleSet("acl-1", Combine.FIRST_MATCH, rules, stateful=False)


OPEN_ACL = _acl(
    rule("100", priority=100, protocol="all"),
    rule("100", priority=100, protocol="all", ingress=False),
)
REPLY_BLOCKED = _acl(
    rule("100", priority=100, protocol="all"),
    rule("90", priority=90, ingress=False, from_port=1024, to_port=65535, allow=False),
    rule("100", priority=100, protocol="all", ingress=False),
)


@pytest.mark.parametrize(
    ("dst_sets", "passes", "named"),
    [
        pytest.param((_groups(rule("pg")), OPEN_ACL), True, "g rule pg", id="opened-by-group"),
        pytest.param((_groups(), OPEN_ACL), False, "groups (no rule admits it)", id="no-group"),
        pytest.param(
            (_groups(rule("pg")), REPLY_BLOCKED),
            False,
            "g rule 90: denies tcp/1024-65535",
            id="stateless-reply",
        ),
    ],
)
def test_flow(dst_sets: tuple[RuleSet, ...], passes: bool, named: str) -> None:
    src = _workload("web", WEB_IP, _groups())
    ok, verdicts = flow(src, _workload("db", DB_IP, *dst_sets), PG)
    assert ok is passes
    first = verdicts[0]
    assert named in (first.by.describe() if first.by else f"{first.rule_set} (no rule admits it)")


@pytest.mark.parametrize(
    ("db_groups", "allowed", "finding"),
    [
        pytest.param(_groups(rule("pg-open", peers=("0.0.0.0/0",))), (), Finding.OPEN, id="open"),
        pytest.param(_groups(), (PG,), Finding.BLOCKED, id="blocked"),
        pytest.param(_groups(rule("pg")), (PG,), None, id="holds"),
        pytest.param(_groups(), (), None, id="denied-and-blocked"),
    ],
)
def test_check_access(
    db_groups: RuleSet, allowed: tuple[Probe, ...], finding: Finding | None
) -> None:
    model = AccessModel(
        Scope("aws", "111111111111", "us-east-1"),
        (_workload("web", WEB_IP, _groups()), _workload("db", DB_IP, db_groups)),
    )
    members = (Member("web", "vpc-web", ("10.1.0.0/16",)), Member("db", "vpc-db", ("10.2.0.0/16",)))
    expect = Expect.DIRECT if allowed else Expect.DENIED
    found = check_access(model, members, [PG], {("web", "db"): allowed}, {("web", "db"): expect})
    got = [v.finding for v in found[("web", "db")]]
    assert got == ([finding] if finding else [])
    assert found[("db", "web")] == ()  # web's group admits nothing inbound


# db's VPC has no workload interface: it is judged on its member subnets' sets (stand-ins at
# each subnet's first host). Where those sets decide alone (Azure: a subnet NSG, a NIC without
# one), what passes is open; where groups on a future interface decide too (AWS: a network
# ACL), only what the sets stop is a finding.
DB_SUBNET = "10.2.1.0/24"
PG_DENIED = _acl(
    rule("50", allow=False, priority=50),
    rule("100", priority=100, protocol="all"),
    rule("100", priority=100, protocol="all", ingress=False),
)


@pytest.mark.parametrize(
    ("db_sets", "decide_alone", "allowed", "finding"),
    [
        pytest.param((OPEN_ACL,), False, (), None, id="aws-acl-lets-through-proves-nothing"),
        pytest.param((PG_DENIED,), False, (PG,), Finding.BLOCKED, id="aws-acl-blocks-allowed"),
        pytest.param((), True, (), Finding.OPEN, id="azure-no-nsg-opens-a-denied-pair"),
        pytest.param((PG_DENIED,), True, (), None, id="azure-nsg-denies-a-denied-pair"),
        pytest.param((PG_DENIED,), True, (PG,), Finding.BLOCKED, id="azure-nsg-blocks-allowed"),
    ],
)
def test_a_member_network_without_interfaces_is_judged_per_subnet(
    db_sets: tuple[RuleSet, ...],
    decide_alone: bool,
    allowed: tuple[Probe, ...],
    finding: Finding | None,
) -> None:
    subnets = (
        SubnetSets("subnet-db-1", "vpc-db", DB_SUBNET, db_sets),
        SubnetSets("subnet-other", "vpc-other", "10.9.0.0/24", ()),  # not a member network
    )
    web = _workload("web", WEB_IP, _groups(), OPEN_ACL)
    model = AccessModel(Scope("aws", "111111111111", "us-east-1"), (web,), subnets, decide_alone)
    members = (Member("web", "vpc-web", ("10.1.0.0/16",)), Member("db", "vpc-db", ("10.2.0.0/16",)))
    expect = Expect.DIRECT if allowed else Expect.DENIED
    found = check_access(model, members, [PG], {("web", "db"): allowed}, {("web", "db"): expect})
    got = found[("web", "db")]
    assert [v.finding for v in got] == ([finding] if finding else [])
    for v in got:
        assert "subnet-db-1 (no interface) (10.2.1.1)" in v.example
        assert v.finding is Finding.OPEN or "rule 50: denies tcp/5432" in v.problem
