"""Diff one scope: desired and observed resources compared key by key.

A desired key that the observation says is occupied by something eastwest does not own
(``ObservedScope.foreign``) gets no change: the planner reports it as a conflict.
"""

from __future__ import annotations

from collections.abc import Mapping

from orchestrator.plan.drift import lines_digest, mark_drift, own_digest, owner_lines, owner_of
from orchestrator.state import (
    Action,
    AddressSet,
    Change,
    DesiredScope,
    GroupAttachment,
    ObservedScope,
    Resource,
)


def diff_scope(desired: DesiredScope | None, observed: ObservedScope) -> list[Change]:
    want: Mapping[str, Resource] = desired.resources if desired is not None else {}
    have = observed.resources
    changes: list[Change] = []
    for key in sorted(want.keys() | have.keys()):
        if key in observed.foreign and key not in have:
            continue
        before, after = have.get(key), want.get(key)
        action = _action(before, after)
        if action is not None:
            changes.append(Change(action, before, after))
    return mark_drift(changes, want, observed)


def _action(before: Resource | None, after: Resource | None) -> Action | None:
    if before is None:
        return Action.CREATE
    if after is None:
        return Action.DELETE
    if before != after:
        return Action.UPDATE
    return None


def owner_key(resource: Resource | None) -> str:
    """Drift is recorded per owner: a group (for its rules), an address set, a hub table (for
    its associations, propagations and routes), a network route table (for eastwest's routes
    in it); ``drift.mark_drift`` then tells which of an owner's changes are drift."""
    return owner_of(resource) if resource is not None else ""


def owner_digests(resources: Mapping[str, Resource]) -> dict[str, str]:
    """Each owner's digest over what it holds: rules of groups, entries of address sets,
    associations/propagations/routes of hub tables, eastwest's routes of route tables, an
    attachment's claim (recorded in the interface's own ledger, so it is its own owner)."""
    digests = {
        owner: lines_digest(lines) for owner, lines in owner_lines(resources.values()).items()
    }
    for res in resources.values():
        if isinstance(res, AddressSet | GroupAttachment):
            digests[res.key] = own_digest(res)
    return digests
