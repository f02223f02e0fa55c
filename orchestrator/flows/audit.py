"""The flow dry run of the reconciler's audit mode: each tick, the store's observed flows
judged by the policy being reconciled, for the partition's scope.

In: the flow store's path, and per tick the policy, the inventory the tick compiled from (and
the membership the compile resolved from it) and the partition's scope. Out: a ``FlowAudit``:
the records and conversations between segments the planned state would block, the rules no
observed conversation used, and the top N of each as lines for the run's notes (status and
history).
Always: a conversation belongs to a scope when one of its ends is in a network of that scope
(where the policy would block it); a rule belongs to it when one of its segments is placed
there. The store is opened read-only, so an ingest running at the same time is never
blocked by a tick (the tick then reports the store as unreadable, and the next tries again).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orchestrator.compile.membership import Membership
from orchestrator.flows.analysis import observe
from orchestrator.flows.context import PolicyView, view_of
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
    """Shared by the ticks of a process. The attribution of the whole estate (a peer in another
    scope is placed by it) and the judge are built once per compile, not once per tick
    (issue 13): the ticks of an interval share one compile (``reconcile/snapshot.py``), so the
    same policy and inventory objects come back until the snapshot is read again."""

    def __init__(self, store: Path, top: int = 5) -> None:
        self.store, self.top = store, top
        self._lock = threading.Lock()
        # What the view was built from (held, so that identity compares are sound), and it.
        self._view: tuple[Policy, object, PolicyView] | None = None
        self.views = 0  # how many views were built (for tests and benchmarks)

    def __call__(
        self,
        policy: Policy,
        inventory: Mapping[Scope, ScopeInventory],
        scope: Scope,
        membership: Membership | None = None,
    ) -> FlowAudit:
        """Raises ``FlowError`` when the store cannot be read."""
        view = self._view_of(policy, inventory, membership)
        placed = view.membership.in_scope(scope)
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

    def _view_of(
        self,
        policy: Policy,
        inventory: Mapping[Scope, ScopeInventory],
        membership: Membership | None,
    ) -> PolicyView:
        source = inventory if membership is None else membership
        with self._lock:  # the ticks that ask while it is built wait for it
            held = self._view
            if held is None or held[0] is not policy or held[1] is not source:
                held = (policy, source, view_of(policy, inventory, membership))
                self._view = held
                self.views += 1
            return held[2]


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
