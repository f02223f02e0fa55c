"""Effective access at the workload on the Alibaba fake, through the adapter's ``access`` read and
the evaluator ``eastwest paths`` runs: the seeded hand-made group ``spoke-db-1-pg-open`` (TCP
5432 from 0.0.0.0/0, joined to spoke-db-1-vm-h) opens web → db beyond a policy that allows only
app → db, and leaving it (through the SDK) clears that; a drop rule at the priority of that
accept wins the tie, blocks the allowed app → db, and is named. Read-only, every request
documented."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from moto_fixtures.alibaba import landing_zone as lz
from moto_fixtures.alibaba import metadata
from moto_fixtures.alibaba.seed import SeedReport
from moto_fixtures.alibaba.server import AlibabaServer
from orchestrator.compile.membership import resolve_membership
from orchestrator.model.loader import load_policy
from orchestrator.model.policy import Policy
from orchestrator.paths.check import Finding, Member, Violation
from orchestrator.paths.effect import scope_access
from orchestrator.state import Scope
from providers.alibaba.adapter import AlibabaAdapter
from tests.providers.alibaba import cloud as c
from tests.providers.alibaba.conftest import Sent, adapter_for

SCOPE = Scope("alibaba", c.ACCOUNT, c.REGION)


@pytest.fixture
def policy(tmp_path: Path) -> Policy:
    member = {"account": "ali", "region": c.REGION}
    doc = {
        "version": 1,
        "name": "ali-access",
        "accounts": [
            {"name": "ali", "cloud": "alibaba", "account_id": c.ACCOUNT, "regions": [c.REGION]}
        ],
        "segments": [
            {"name": s, "members": [{**member, "tags": {"segment": s}}]}
            for s in ("web", "app", "db")
        ],
        "rules": [{"name": "app-db", "from": "app", "to": "db", "ports": ["tcp/5432"]}],
    }
    path = tmp_path / "p.yaml"
    path.write_text(json.dumps(doc))
    return load_policy([path]).policy


@pytest.fixture
def ali(server: AlibabaServer, sent: Sent, sleeps: list[float]) -> AlibabaAdapter:
    return adapter_for(server, "ali-access", sent, sleeps)


def _found(ali: AlibabaAdapter, policy: Policy) -> list[Violation]:
    membership = resolve_membership(policy, {SCOPE: ali.inventory(c.REGION)})
    members = [Member(p.segment, p.network, p.cidrs) for p in membership.placements]
    # Through the check's own step (as paths, plan and the reconciler): the groups' names are
    # read only when there is a finding to name them in.
    found = scope_access(policy, members, ali, SCOPE)
    return [v for vs in found.values() for v in vs]


def test_the_hand_made_group_is_named_and_leaving_it_clears_it(
    cloud: tuple[AlibabaServer, SeedReport], ali: AlibabaAdapter, policy: Policy, sent: Sent
) -> None:
    server, report = cloud
    found = _found(ali, policy)
    opened = [v for v in found if lz.PERMISSIVE_GROUP in v.problem]
    assert {(v.source, v.destination, v.finding) for v in opened} == {
        ("web", "db", Finding.OPEN)
    }, found
    assert "allows tcp/5432 from 0.0.0.0/0" in opened[0].problem
    for version, action, params in sent:
        metadata.assert_conforms(version, action, params)
    assert all(a.startswith(("Describe", "Get", "List")) for _, a, _ in sent)
    # Named from the group's own rules read (its SecurityGroupName): no region-wide group list.
    assert "DescribeSecurityGroups" not in {a for _, a, _ in sent}
    c.rpc(
        server,
        c.ECS,
        "LeaveSecurityGroup",
        SecurityGroupId=report.security_groups[lz.PERMISSIVE_GROUP],
        InstanceId=report.instances[lz.PERMISSIVE_INSTANCE],
    )
    assert [v for v in _found(ali, policy) if lz.PERMISSIVE_GROUP in v.problem] == []


def test_a_drop_tying_an_accept_wins_and_blocks_an_allowed_flow(
    cloud: tuple[AlibabaServer, SeedReport], ali: AlibabaAdapter, policy: Policy
) -> None:
    server, report = cloud
    group = report.security_groups[lz.PERMISSIVE_GROUP]
    before = [v for v in _found(ali, policy) if v.finding is Finding.BLOCKED and group in v.problem]
    assert before == []
    c.rpc(
        server,
        c.ECS,
        "AuthorizeSecurityGroup",
        SecurityGroupId=group,
        **{
            "Permissions.1.IpProtocol": "TCP",
            "Permissions.1.PortRange": "5432/5432",
            "Permissions.1.SourceCidrIp": "10.0.0.0/8",
            "Permissions.1.Policy": "drop",
            "Permissions.1.Priority": "1",
        },
    )
    blocked = [v for v in _found(ali, policy) if v.finding is Finding.BLOCKED]
    assert {(v.source, v.destination) for v in blocked} >= {("app", "db")}
    named = [v for v in blocked if "denies tcp/5432 from 10.0.0.0/8" in v.problem]
    assert named
    assert group in named[0].problem


def _rules_read(sent: Sent) -> set[str]:
    return {p["SecurityGroupId"] for _, a, p in sent if a == "DescribeSecurityGroupAttribute"}


def test_a_group_on_no_member_interface_is_not_read_until_its_network_joins(
    cloud: tuple[AlibabaServer, SeedReport], ali: AlibabaAdapter, policy: Policy, sent: Sent
) -> None:
    """The VM-Series group sits on the security VPC's ENIs only, which no segment holds: the
    check does not read its rules; tagged into ``web`` between two ticks, the next tick judges
    it. The seeded permissive group, on a member ENI, is read and found in both."""
    server, report = cloud
    firewall = report.security_groups[lz.FIREWALL_GROUP]
    permissive = report.security_groups[lz.PERMISSIVE_GROUP]
    first = _found(ali, policy)
    assert _rules_read(sent) >= {permissive}
    assert firewall not in _rules_read(sent)
    assert [v for v in first if lz.PERMISSIVE_GROUP in v.problem]
    sent.clear()
    server.backend.vpc.vpcs[report.vpcs[lz.SECURITY.name]].tags["segment"] = "web"
    second = _found(ali, policy)
    assert {firewall, permissive} <= _rules_read(sent)
    assert [v for v in second if lz.PERMISSIVE_GROUP in v.problem]


@pytest.mark.parametrize(
    ("networks", "read"),
    [
        pytest.param(None, True, id="every-network"),
        pytest.param(frozenset(), False, id="no-network"),
        pytest.param(frozenset({"security"}), True, id="the-security-vpc"),
    ],
)
def test_the_reader_reads_the_groups_of_the_networks_it_is_given(
    cloud: tuple[AlibabaServer, SeedReport],
    ali: AlibabaAdapter,
    sent: Sent,
    networks: frozenset[str] | None,
    read: bool,
) -> None:
    _, report = cloud
    given = None if networks is None else frozenset(report.vpcs[n] for n in networks)
    model = ali.access(SCOPE, given)
    assert (report.security_groups[lz.FIREWALL_GROUP] in _rules_read(sent)) is read
    assert given is None or {w.network for w in model.workloads} <= given
    assert bool(model.workloads) is (given is None or bool(given))
