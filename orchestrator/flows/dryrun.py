"""The flow-level dry run of ``eastwest plan --flows``: observed traffic judged by the policy
being planned.

In: ``Observed`` (judged by the planned policy) and that policy. Out: a JSON-ready report:
the conversations between segments the planned state would block (verdict ``denied``), and
the rules (and ports of rules) no observed conversation used, each list top N by records with
its full count.
Always: only traffic between two segments is judged; an end in no segment is counted apart
(``external_records``), never as blocked.
"""

from __future__ import annotations

from typing import Any

from orchestrator.flows.analysis import Observed, Service
from orchestrator.flows.verdicts import covers
from orchestrator.model.policy import Policy
from orchestrator.model.ports import parse_port_spec

_ALLOWED = ("inspected", "uninspected")


def dry_run(observed: Observed, policy: Policy, top: int = 10) -> dict[str, Any]:
    services = [s for s in observed.services if s.source != s.target]
    blocked = sorted(
        (s for s in services if s.verdict == "denied"), key=lambda s: (-s.records, _key(s))
    )
    unseen = _unseen_rules(policy, services)
    return {
        "observed_records": sum(s.records for s in observed.services),
        "external_records": sum(s.records for s in services if s.verdict == "external"),
        "blocked_records": sum(s.records for s in blocked),
        "blocked_count": len(blocked),
        "blocked": [_blocked(s) for s in blocked[:top]],
        "unseen_rules_count": len(unseen),
        "unseen_rules": unseen[:top],
    }


def _key(service: Service) -> tuple[str, str, int, int]:
    return service.source, service.target, service.proto, service.port


def _blocked(service: Service) -> dict[str, Any]:
    return {
        "from": service.source,
        "to": service.target,
        "port": service.label,
        "records": service.records,
        "bytes": service.bytes,
        "first_seen": service.first_seen,
        "last_seen": service.last_seen,
    }


def _unseen_rules(policy: Policy, services: list[Service]) -> list[dict[str, Any]]:
    """A rule is unseen when no conversation it allows was observed; a seen rule may still
    have ports nobody used, listed as ``unseen_ports``."""
    found: list[dict[str, Any]] = []
    for rule in policy.rules:
        used = [
            s
            for s in services
            if (s.source, s.target) in rule.directions() and s.verdict in _ALLOWED
        ]
        idle = [
            spec
            for spec in rule.ports
            if not any(covers(parse_port_spec(spec), s.proto, s.port) for s in used)
        ]
        if idle:
            found.append(
                {
                    "rule": rule.name,
                    "from": rule.from_,
                    "to": rule.to,
                    "seen": len(idle) < len(rule.ports),
                    "unseen_ports": idle,
                }
            )
    return sorted(found, key=lambda r: (r["seen"], r["rule"]))


def render_text(report: dict[str, Any]) -> list[str]:
    lines = [
        "",
        f"Flows: {report['observed_records']} observed record(s); the planned state would "
        f"block {report['blocked_records']} record(s) in {report['blocked_count']} "
        f"conversation(s) between segments.",
    ]
    for item in report["blocked"]:
        lines.append(
            f"  blocked: {item['from']} -> {item['to']} {item['port']}: {item['records']} record(s)"
        )
    lines.append(f"Rules with ports no observed flow used: {report['unseen_rules_count']}.")
    for rule in report["unseen_rules"]:
        state = "partly seen" if rule["seen"] else "never seen"
        lines.append(
            f"  {state}: {rule['rule']} ({rule['from']} -> {rule['to']}): "
            f"{', '.join(rule['unseen_ports'])}"
        )
    return lines
