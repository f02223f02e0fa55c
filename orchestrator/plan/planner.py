"""The planner: per-scope diffs, ordered for apply, with what apply must record afterwards."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from orchestrator.diagnostics import Diagnostic, skipped_scope, warning
from orchestrator.errors import ObservationError
from orchestrator.plan.diff import diff_scope, owner_digests, owner_key
from orchestrator.state import (
    Action,
    AddressSet,
    Change,
    DesiredScope,
    DesiredState,
    NativeRef,
    ObservedScope,
    Resource,
    Scope,
    Step,
    Target,
    rules_digest,
)
from orchestrator.state.routes import routes_digest

# Within a step: containers before what they hold; among routing, the return path and the
# firewall side before the routes that send traffic there, and the reverse when removing.
_KIND_ORDER = {
    "address_set": 0,
    "firewall_group": 1,
    "hub_table": 2,
    "flow_rule": 3,
    "appliance_mode": 4,
    "hub_association": 5,
    "hub_propagation": 6,
    "network_peering": 7,  # the peering a network's routes send traffic across
    "network_route": 8,
    "hub_route": 9,
}
_REMOVE_ORDER = {
    "hub_route": 0,
    "hub_propagation": 1,
    "hub_association": 2,
    "network_route": 3,
    "network_peering": 4,
}


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
            diags.append(
                skipped_scope(f"{scope} ({target.name}) {reason}; no changes planned for it")
            )
            scopes.append(ScopePlan(scope, target, (), None, skipped=reason))
            continue
        want = desired.scopes.get(scope)
        diags.extend(_conflicts(scope, want, seen))
        changes = order_changes(diff_scope(want, seen))
        applied = _applied(want.resources.values() if want else (), changes)
        scopes.append(
            ScopePlan(scope, target, tuple(changes), seen.fingerprint(), seen.native, applied)
        )
    return Plan(desired.policy, tuple(scopes), tuple(diags))


def order_changes(changes: list[Change]) -> list[Change]:
    return sorted(changes, key=_order)


def _order(change: Change) -> tuple[int, int, str]:
    kind = change.resource.kind
    if change.step is Step.REMOVE_RULES and kind in _REMOVE_ORDER:
        return (change.step, _REMOVE_ORDER[kind], change.key)
    return (change.step, _KIND_ORDER[kind], change.key)


def _conflicts(scope: Scope, want: DesiredScope | None, seen: ObservedScope) -> list[Diagnostic]:
    """Desired resources whose place is taken by something eastwest does not own: one warning
    per occupant, however many resources it keeps out."""
    wanted = want.resources if want is not None else {}
    held: dict[str, list[str]] = defaultdict(list)
    for key, what in sorted(seen.foreign.items()):
        if key in wanted:
            held[what].append(key)
    found: list[Diagnostic] = []
    for what, keys in held.items():
        kept = [k for k in keys if k in seen.resources]
        left = [k for k in keys if k not in seen.resources]
        consequence = []
        if left:
            more = f" and {len(left) - 1} more" if len(left) > 1 else ""
            consequence.append(f"{_title(wanted[left[0]])}{more} left out")
        if kept:
            consequence.append(f"{_title(wanted[kept[0]])} kept as it is, without it")
        found.append(
            warning(
                f"{scope}: {what} is not eastwest's; " + "; ".join(consequence),
                detail="eastwest never overwrites what it does not own: remove or change that "
                "one by hand, and the next plan adds eastwest's",
            )
        )
    return found


def _title(resource: Resource) -> str:
    return resource.key.removeprefix(f"{resource.scope}/")


def _applied(wanted: Iterable[Resource], changes: list[Change]) -> dict[str, str]:
    """Digest of the final content of every owner whose content changes (a group's rules, a
    hub table's associations, propagations and routes, eastwest's routes in a route table):
    recorded after apply so the next plan can tell someone else's edit (drift) from a policy
    change."""
    touched = {owner_key(c.after) for c in changes if c.after is not None}
    touched |= {owner_key(c.before) for c in changes if c.before is not None}
    touched -= {c.key for c in changes if isinstance(c.resource, AddressSet)}
    touched = {t for t in touched if t and not t.startswith("ref:")}
    digests = owner_digests({r.key: r for r in wanted})
    empty = {t: _empty_digest(t) for t in touched}
    return {t: digests.get(t, empty[t]) for t in sorted(touched) if _kept(t, changes)}


def _empty_digest(owner: str) -> str:
    return rules_digest(()) if "/fwgroup/" in owner else routes_digest(())


def _kept(group: str, changes: list[Change]) -> bool:
    return not any(c.key == group and c.action is Action.DELETE for c in changes)
