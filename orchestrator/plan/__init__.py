"""Plan: desired vs observed → ordered changes, rendered for people or machines.

In: a ``DesiredState`` and, per scope, an ``ObservedScope`` or the ``ObservationError`` that
stopped its reading. Out: a ``Plan`` (ordered changes per scope, drift marked), its text and
JSON renderings, and the saved-plan file format.
Always: diff is a set operation on keys; changes are ordered make-before-break (create
containers → add rules → remove rules → delete containers); a scope that could not be read
completely has no changes at all, and the plan says why (DESIGN.md rule 2).
"""

from orchestrator.plan.diff import diff_scope
from orchestrator.plan.planner import Plan, ScopePlan, make_plan

__all__ = ["Plan", "ScopePlan", "diff_scope", "make_plan"]
