"""Diff one scope: desired and observed resources compared key by key."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from orchestrator.state import (
    Action,
    AddressSet,
    Change,
    DesiredScope,
    FlowRule,
    ObservedScope,
    Resource,
    rules_digest,
)
from orchestrator.state.resources import cidrs_digest


def diff_scope(desired: DesiredScope | None, observed: ObservedScope) -> list[Change]:
    want: Mapping[str, Resource] = desired.resources if desired is not None else {}
    have = observed.resources
    drifted = _drifted(want, observed)
    changes: list[Change] = []
    for key in sorted(want.keys() | have.keys()):
        before, after = have.get(key), want.get(key)
        action = _action(before, after)
        if action is not None:
            drift = _owner_key(before or after) in drifted
            changes.append(Change(action, before, after, drift=drift))
    return changes


def _action(before: Resource | None, after: Resource | None) -> Action | None:
    if before is None:
        return Action.CREATE
    if after is None:
        return Action.DELETE
    if before != after:
        return Action.UPDATE
    return None


def _owner_key(resource: Resource | None) -> str:
    """Drift is recorded per group (for its rules) and per address set."""
    if isinstance(resource, FlowRule):
        return resource.group
    return resource.key if resource is not None else ""


def _drifted(want: Mapping[str, Resource], observed: ObservedScope) -> set[str]:
    """Owners whose observed content no longer matches what eastwest last wrote, while the
    policy's wish for them is still what it wrote: someone else changed them."""
    have_digests = _digests(observed.resources)
    want_digests = _digests(want)
    return {
        owner
        for owner, applied in observed.applied.items()
        if have_digests.get(owner, _EMPTY) != applied and want_digests.get(owner, _EMPTY) == applied
    }


_EMPTY = rules_digest(())


def _digests(resources: Mapping[str, Resource]) -> dict[str, str]:
    rules: dict[str, list[FlowRule]] = defaultdict(list)
    digests: dict[str, str] = {}
    for res in resources.values():
        if isinstance(res, FlowRule):
            rules[res.group].append(res)
        elif isinstance(res, AddressSet):
            digests[res.key] = cidrs_digest(res.cidrs)
    digests.update({group: rules_digest(members) for group, members in rules.items()})
    return digests
