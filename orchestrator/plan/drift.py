"""Drift, per rule: which planned changes undo somebody else's edit, and which carry out a
policy change.

In: one scope's changes, the desired resources and the observation, whose ``applied`` holds,
per owner (a group, an address set, a hub table, a route table's routes, a network's
peerings), the digest eastwest recorded when it last wrote that owner. Out: the same changes,
each marked ``drift`` or not. Always: pure; the mark never changes what is applied, only how
it is counted and shown.

An owner's digest covers a set of lines (a rule's key relative to its group, a route's
content); only the digest is recorded, not the lines. The lines eastwest last wrote (``S``)
are found back from it: a line both observed and desired was in ``S`` (nobody changed it, and
the policy still wants it); each line in only one of the two was either changed by somebody
else or by the policy, so ``S`` is the common lines plus a subset of the others, the one whose
digest is the recorded one. The search tries the fewest outside edits first (one rogue rule,
then two…), so the usual cases cost a handful of digests. Then:

- a line observed but not desired is drift when it is not in ``S`` (somebody added it); when
  it is, the policy dropped it;
- a line desired but not observed is drift when it is in ``S`` (somebody removed it, or the
  whole owner: a group deleted in a console is recreated as drift, when its adapter keeps the
  record somewhere that outlives the group);
- a group is drift when it was recorded and is now missing, or differs only in what the cloud
  holds (an NSG's associations or deny rules, said in its observed description);
- an address set, or an attachment of a group to an interface, is drift when what is observed
  (or its absence: a group detached by hand) is not what was recorded.

When no subset within ``SEARCH_LIMIT`` digests gives the record (a large policy change and
outside edits on the same owner at once), every change of that owner is marked drift: somebody
else did change it, and an alert that over-counts is safer than one that stays silent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import replace
from itertools import combinations

from orchestrator.state import (
    AddressSet,
    Change,
    FirewallGroup,
    FlowRule,
    GroupAttachment,
    ObservedScope,
    Resource,
)
from orchestrator.state.attachments import claim_digest
from orchestrator.state.resources import cidrs_digest
from orchestrator.state.routes import route_line, route_owner_of, routes_digest

SEARCH_LIMIT = 20_000  # digests tried per owner; C(20, 3) + C(20, 2) + 20 is well under it


def owner_of(resource: Resource) -> str:
    """The owner whose recorded digest covers ``resource``: a group for its rules, itself for a
    group or an address set, a hub table or route table or network for its routing."""
    if isinstance(resource, FlowRule):
        return resource.group
    if isinstance(resource, AddressSet | GroupAttachment) or resource.kind == "firewall_group":
        return resource.key
    return route_owner_of(resource)


def own_digest(resource: AddressSet | GroupAttachment) -> str:
    """The digest of an owner that is one resource: its entries, or its claim."""
    if isinstance(resource, AddressSet):
        return cidrs_digest(resource.cidrs)
    return claim_digest(resource.mode, resource.group, resource.others)


def line_of(resource: Resource) -> str:
    """The resource's content relative to its owner, one line, as the owner's digest sees it."""
    if isinstance(resource, FlowRule):
        return resource.key.removeprefix(f"{resource.group}/")
    if isinstance(resource, AddressSet | FirewallGroup | GroupAttachment):
        return ""  # an owner itself, never a line of one
    return route_line(resource)


def owner_lines(resources: Iterable[Resource]) -> dict[str, frozenset[str]]:
    """Each owner's lines (address sets and groups themselves are not lines of anything)."""
    lines: dict[str, set[str]] = defaultdict(set)
    for res in resources:
        if not isinstance(res, AddressSet | GroupAttachment) and res.kind != "firewall_group":
            lines[owner_of(res)].add(line_of(res))
    return {owner: frozenset(found) for owner, found in lines.items()}


def lines_digest(lines: Iterable[str]) -> str:
    """The digest of an owner's lines: the same for rules (``rules_digest``) and routing."""
    return routes_digest(lines)


def mark_drift(
    changes: Iterable[Change], want: Mapping[str, Resource], observed: ObservedScope
) -> list[Change]:
    if not observed.applied:
        return list(changes)  # nothing recorded (a first plan): nothing can be drift
    have = owner_lines(observed.resources.values())
    wanted = owner_lines(want.values())
    written = {
        owner: last_written(have.get(owner, frozenset()), wanted.get(owner, frozenset()), digest)
        for owner, digest in observed.applied.items()
    }
    return [replace(c, drift=_is_drift(c, observed, written)) for c in changes]


def last_written(have: frozenset[str], want: frozenset[str], digest: str) -> frozenset[str] | None:
    """The lines whose digest is ``digest``: the common lines and some of the others, with
    the fewest outside edits first; ``None`` when none is found within the limit."""
    common, added, removed = have & want, sorted(have - want), sorted(want - have)
    others = [(line, True) for line in added] + [(line, False) for line in removed]
    tried = 0
    for count in range(len(others) + 1):
        for edited in combinations(others, count):
            tried += 1
            if tried > SEARCH_LIMIT:
                return None
            outside = {line for line, _ in edited}
            # An observed line not edited from outside was written by eastwest; a desired
            # one edited from outside (removed by somebody) was written too.
            kept = {line for line, seen in others if seen != (line in outside)}
            if lines_digest(common | kept) == digest:
                return common | kept
    return None


def _group_drift(change: Change) -> bool:
    """Recorded, yet gone (deleted by somebody), or changed where only what the cloud holds
    differs (a lost association or deny rule, said in the observed description): drift. A
    change of what the policy says (Azure's attach mode) is the policy's."""
    before, after = change.before, change.after
    if not isinstance(before, FirewallGroup) or not isinstance(after, FirewallGroup):
        return before is None
    return replace(before, description=after.description) == after


def _is_drift(
    change: Change, observed: ObservedScope, written: Mapping[str, frozenset[str] | None]
) -> bool:
    res = change.resource
    owner = owner_of(res)
    if owner not in observed.applied:
        return False  # never recorded: eastwest has not written it yet
    if isinstance(res, AddressSet | GroupAttachment):
        before = change.before
        seen = own_digest(before) if isinstance(before, AddressSet | GroupAttachment) else None
        return seen != observed.applied[owner]
    if isinstance(res, FirewallGroup):
        return _group_drift(change)
    lines = written.get(owner)
    if lines is None:
        return True
    if change.before is not None:
        return line_of(change.before) not in lines
    return line_of(res) in lines
