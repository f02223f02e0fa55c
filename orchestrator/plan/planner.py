"""The planner: per-scope diffs, ordered for apply, with what apply must record afterwards."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from orchestrator.diagnostics import Diagnostic, Severity, error, skipped_scope, warning
from orchestrator.errors import ObservationError
from orchestrator.plan.diff import diff_scope, owner_digests, owner_key
from orchestrator.plan.findings import AccessCheck
from orchestrator.plan.ngfw import FirewallPlan
from orchestrator.state import (
    Action,
    AddressSet,
    Change,
    DesiredScope,
    DesiredState,
    GroupAttachment,
    NativeRef,
    ObservedScope,
    Resource,
    Scope,
    Step,
    Target,
    rules_digest,
)
from orchestrator.state.ngfw import NgfwChange
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
    "group_attachment": 10,  # after the group's rules: an attached group enforces at once
}
_REMOVE_ORDER = {
    "hub_route": 0,
    "hub_propagation": 1,
    "hub_association": 2,
    "network_route": 3,
    "network_peering": 4,
    # Detached before its group's rules go (an exclusive one puts the interface's own groups
    # back first), so an interface never holds a half-emptied eastwest group.
    "group_attachment": -1,
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
    # The errors among ``diagnostics`` that are members eastwest cannot guard (somebody
    # else's group in its place): the reconciler reports them as ``conflict``.
    conflicts: tuple[Diagnostic, ...] = ()
    # What the groups and lists at the workloads do, evaluated after the diff (by the caller:
    # it reads the clouds again); a plan nobody checked says nothing about effect.
    access: AccessCheck = field(default_factory=AccessCheck)
    # Each hub firewall's rulebase (docs/panos.md), planned beside the clouds' scopes.
    firewalls: tuple[FirewallPlan, ...] = ()

    @property
    def changes(self) -> tuple[Change, ...]:
        """The clouds' changes; the firewalls' are in ``firewalls`` (another resource tree)."""
        return tuple(c for s in self.scopes for c in s.changes)

    def counts(self) -> dict[str, int]:
        every: list[Change | NgfwChange] = [*self.changes]
        every += [c for f in self.firewalls for c in f.changes]
        actions = [c.action for c in every]
        return {
            "add": actions.count(Action.CREATE),
            "change": actions.count(Action.UPDATE),
            "destroy": actions.count(Action.DELETE),
            "drift": sum(1 for c in every if c.drift),
        }

    @property
    def has_changes(self) -> bool:
        return bool(self.changes) or any(f.changes for f in self.firewalls)

    @property
    def complete(self) -> bool:
        skips = [s.skipped for s in self.scopes] + [f.skipped for f in self.firewalls]
        return all(skipped is None for skipped in skips) and not self.access.unchecked


def make_plan(
    desired: DesiredState,
    observed: Mapping[Scope, ObservedScope | ObservationError],
    targets: Mapping[Scope, Target],
) -> Plan:
    scopes: list[ScopePlan] = []
    diags = list(desired.diagnostics)
    conflicts: list[Diagnostic] = []
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
        found = _conflicts(scope, want, seen)
        diags.extend(found)
        conflicts.extend(d for d in found if d.severity is Severity.ERROR)
        changes = order_changes(diff_scope(want, seen))
        applied = _applied(want.resources.values() if want else (), changes)
        scopes.append(
            ScopePlan(scope, target, tuple(changes), seen.fingerprint(), seen.native, applied)
        )
    return Plan(desired.policy, tuple(scopes), tuple(diags), conflicts=tuple(conflicts))


def hold_attachments(want: DesiredScope | None, seen: ObservedScope) -> ObservedScope:
    """``seen`` with the attachments of every group somebody else holds held too: a group
    eastwest cannot create cannot be attached either (its attachment is the same conflict,
    never a change). Applied to every observation a plan or synth reads (``pipeline``)."""
    if want is None:
        return seen
    held = {
        a.key: seen.foreign[a.group]
        for a in want.resources.values()
        if isinstance(a, GroupAttachment) and a.group in seen.foreign
    }
    return replace(seen, foreign={**seen.foreign, **held}) if held else seen


def order_changes(changes: list[Change]) -> list[Change]:
    return sorted(changes, key=_order)


def _order(change: Change) -> tuple[int, int, str]:
    # Each property below derives the resource again: read once, for plans of 100k changes.
    resource, step = change.resource, change.step
    if step is Step.REMOVE_RULES and resource.kind in _REMOVE_ORDER:
        return (step, _REMOVE_ORDER[resource.kind], resource.key)
    return (step, _KIND_ORDER[resource.kind], resource.key)


def _conflicts(scope: Scope, want: DesiredScope | None, seen: ObservedScope) -> list[Diagnostic]:
    """Desired resources whose place is taken by something eastwest does not own: one
    diagnostic per occupant, however many resources it keeps out. Where it keeps a segment's
    groups or rules out, the members there are not guarded: an error (DESIGN.md rule 8: green
    means enforced); a route or peering kept out is a warning (the path check says more)."""
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
        unguarded = any(wanted[k].kind in _GUARDS for k in keys)
        found.append(
            (error if unguarded else warning)(
                f"{scope}: {what} is not eastwest's; " + "; ".join(consequence),
                detail=_UNGUARDED if unguarded else _HELD,
            )
        )
    return found


# Kinds that guard workloads: kept out, they leave a member open to what the policy denies.
_GUARDS = frozenset({"firewall_group", "flow_rule", "address_set", "group_attachment"})
_HELD = (
    "eastwest never overwrites what it does not own: remove or change that one by hand, and "
    "the next plan adds eastwest's"
)
_UNGUARDED = (
    "the segment's policy is not enforced there, so this is an error: eastwest never "
    "overwrites what it does not own; free that place by hand, leave it out of the member, or "
    "let eastwest share it where the cloud allows (Azure: existing_nsgs: share)"
)


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
    # A deleted owner records nothing; one set of deleted keys, not a scan of the changes per
    # owner (that was quadratic in the size of a first plan).
    deleted = {c.key for c in changes if c.action is Action.DELETE}
    digests = owner_digests({r.key: r for r in wanted})
    return {t: digests[t] if t in digests else _empty_digest(t) for t in sorted(touched - deleted)}


def _empty_digest(owner: str) -> str:
    return rules_digest(()) if "/fwgroup/" in owner else routes_digest(())
