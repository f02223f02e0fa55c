"""How the human plan ends once the effective-access check has run (DESIGN.md rule 8): "The
clouds match the policy." only with no changes and no finding; findings listed with what makes
them when nothing is left to change; counted when changes are pending; said when the check was
skipped. Golden lines, table-driven."""

from __future__ import annotations

import pytest

from orchestrator.compile import compile_policy
from orchestrator.diagnostics import error
from orchestrator.plan import Plan, ScopePlan
from orchestrator.plan.findings import AccessCheck, AccessFinding
from orchestrator.plan.render import render_plan
from orchestrator.state import Action, Change, Target
from tests.orchestrator.factories import SCOPE, inventory, policy

TARGET = Target("aws", SCOPE.account, "prod")
OPEN = AccessFinding(
    str(SCOPE), "web", "db", "open beyond policy",
    "tcp/5432 reaches the workloads, but no rule allows it: opened by sg-1 (pg-open) rule "
    "sgr-1: allows tcp/5432 from 0.0.0.0/0", "eni-a (10.10.0.4) → eni-b (10.30.0.4)", 2,
)  # fmt: skip
FOUND = AccessCheck(ran=True, findings=(OPEN,))
CLEAR = AccessCheck(ran=True)
SKIPPED = AccessCheck(skipped="--no-access-check")
LISTED = (
    "No changes eastwest can make, but 1 flow(s) are not as the policy says:\n\n"
    "  aws/111111111111/us-east-1: web → db: open beyond policy: tcp/5432 reaches the "
    "workloads, but no rule allows it: opened by sg-1 (pg-open) rule sgr-1: allows tcp/5432 "
    "from 0.0.0.0/0 (2 paths); e.g. eni-a (10.10.0.4) → eni-b (10.30.0.4)\n\n"
)


def _plan(access: AccessCheck, *, changes: bool = False, conflict: bool = False) -> Plan:
    resources = compile_policy(policy(), inventory()).scopes[SCOPE].resources.values()
    made = tuple(Change(Action.CREATE, None, r) for r in list(resources)[:1]) if changes else ()
    held = (error("aws/…: sg-x is not eastwest's"),) if conflict else ()
    scope = ScopePlan(SCOPE, TARGET, made, "fp")
    return Plan("test", (scope,), held, conflicts=held, access=access)


@pytest.mark.parametrize(
    ("plan", "ends", "absent"),
    [
        pytest.param(_plan(CLEAR), "No changes. The clouds match the policy.\n", "", id="green"),
        pytest.param(_plan(FOUND), LISTED, "match the policy", id="findings-no-changes"),
        pytest.param(
            _plan(SKIPPED),
            "No changes. The clouds match the policy (the groups and lists at the workloads "
            "were not checked: --no-access-check).\n",
            "",
            id="skipped",
        ),
        pytest.param(
            _plan(FOUND, changes=True),
            "Plan: 1 to add, 0 to change, 0 to destroy.\nAt the workloads, as the clouds are "
            "now, 1 flow(s) are not as the policy says; these changes may fix some. Plan again "
            "after apply to see what remains (`plan --json` lists them under access.findings).\n",
            "No changes",
            id="findings-with-changes",
        ),
        pytest.param(
            _plan(FOUND, conflict=True),
            "No changes can be made, but the clouds do not match the policy: 1 conflict(s) "
            "above leave members unguarded.\n" + LISTED,
            "match the policy.",
            id="conflict-and-findings",
        ),
    ],
)
def test_the_plan_ends_with_what_holds_at_the_workloads(plan: Plan, ends: str, absent: str) -> None:
    text = render_plan(plan)
    if plan.access.findings and not plan.has_changes:
        ends += text[text.rindex("Each is made by") :]
    assert text.endswith(ends), text
    assert not absent or absent not in text
