"""Path-check reports as text for people and as JSON for tools.

In: the ``ScopeReport``s of one run. Out: text (one line per pair, then each violation with its
tables and the hop where it went wrong) or a JSON document with a ``format_version``.
Always: pure; scopes and pairs keep the order they were checked in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from orchestrator.paths.check import PairResult, ScopeReport, Violation

# "major.minor" as the plan document's (2.0: was the number 1, a change a consumer trips over;
# 2.1 added each violation's "finding").
FORMAT_VERSION = "2.1"


def render_text(reports: Sequence[ScopeReport]) -> str:
    lines: list[str] = []
    for report in reports:
        lines.append(f"{report.scope}:")
        for pair in report.pairs:
            lines.extend(_pair_lines(pair))
    bad = sum(len(p.violations) for r in reports for p in r.pairs)
    lines.append("")
    lines.append("Every path holds." if bad == 0 else f"{bad} violation(s).")
    return "\n".join(lines) + "\n"


def _pair_lines(pair: PairResult) -> list[str]:
    mark = "ok " if not pair.violations else "BAD"
    head = f"  {mark} {pair.source} → {pair.destination} ({pair.expected}, {pair.walks} path(s))"
    return [head, *(_violation_line(v) for v in pair.violations)]


def _violation_line(v: Violation) -> str:
    times = f" ({v.count} paths)" if v.count > 1 else ""
    if not v.tables:  # a group or list decided it; the problem names it
        return f"      {v.finding}: {v.problem}{times}; e.g. {v.example}"
    route = " → ".join(v.tables)
    where = f"; wrong at {v.wrong_hop}" if v.wrong_hop else ""
    return f"      {v.finding}: {v.problem}{times}{where}; via {route}; e.g. {v.example}"


def report_json(reports: Sequence[ScopeReport]) -> dict[str, Any]:
    return {
        "format_version": FORMAT_VERSION,
        "ok": all(r.ok for r in reports),
        "scopes": [
            {"scope": str(r.scope), "pairs": [_pair_json(p) for p in r.pairs]} for r in reports
        ],
    }


def _pair_json(pair: PairResult) -> dict[str, Any]:
    return {
        "from": pair.source,
        "to": pair.destination,
        "expected": str(pair.expected),
        "paths": pair.walks,
        "violations": [
            {
                "finding": str(v.finding),
                "problem": v.problem,
                "wrong_hop": v.wrong_hop,
                "tables": list(v.tables),
                "example": v.example,
                "count": v.count,
            }
            for v in pair.violations
        ],
    }
