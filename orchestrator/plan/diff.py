"""Diff one scope: desired and observed resources compared key by key.

A desired key that the observation says is occupied by something eastwest does not own
(``ObservedScope.foreign``) gets no change: the planner reports it as a conflict.
"""

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
from orchestrator.state.routes import route_line, route_owner_of, routes_digest


def diff_scope(desired: DesiredScope | None, observed: ObservedScope) -> list[Change]:
    want: Mapping[str, Resource] = desired.resources if desired is not None else {}
    have = observed.resources
    drifted = _drifted(want, observed)
    changes: list[Change] = []
    for key in sorted(want.keys() | have.keys()):
        if key in observed.foreign and key not in have:
            continue
        before, after = have.get(key), want.get(key)
        action = _action(before, after)
        if action is not None:
            drift = owner_key(after or before) in drifted
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


def owner_key(resource: Resource | None) -> str:
    """Drift is recorded per owner: a group (for its rules), an address set, a hub table (for
    its associations, propagations and routes), a network route table (for eastwest's routes
    in it)."""
    if resource is None:
        return ""
    if isinstance(resource, FlowRule):
        return resource.group
    if isinstance(resource, AddressSet) or resource.kind == "firewall_group":
        return resource.key
    return route_owner_of(resource)


def _drifted(want: Mapping[str, Resource], observed: ObservedScope) -> set[str]:
    """Owners whose observed content no longer matches what eastwest last wrote, while the
    policy's wish for them is still what it wrote: someone else changed them."""
    if not observed.applied:
        return set()  # nothing recorded (a first plan): no digests to compute
    have_digests = owner_digests(observed.resources)
    want_digests = owner_digests(want)
    return {
        owner
        for owner, applied in observed.applied.items()
        if have_digests.get(owner, _empty(owner)) != applied
        and want_digests.get(owner, _empty(owner)) == applied
    }


_EMPTY_RULES = rules_digest(())
_EMPTY_ROUTES = routes_digest(())


def _empty(owner: str) -> str:
    return _EMPTY_RULES if "/fwgroup/" in owner else _EMPTY_ROUTES


def owner_digests(resources: Mapping[str, Resource]) -> dict[str, str]:
    """Each owner's digest over what it holds: rules of groups, entries of address sets,
    associations/propagations/routes of hub tables, eastwest's routes of route tables."""
    rules: dict[str, list[FlowRule]] = defaultdict(list)
    lines: dict[str, list[str]] = defaultdict(list)
    digests: dict[str, str] = {}
    for res in resources.values():
        if isinstance(res, FlowRule):
            rules[res.group].append(res)
        elif isinstance(res, AddressSet):
            digests[res.key] = cidrs_digest(res.cidrs)
        elif res.kind != "firewall_group":
            lines[route_owner_of(res)].append(route_line(res))
    digests.update({group: rules_digest(members) for group, members in rules.items()})
    digests.update({owner: routes_digest(found) for owner, found in lines.items()})
    return digests
