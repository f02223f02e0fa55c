"""What the effective-access check found that the plan's changes do not fix.

In: nothing (values), filled by ``orchestrator.paths.effect`` after a plan is made. Out:
``AccessCheck``: whether the groups and lists at the workloads were evaluated and, if so, every
``AccessFinding`` (a flow that is not as the policy says: opened by a group or rule nobody in
the policy asked for, or blocked by one). Always: frozen; each finding names the group, list or
rule that makes it, so a person can act on it. A plan with no changes is green only when the
check ran and found nothing (DESIGN.md rule 8).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class AccessFinding:
    scope: str  # cloud/account/region
    source: str  # segment
    destination: str  # segment
    finding: str  # "open beyond policy", "blocked but allowed"
    problem: str  # names the group / list and the rule
    example: str  # one pair of interfaces (or networks) it holds for
    count: int = 1  # pairs of interfaces it holds for

    def line(self) -> str:
        times = f" ({self.count} paths)" if self.count > 1 else ""
        return (
            f"{self.scope}: {self.source} → {self.destination}: {self.finding}: "
            f"{self.problem}{times}; e.g. {self.example}"
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "scope": self.scope,
            "from": self.source,
            "to": self.destination,
            "finding": self.finding,
            "problem": self.problem,
            "example": self.example,
            "count": self.count,
        }


@dataclass(frozen=True, slots=True)
class AccessCheck:
    """``skipped``: why the check did not run ("" when it ran, or was never asked for), or,
    when it ran, the scopes it could not read and why (``unchecked``): those make the plan
    partial, never green, and never stop the other scopes' changes."""

    ran: bool = False
    findings: tuple[AccessFinding, ...] = ()
    skipped: str = ""
    unchecked: tuple[tuple[str, str], ...] = ()  # (scope, why) per scope not read

    def to_json(self) -> dict[str, Any]:
        return {
            "checked": self.ran,
            "skipped": self.skipped or None,
            "findings": [f.to_json() for f in self.findings],
        }
