"""NSG conflicts, found while observing: member subnets that hold somebody else's NSG.

In: the scope's owned NSGs (this policy's), its VNets (subnets inline) and the desired scope.
Out: ``ObservedScope.foreign`` entries, desired key → what holds its place; the planner turns
each into a warning and the diff leaves the key out. Always: pure; eastwest never takes over a
subnet whose NSG is not its own, so a group that would be associated with one is left out of
the plan, with its rules (they would have no NSG to go into) and the address sets only those
rules use (nothing else would make them observable, so they would show as ``+`` forever).

Only groups not created yet are reported: an existing NSG keeps protecting its other members,
its plan converges, and apply refuses the held subnet if it ever tries to associate it. (The
planner warns only about keys that are not observed, so an existing group's conflict cannot be
told at plan time without a core change.) Whether a group was created is read from the owned
NSGs, not from ``desired``, and nothing here touches ``resources``: the observation's
fingerprint, which a saved plan is checked against without the policy, stays the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from orchestrator.state import AddressSet, DesiredScope, FirewallGroup, FlowRule
from providers.azure import translate as tr

Payload = Mapping[str, Any]


def nsg_conflicts(
    owned: Iterable[Payload], vnets: Mapping[str, Payload], desired: DesiredScope | None
) -> dict[str, str]:
    if desired is None:
        return {}
    created = {tr.tags_of(n).get(tr.TAG_KEY) for n in owned}
    prefixes = {a.segment: tuple(a.cidrs) for a in desired.of_kind(AddressSet)}
    held: dict[str, list[tuple[str, str]]] = {}
    for group in desired.of_kind(FirewallGroup):
        vnet = vnets.get(group.network)
        if group.key in created or vnet is None or group.segment not in prefixes:
            continue  # without the segment's prefixes, apply associates nothing either
        taken = held_subnets(vnet, prefixes[group.segment])
        if taken:
            held[group.key] = taken
    rules = list(desired.of_kind(FlowRule))
    foreign = {key: describe(taken) for key, taken in held.items()}
    foreign.update({r.key: describe(held[r.group]) for r in rules if r.group in held})
    for aset in desired.of_kind(AddressSet):
        users = {r.group for r in rules if r.peer == f"set:{aset.segment}"}
        if users and users <= held.keys():
            foreign[aset.key] = describe(sorted({t for g in users for t in held[g]}))
    return foreign


def held_subnets(vnet: Payload, segment_prefixes: tuple[str, ...]) -> list[tuple[str, str]]:
    """(``vnet/subnet``, NSG name) of each member subnet that already has an NSG."""
    return [
        (f"{vnet['name']}/{subnet['name']}", tr.name_of_id(nsg))
        for subnet in tr.member_subnets(vnet, segment_prefixes)
        if (nsg := tr.associated_nsg(subnet)) is not None
    ]


def describe(taken: list[tuple[str, str]]) -> str:
    """Said as "<this> is not eastwest's" by the planner."""
    if len(taken) == 1:
        subnet, nsg = taken[0]
        return f"the NSG {nsg} on member subnet {subnet}"
    listed = ", ".join(f"{subnet} ({nsg})" for subnet, nsg in taken)
    return f"each NSG on member subnets {listed}"
