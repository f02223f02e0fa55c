"""The modify calls that take a prefix list from one address set to another, on any cloud.

Pure: in, the observed and the desired ``AddressSet``; out, the calls in order. AWS
(``ModifyManagedPrefixList``) sets three rules, and Alibaba's ``ModifyVpcPrefixList`` is held to
the same ones (it refuses a call that leaves more entries than ``MaxEntries`` just the same):

- a call changes the entries or the size (``MaxEntries``), never both
  (``InvalidParameterCombination`` on AWS), so a resize is a call of its own, and the writer
  waits for the list to settle before the next;
- a list never holds more entries than its size, checked on the result of each call, so the
  size grows before the entries that need it and shrinks only once they are gone (the compiler
  sizes a list to its CIDRs: a member swapped for another, added before the old one goes, would
  overflow it);
- a call carries at most 100 entries.

Make before break: a CIDR that leaves the list goes in the same call as the entries that
overlap it (a /16 replaced by the /15 that aggregates it with a new member's /16), or in a
later one, never earlier; a CIDR nothing new overlaps leaves first, which frees room and denies
nothing the new set allows. Removed and added entries that overlap form one group; a group
that fits in a call is applied atomically, so a segment gaining or losing a member converges in
one apply without a window where its own addresses are missing.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from orchestrator.state import AddressSet

ENTRIES_PER_CALL = 100


@dataclass(frozen=True, slots=True)
class PrefixListEdit:
    """One ModifyManagedPrefixList call: a resize (``max_entries``) or an entry change."""

    max_entries: int | None = None
    add: tuple[str, ...] = ()
    remove: tuple[str, ...] = ()


def prefix_list_edits(before: AddressSet, after: AddressSet) -> list[PrefixListEdit]:
    entries = entry_edits(before.cidrs, after.cidrs)
    held, peak = len(before.cidrs), len(before.cidrs)
    for edit in entries:
        held += len(edit.add) - len(edit.remove)
        peak = max(peak, held)
    size = max(before.max_entries, after.max_entries, peak)
    grow = [PrefixListEdit(max_entries=size)] if size > before.max_entries else []
    shrink = [PrefixListEdit(max_entries=after.max_entries)] if size > after.max_entries else []
    return [*grow, *entries, *shrink]


def entry_edits(before: frozenset[str], after: frozenset[str]) -> list[PrefixListEdit]:
    """Entry changes only: unmatched removals first, then each overlap group, shrinking groups
    before growing ones so the count stays between the old and the new one where it can."""
    adds, removes = sorted(after - before, key=_net), sorted(before - after, key=_net)
    groups = _overlap_groups(adds, removes)
    alone = [r for r in removes if not any(r in g[1] for g in groups)]
    edits = [PrefixListEdit(remove=tuple(c)) for c in chunks(alone)]
    groups.sort(key=lambda g: len(g[0]) - len(g[1]))
    return edits + _packed(groups)


def _packed(groups: list[tuple[list[str], list[str]]]) -> list[PrefixListEdit]:
    """Groups packed into calls of at most 100 entries, each whole in one call if it fits."""
    edits: list[PrefixListEdit] = []
    add: list[str] = []
    remove: list[str] = []
    for group_add, group_remove in groups:
        if len(add) + len(remove) + len(group_add) + len(group_remove) > ENTRIES_PER_CALL:
            edits += [PrefixListEdit(add=tuple(add), remove=tuple(remove))] if add or remove else []
            add, remove = [], []
        if len(group_add) + len(group_remove) > ENTRIES_PER_CALL:
            edits += _in_order(group_add, group_remove)
            continue
        add += group_add
        remove += group_remove
    return edits + ([PrefixListEdit(add=tuple(add), remove=tuple(remove))] if add or remove else [])


def _in_order(add: list[str], remove: list[str]) -> list[PrefixListEdit]:
    """A group too large for one call: its adds, then its removals, 100 entries a call (the
    call where the adds end starts the removals, which keeps the peak lower)."""
    gone = set(remove)
    return [
        PrefixListEdit(
            add=tuple(c for c in chunk if c not in gone),
            remove=tuple(c for c in chunk if c in gone),
        )
        for chunk in chunks(add + remove)
    ]


def _overlap_groups(adds: list[str], removes: list[str]) -> list[tuple[list[str], list[str]]]:
    """Connected groups of added and removed CIDRs that overlap, each added CIDR in one group
    (a new CIDR overlapping nothing is a group of its own)."""
    groups: list[tuple[list[str], list[str]]] = []
    for add in adds:
        touching = [g for g in groups if any(_overlap(add, r) for r in g[1])]
        merged_add = [a for g in touching for a in g[0]] + [add]
        merged_remove = [r for g in touching for r in g[1]]
        merged_remove += [r for r in removes if _overlap(add, r) and r not in merged_remove]
        groups = [g for g in groups if g not in touching] + [(merged_add, merged_remove)]
    return groups


def _overlap(a: str, b: str) -> bool:
    return _net(a).overlaps(_net(b))


def _net(cidr: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    return ipaddress.ip_network(cidr, strict=False)


def chunks(items: list[str]) -> list[list[str]]:
    return [items[i : i + ENTRIES_PER_CALL] for i in range(0, len(items), ENTRIES_PER_CALL)]
