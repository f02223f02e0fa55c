"""The chaos run's convergence rule: exit 0, or exit 3 whose findings all name foreign objects
that were there before eastwest's first apply (the sandbox's seeded DBA groups)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.chaos.run import converged
from tests.chaos.world import View

BEFORE = View(unowned={"aws sg sg-291": "{}", "alibaba sg sg-eastwest0mshn": "{}"})
OPEN = "tcp/5432 reaches the workloads, but no rule allows it: opened by sg-291 (pg-open) rule r"


def _plan(problem: str, finding: str = "open beyond policy", **extra: Any) -> dict[str, Any]:
    findings = [{"finding": finding, "problem": problem}]
    return {"access": {"findings": findings}, "scopes": [{"changes": []}], **extra}


@pytest.mark.parametrize(
    ("code", "plan", "expected"),
    [
        (0, {}, True),
        (3, _plan(OPEN), True),
        (3, _plan(OPEN + "; sg-eastwest0mshn (x) rule r2"), True),
        (3, _plan(OPEN.replace("sg-291", "sg-eastwest1")), False),  # not there before
        (3, _plan(OPEN + "; sg-999 (x) rule r"), False),  # one of two named is unknown
        (3, _plan("reaches the workloads: opened by nothing (no rule set)"), False),
        (3, _plan(OPEN, "blocked but allowed"), False),
        (3, {"access": {"findings": []}}, False),
        (3, {**_plan(OPEN), "scopes": [{"changes": [{"key": "k"}]}]}, False),
        (3, {**_plan(OPEN), "firewalls": [{"changes": [{"key": "ngfw/x"}]}]}, False),
        (2, _plan(OPEN), False),
        (1, _plan(OPEN), False),
    ],
)
def test_converged(code: int, plan: dict[str, Any], expected: bool) -> None:
    assert converged(code, plan, BEFORE) is expected
