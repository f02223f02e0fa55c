"""Plan one firewall: desired and observed rulebase compared key by key, drift marked, and
rendered like every other plan (``+ ~ -``).

In: the desired and observed ``FirewallState`` of one firewall. Out: ``NgfwChange``s in apply
order (tags, groups, services, schedules; then rules; then the section's order; removals
last) and their text. Always: an observed object whose content no longer matches the digest
eastwest recorded on it is drift; so is a section with a foreign rule inside it or eastwest's
rules out of order.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass

from orchestrator.state.change import Action
from orchestrator.state.ngfw import (
    FirewallState,
    NgfwChange,
    NgfwResource,
    NgfwSection,
    content_digest,
)


@dataclass(frozen=True, slots=True)
class FirewallPlan:
    """One hub firewall's part of a plan: its changes in apply order, or why it was not
    planned (``skipped``: it could not be read; then no changes, as for a cloud scope)."""

    firewall: str
    changes: tuple[NgfwChange, ...]
    fingerprint: str | None  # of what was observed; None when skipped
    skipped: str | None = None


_ORDER = {
    "ngfw_tag": 0,
    "ngfw_address_group": 1,
    "ngfw_service": 2,
    "ngfw_schedule": 3,
    "ngfw_rule": 4,
    "ngfw_section": 5,
    "ngfw_registered_ip": 6,  # User-ID, not configuration: sent beside the commit
    "ngfw_push": 7,  # after every edit: the push sends what Panorama committed
}


def diff_firewall(desired: FirewallState, observed: FirewallState) -> list[NgfwChange]:
    want, have = desired.resources, observed.resources
    changes = []
    for key in sorted(want.keys() | have.keys()):
        before, after = have.get(key), want.get(key)
        if before == after:
            continue
        if before is None:
            changes.append(NgfwChange(Action.CREATE, None, after))
        else:
            action = Action.DELETE if after is None else Action.UPDATE
            changes.append(NgfwChange(action, before, after, _drifted(before, after)))
    return sorted(changes, key=_apply_order)


def _drifted(before: NgfwResource, after: NgfwResource | None) -> bool:
    if isinstance(before, NgfwSection):
        return isinstance(after, NgfwSection) and _section_drift(before, after)
    recorded = getattr(before, "recorded", None)
    return recorded is not None and recorded != content_digest(before)


def _section_drift(before: NgfwSection, after: NgfwSection) -> bool:
    """Foreign rules among eastwest's, or eastwest's own rules out of their order; a rule the
    policy adds or removes is a plain change."""
    prefix = after.order[-1].removesuffix("-deny") if after.order else ""
    if any(not name.startswith(prefix) for name in before.order):
        return True
    kept = [name for name in before.order if name in after.order]
    return kept != [name for name in after.order if name in before.order]


def _apply_order(change: NgfwChange) -> tuple[int, int, str]:
    # Containers before the rules that name them; removals after, rules before containers.
    kind = _ORDER[change.resource.kind]
    if change.action is Action.DELETE:
        return (1, -kind, change.resource.key)
    return (0, kind, change.resource.key)


def firewall_lines(planned: FirewallPlan) -> Iterator[str]:
    """A firewall's block in ``eastwest plan``: its changes, or why it was not planned."""
    header = f"Firewall {planned.firewall}"
    if planned.skipped is not None:
        yield f"{header}: not planned, {planned.skipped}"
        yield ""
        return
    if not planned.changes:
        return
    yield header
    yield ""
    for change in planned.changes:
        yield from change_lines(change)
    yield ""


def render_changes(firewall: str, changes: Sequence[NgfwChange]) -> str:
    if not changes:
        return f"firewall {firewall}: no changes\n"
    lines = [f"firewall {firewall}:"]
    for change in changes:
        lines.extend(change_lines(change))
    counts = {a: sum(c.action is a for c in changes) for a in Action}
    lines.append(
        f"  {counts[Action.CREATE]} to add, {counts[Action.UPDATE]} to change, "
        f"{counts[Action.DELETE]} to destroy"
    )
    return "\n".join(lines) + "\n"


def change_lines(change: NgfwChange) -> Iterator[str]:
    resource = change.resource
    drift = " (drift: changed on the firewall)" if change.drift else ""
    yield f"  {change.action.value} {resource.kind} {getattr(resource, 'name', 'section')}{drift}"
    old = _shown(change.before)
    new = _shown(change.after)
    for field in sorted(old.keys() | new.keys()):
        if old.get(field) != new.get(field):
            was, now = old.get(field), new.get(field)
            if change.action is Action.UPDATE:
                yield f"      ~ {field} = {was} -> {now}"
            else:
                yield f"      {field} = {now if now is not None else was}"


def _shown(resource: NgfwResource | None) -> dict[str, object]:
    if resource is None:
        return {}
    hidden = ("key", "firewall", "kind", "recorded", "name")
    return {k: v for k, v in asdict(resource).items() if k not in hidden}
