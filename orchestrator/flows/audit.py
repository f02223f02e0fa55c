"""The flow dry run of the reconciler's audit mode: each tick, the store's observed flows
judged by the policy being reconciled, for the partition's scope.

In: the flow store's path, and per tick the policy, the inventory the tick compiled from and
the partition's scope. Out: a ``FlowAudit``: the records and conversations between segments
the planned state would block, the rules no observed conversation used, and the top N of
each as lines for the run's notes (status and history).
Always: a conversation belongs to a scope when one of its ends is in a network of that scope
(where the policy would block it); a rule belongs to it when one of its segments is placed
there. The store is opened read-only, so an ingest running at the same time is never
blocked by a tick (the tick then reports the store as unreadable, and the next tries again).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orchestrator.flows.analysis import observe
from orchestrator.flows.context import view_of
from orchestrator.flows.dryrun import dry_run
from orchestrator.flows.store import FlowStore
from orchestrator.model.policy import Policy
from orchestrator.state import Scope, ScopeInventory


@dataclass(frozen=True, slots=True)
class FlowAudit:
    blocked_records: int
    blocked_count: int  # conversations (segment pair, protocol, server port)
    unseen_rules_count: int
    lines: tuple[str, ...]  # the summary, then the top N blocked and unseen


class FlowDryRun:
    def __init__(self, store: Path, top: int = 5) -> None:
        self.store, self.top = store, top

    def __call__(
        self, policy: Policy, inventory: Mapping[Scope, ScopeInventory], scope: Scope
    ) -> FlowAudit:
        """Raises ``FlowError`` when the store cannot be read."""
        view = view_of(policy, inventory)
        placed = [p for p in view.membership.placements if p.scope == scope]
        networks = frozenset(p.network for p in placed)
        with FlowStore(self.store, read_only=True) as db:
            observed = observe(db, view.attribution, view.judge, top=0, within=networks)
        segments = {p.segment for p in placed}
        report = dry_run(observed, policy, top=len(policy.rules) + self.top)
        unseen = [r for r in report["unseen_rules"] if {r["from"], r["to"]} & segments]
        return FlowAudit(
            report["blocked_records"],
            report["blocked_count"],
            len(unseen),
            _lines(report, unseen, self.top),
        )


def _lines(report: dict[str, Any], unseen: list[dict[str, Any]], top: int) -> tuple[str, ...]:
    head = (
        f"flows: the planned state would block {report['blocked_records']} observed "
        f"record(s) in {report['blocked_count']} conversation(s); "
        f"{len(unseen)} rule(s) with ports no observed flow used"
    )
    blocked = [
        f"flows: blocked {b['from']} -> {b['to']} {b['port']}: {b['records']} record(s)"
        for b in report["blocked"][:top]
    ]
    idle = [
        f"flows: {'partly seen' if r['seen'] else 'never seen'} {r['rule']} "
        f"({r['from']} -> {r['to']}): {', '.join(r['unseen_ports'])}"
        for r in unseen[:top]
    ]
    return (head, *blocked, *idle)
