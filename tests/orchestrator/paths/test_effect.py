"""The effective-access check as plan and the reconciler run it (orchestrator/paths/effect.py):
an adapter that cannot read the groups is an error, never a pass; a scope the check cannot
read makes the plan partial (never green, never a stop for the other scopes) with a
diagnostic that says why; the findings carry the scope, the pair and what
opens or blocks the flow. Fakes injected, no patching."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field

import pytest

from orchestrator.errors import ObservationError, ProviderError
from orchestrator.paths.check import Member
from orchestrator.paths.effect import scope_access, with_access_check
from orchestrator.pipeline import PlanResult
from orchestrator.plan import Plan, ScopePlan
from orchestrator.state import Scope, Target
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
