"""The apply engine: each scope's steps in order (make before break), scopes side by side.

Scopes are applied on up to ``workers`` threads (``orchestrator/fanout.py``); each scope's
steps keep their order and a failed step still stops that scope's later ones. The report lists
results in the plan's order whatever order the scopes finished in, and ``on_result`` is called
under a lock, one change at a time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from orchestrator.errors import ProviderError, StalePlanError
from orchestrator.fanout import SCOPE_WORKERS, fan_out
from orchestrator.plan import Plan, ScopePlan
from orchestrator.state import Action, Change, NativeRef, Step
from providers.base import Adapter, ChangeResult

OnResult = Callable[[Change, ChangeResult], None]


@dataclass(frozen=True, slots=True)
class ApplyReport:
    results: tuple[tuple[Change, ChangeResult], ...] = ()
    not_attempted: tuple[Change, ...] = ()
    errors: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.errors and all(r.ok for _, r in self.results) and not self.not_attempted

    def counts(self) -> dict[str, int]:
        done = [c.action for c, r in self.results if r.ok]
        return {
            "added": done.count(Action.CREATE),
            "changed": done.count(Action.UPDATE),
            "destroyed": done.count(Action.DELETE),
            "failed": sum(1 for _, r in self.results if not r.ok),
        }


def check_fresh(plan: Plan, adapter_for: Callable[[ScopePlan], Adapter]) -> None:
    """Refuse a saved plan whose scopes changed since it was made (DESIGN.md: apply exactly
    the plan that was reviewed)."""
    for sp in plan.scopes:
        if not sp.changes:
            continue
        now = adapter_for(sp).observe(sp.scope, None).fingerprint()
        if now != sp.fingerprint:
            raise StalePlanError(
                f"the saved plan is stale: what eastwest owns in {sp.scope} ({sp.target.name}) "
                "changed since the plan was made; run `eastwest plan` again"
            )


ScopeOutcome = tuple[list[tuple[Change, ChangeResult]], list[Change]] | ProviderError


def apply_plan(
    plan: Plan,
    adapter_for: Callable[[ScopePlan], Adapter],
    on_result: OnResult | None = None,
    *,
    workers: int = SCOPE_WORKERS,
) -> ApplyReport:
    relay = _serialised(on_result)

    def apply(sp: ScopePlan) -> ScopeOutcome:
        try:
            return _apply_scope(sp, adapter_for(sp), relay)
        except ProviderError as exc:
            return exc

    scopes = [sp for sp in plan.scopes if sp.changes]
    results: list[tuple[Change, ChangeResult]] = []
    skipped: list[Change] = []
    errors: list[str] = []
    for sp, outcome in zip(scopes, fan_out(scopes, apply, workers), strict=True):
        if isinstance(outcome, ProviderError):
            errors.append(str(outcome))
            skipped.extend(sp.changes)
            continue
        results.extend(outcome[0])
        skipped.extend(outcome[1])
    return ApplyReport(tuple(results), tuple(skipped), tuple(errors))


def _serialised(on_result: OnResult | None) -> OnResult | None:
    """``on_result`` for callers that print: one change at a time, lines never interleaved."""
    if on_result is None:
        return None
    lock = threading.Lock()

    def relay(change: Change, result: ChangeResult) -> None:
        with lock:
            on_result(change, result)

    return relay


def _apply_scope(
    sp: ScopePlan, adapter: Adapter, on_result: OnResult | None
) -> tuple[list[tuple[Change, ChangeResult]], list[Change]]:
    ids: dict[str, NativeRef] = dict(sp.native)
    done: list[tuple[Change, ChangeResult]] = []
    for step in Step:
        changes = [c for c in sp.changes if c.step is step]
        if not changes:
            continue
        relay = _Relay(changes, on_result)
        results = adapter.apply(
            sp.scope, step, changes, ids, run_id=sp.fingerprint or "", report=relay
        )
        for change, result in zip(changes, results, strict=True):
            done.append((change, result))
            relay.late(change, result)
        if not all(r.ok for _, r in done):
            # Make before break: never remove what a failed step was meant to replace.
            return done, [c for c in sp.changes if c.step > step]
    if sp.applied:
        adapter.record_applied(sp.scope, sp.applied, ids)
    return done, []


class _Relay:
    """Passes each result to ``on_result`` as the adapter reports it, and afterwards those it
    did not report (an adapter need not stream), so every change is reported exactly once."""

    def __init__(self, changes: list[Change], on_result: OnResult | None) -> None:
        self.by_key = {c.key: c for c in changes}
        self.on_result = on_result
        self.heard: set[str] = set()

    def __call__(self, result: ChangeResult) -> None:
        self.heard.add(result.key)
        if self.on_result is not None:
            self.on_result(self.by_key[result.key], result)

    def late(self, change: Change, result: ChangeResult) -> None:
        if change.key not in self.heard:
            self(result)
