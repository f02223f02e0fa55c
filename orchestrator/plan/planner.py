"""The planner: per-scope diffs, ordered for apply, with what apply must record afterwards."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from orchestrator.diagnostics import Diagnostic, error
from orchestrator.errors import ObservationError
from orchestrator.plan.diff import diff_scope
from orchestrator.state import (
    Action,
    Change,
    DesiredState,
    FirewallGroup,
    FlowRule,
    NativeRef,
    ObservedScope,
    Resource,
    Scope,
    Target,
    rules_digest,
)

_KIND_ORDER = {"address_set": 0, "firewall_group": 1, "flow_rule": 2}


@dataclass(frozen=True, slots=True)
class ScopePlan:
    scope: Scope
    target: Target
    changes: tuple[Change, ...]
    fingerprint: str | None  # of the observation; None when the scope could not be read
    native: Mapping[str, NativeRef] = field(default_factory=dict)
    applied: Mapping[str, str] = field(default_factory=dict)  # group key → rules digest to record
    skipped: str | None = None

    @property
    def drift(self) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.drift)


@dataclass(frozen=True, slots=True)
class Plan:
    policy: str
    scopes: tuple[ScopePlan, ...]
    diagnostics: tuple[Diagnostic, ...] = ()
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())

    @property
    def changes(self) -> tuple[Change, ...]:
        return tuple(c for s in self.scopes for c in s.changes)

    def counts(self) -> dict[str, int]:
        actions = [c.action for c in self.changes]
        return {
            "add": actions.count(Action.CREATE),
            "change": actions.count(Action.UPDATE),
            "destroy": actions.count(Action.DELETE),
            "drift": sum(1 for c in self.changes if c.drift),
        }

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    @property
    def complete(self) -> bool:
        return all(s.skipped is None for s in self.scopes)


def make_plan(
    desired: DesiredState,
    observed: Mapping[Scope, ObservedScope | ObservationError],
    targets: Mapping[Scope, Target],
) -> Plan:
    scopes: list[ScopePlan] = []
    diags = list(desired.diagnostics)
    for scope in sorted(observed):
        seen = observed[scope]
        target = targets[scope]
        if isinstance(seen, ObservationError):
            reason = f"could not be read completely: {seen}"
            diags.append(error(f"{scope} ({target.name}) {reason}; no changes planned for it"))
            scopes.append(ScopePlan(scope, target, (), None, skipped=reason))
            continue
        want = desired.scopes.get(scope)
        changes = order_changes(diff_scope(want, seen))
        applied = _applied(want.resources.values() if want else (), changes)
        scopes.append(
            ScopePlan(scope, target, tuple(changes), seen.fingerprint(), seen.native, applied)
        )
    return Plan(desired.policy, tuple(scopes), tuple(diags))


def order_changes(changes: list[Change]) -> list[Change]:
    return sorted(changes, key=lambda c: (c.step, _KIND_ORDER[c.resource.kind], c.key))


def _applied(wanted: Iterable[Resource], changes: list[Change]) -> dict[str, str]:
    """Digest of the final rule set of every group whose rules change: recorded after apply so
    the next plan can tell someone else's edit (drift) from a policy change."""
    touched = {c.resource.group for c in changes if isinstance(c.resource, FlowRule)}
    touched |= {
        c.key for c in changes if isinstance(c.after, FirewallGroup) and c.action is Action.CREATE
    }
    rules: dict[str, list[FlowRule]] = defaultdict(list)
    for res in wanted:
        if isinstance(res, FlowRule):
            rules[res.group].append(res)
    return {g: rules_digest(rules.get(g, ())) for g in sorted(touched) if _kept(g, changes)}


def _kept(group: str, changes: list[Change]) -> bool:
    return not any(c.key == group and c.action is Action.DELETE for c in changes)
