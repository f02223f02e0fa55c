"""The effective-access check in the human plan: what holds at the workloads, said plainly.

In: a ``Plan`` whose ``access`` the caller filled. Out: the lines that end the plan. With no
changes and findings, they replace "The clouds match the policy." (DESIGN.md rule 8) and list
each finding with the group or list and the rule that make it; with changes, one line counts
the findings as the clouds are now (the changes may fix some: a plan cannot tell which).
Always: pure.
"""

from __future__ import annotations

from orchestrator.plan.planner import Plan

MATCH = "No changes. The clouds match the policy."
_HOW = (
    "Each is made by a group, list or rule eastwest does not own, so it never changes it: "
    "change it by hand (on AWS and Alibaba Cloud, `attach: exclusive` also takes other groups "
    "off a segment's interfaces; docs/policy.md). `eastwest paths` shows the same, with the "
    "routes."
)


def no_change_lines(plan: Plan) -> list[str]:
    """The end of a plan without changes (conflicts aside)."""
    access = plan.access
    if access.findings:
        n = len(access.findings)
        head = f"No changes eastwest can make, but {n} flow(s) are not as the policy says:"
        return [head, "", *(f"  {f.line()}" for f in access.findings), "", _HOW]
    text = MATCH if plan.complete else MATCH[:-1] + " in every scope that could be read."
    if access.skipped:
        text = text[:-1] + (
            f" (the groups and lists at the workloads were not checked: {access.skipped})."
        )
    return [text]


def with_changes_line(plan: Plan) -> list[str]:
    """After the ``Plan:`` line: the findings of the clouds as they are now, counted."""
    n = len(plan.access.findings)
    if not n:
        return []
    return [
        f"At the workloads, as the clouds are now, {n} flow(s) are not as the policy says; "
        "these changes may fix some. Plan again after apply to see what remains "
        "(`plan --json` lists them under access.findings)."
    ]
