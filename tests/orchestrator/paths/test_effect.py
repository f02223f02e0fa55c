"""The effective-access check as plan and the reconciler run it (orchestrator/paths/effect.py):
an adapter that cannot read the groups is an error, never a pass; a scope the check cannot
read makes the plan partial (never green, never a stop for the other scopes) with a
diagnostic that says why; the findings carry the scope, the pair and what
opens or blocks the flow. Fakes injected, no patching."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace

import pytest

from orchestrator.compile.membership import Membership, resolve_membership
from orchestrator.errors import ObservationError, ProviderError
from orchestrator.paths.check import Member
from orchestrator.paths.effect import members_in, scope_access, with_access_check
from orchestrator.pipeline import PlanResult
from orchestrator.plan import Plan, ScopePlan
from orchestrator.state import Network, Scope, ScopeInventory, Target
from orchestrator.state.access import AccessModel, Combine, EffectiveRule, RuleSet, Workload
from tests.orchestrator.factories import SCOPE, inventory, policy

TARGET = Target("aws", SCOPE.account, "prod")
MEMBERS = [Member("web", "vpc-web", ("10.10.0.0/16",)), Member("db", "vpc-db", ("10.30.0.0/16",))]
EVERYTHING = RuleSet("groups sg-any", Combine.ANY_ALLOW, (
    EffectiveRule("sg-any (wide-open)", "sgr-in", True, True, "all"),
    EffectiveRule("sg-any (wide-open)", "sgr-out", False, True, "all"),
))  # fmt: skip
OPEN = (
    Workload("eni-web", "vpc-web", "subnet-web-a", "10.10.1.5", (EVERYTHING,)),
    Workload("eni-db", "vpc-db", "subnet-db", "10.30.0.5", (EVERYTHING,)),
)


@dataclass
class Reader:
    workloads: tuple[Workload, ...] = ()
    error: ProviderError | None = None
    target: Target = TARGET
    asked: list[Collection[str] | None] = field(default_factory=list)

    def access(self, scope: Scope, networks: Collection[str] | None = None) -> AccessModel:
        self.asked.append(networks)
        if self.error is not None:
            raise self.error
        return AccessModel(scope, self.workloads)


class Blind:
    """An adapter without ``access``: it cannot say what the workloads' groups do."""

    target = TARGET


def test_an_adapter_that_cannot_read_the_groups_is_an_error_not_a_pass() -> None:
    with pytest.raises(ProviderError, match="cannot read the groups at the workloads"):
        scope_access(policy(), MEMBERS, Blind(), SCOPE)
    assert scope_access(policy(), [], Blind(), SCOPE) == {}  # nothing placed: nothing to judge


def test_the_reader_is_told_the_member_networks_it_judges() -> None:
    # Only workloads of member networks are placed in a segment, so the reader may skip the
    # groups of the others (Alibaba: one read each); every member network must be asked for.
    reader = Reader(OPEN)
    found = scope_access(policy(), MEMBERS, reader, SCOPE)
    assert reader.asked == [frozenset({"vpc-web", "vpc-db"})]
    assert any(found.values())  # and judged them


def _result() -> PlanResult:
    plan = Plan("test", (ScopePlan(SCOPE, TARGET, (), "fp"),))
    return PlanResult(plan, None, (), inventory())


def _carrying(membership: Membership | None) -> PlanResult:
    """A result whose inventory places nothing, carrying ``membership`` (None: none)."""
    return replace(_result(), inventory={}, membership=membership)


@pytest.mark.parametrize(
    ("result", "findings"),
    [
        pytest.param(_carrying(resolve_membership(policy(), inventory())), 1, id="carried"),
        pytest.param(_carrying(None), 0, id="resolved-from-the-inventory"),
    ],
)
def test_the_check_places_workloads_with_the_membership_the_compile_resolved(
    result: PlanResult, findings: int
) -> None:
    # A reconciler tick must not resolve the whole estate's membership again (issue 13): what
    # the result carries is used; only a result without one is resolved from its inventory.
    checked = with_access_check(result, policy(), lambda _: Reader(OPEN), lambda _: None)  # type: ignore[arg-type,return-value]
    assert checked.plan is not None
    assert len(checked.plan.access.findings) == findings


def test_a_scope_is_judged_on_its_own_placements_in_placement_order() -> None:
    other = Scope("aws", SCOPE.account, "eu-west-1")
    estate = {
        **inventory(),
        other: ScopeInventory(other, (Network("vpc-far", ("10.90.0.0/16",), {"segment": "web"}),)),
    }
    far = {"account": "prod", "region": "eu-west-1", "tags": {"segment": "web"}}
    pol = policy(
        accounts=[{"name": "prod", "cloud": "aws", "account_id": SCOPE.account,
                   "regions": ["us-east-1", "eu-west-1"]}],
        segments=[
            {"name": "web", "members": [far, {"account": "prod", "region": "us-east-1",
                                               "vpc": "vpc-web"}]},
            {"name": "db", "members": [{"account": "prod", "region": "us-east-1",
                                        "vpc": "vpc-db"}]},
        ],
    )  # fmt: skip
    membership = resolve_membership(pol, estate)
    assert members_in(membership, SCOPE) == [
        Member("web", "vpc-web", ("10.10.0.0/16",)),
        Member("db", "vpc-db", ("10.30.0.0/16", "10.31.0.0/16")),
    ]
    assert members_in(membership, other) == [Member("web", "vpc-far", ("10.90.0.0/16",))]
    assert members_in(membership, Scope("aws", "222222222222", "us-east-1")) == []


@pytest.mark.parametrize(
    ("reader", "findings"),
    [
        pytest.param(Reader(), (), id="no-workloads"),
        pytest.param(Reader(OPEN), (("db", "web"),), id="a-wide-open-group"),
    ],
)
def test_the_plan_carries_each_finding_with_its_pair(
    reader: Reader, findings: tuple[tuple[str, str], ...]
) -> None:
    result = with_access_check(_result(), policy(), lambda _: reader, lambda _: None)  # type: ignore[arg-type,return-value]
    assert result.plan is not None
    assert result.plan.access.ran
    assert tuple((f.source, f.destination) for f in result.plan.access.findings) == findings
    for f in result.plan.access.findings:
        assert f.scope == str(SCOPE)
        assert "sg-any (wide-open) rule sgr-in: allows all from 0.0.0.0/0" in f.problem


def test_a_scope_the_check_cannot_read_makes_the_plan_partial_not_failed() -> None:
    # Fault isolation: one throttled read of one scope's groups must not stop every cloud's
    # changes (a chaos run lost a whole apply to it), and must never let the plan say green.
    reader = Reader(error=ObservationError("DescribeSecurityGroupRules: throttled"))
    planned = _result()
    result = with_access_check(planned, policy(), lambda _: reader, lambda _: None)  # type: ignore[arg-type,return-value]
    assert not result.failed
    assert result.partial
    assert result.plan is not None
    assert planned.plan is not None
    assert result.plan.scopes == planned.plan.scopes  # its changes are still planned
    assert not result.plan.complete
    assert result.plan.access.ran
    assert result.plan.access.findings == ()
    [(scope, unchecked)] = result.plan.access.unchecked
    assert scope == str(SCOPE)
    assert unchecked.startswith(f"{SCOPE} (prod): ")
    assert "throttled" in unchecked
    assert "throttled" in result.plan.access.skipped  # plan JSON: access.skipped says why
    [problem] = [d for d in result.diagnostics if "effective-access check" in d.summary]
    assert "throttled" in problem.summary
    assert "--no-access-check" in problem.summary
    assert problem in result.plan.diagnostics
