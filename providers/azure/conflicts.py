"""NSG conflicts, found while observing: member subnets that hold somebody else's NSG.

In: the scope's owned NSGs (this policy's), its VNets (subnets inline), the desired scope and,
when the account shares existing NSGs, the ``Sharing`` that says which NSGs may take eastwest's
rules. Out: ``ObservedScope.foreign`` entries, desired key → what holds its place; the planner
turns them into one warning per occupant, and the diff leaves out keys not observed yet.
Always: pure; eastwest never takes over a subnet whose NSG is not its own, and writes into one
only when sharing is on and the NSG qualifies (``shared.why_not_shared``; when it does not, the
warning says why). A group not created yet is left out of the plan with its rules (they would
have no NSG to go into) and the address sets only those rules use (nothing else would make them
observable, so they would show as ``+`` forever). A group that exists is reported alone: it
keeps guarding its other members, and its plan converges. Whether a group was created is read
from the owned NSGs, not from ``desired``, and nothing here touches ``resources``: the
observation's fingerprint, which a saved plan is checked against without the policy, stays the
same.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from orchestrator.state import AddressSet, DesiredScope, FirewallGroup, FlowRule
from providers.azure import translate as tr
from providers.azure.shared import Sharing

Payload = Mapping[str, Any]


def nsg_conflicts(
    owned: Iterable[Payload],
    vnets: Mapping[str, Payload],
    desired: DesiredScope | None,
    sharing: Sharing | None = None,
    *,
    eastwest: Collection[str] = (),
    every: Iterable[Payload] = (),
) -> dict[str, str]:
    """``eastwest``: ids (lower case) of every eastwest policy's NSGs, which even
    ``attach: exclusive`` never takes over; ``every``: all NSGs of the resource group, for the
    names eastwest's would take."""
    if desired is None:
        return {}
    every = list(every)
    relost = tags_lost_in(every, desired)  # eastwest's, its subnets too: taken back, re-tagged
    owned = [*owned, *relost.values()]
    created = {tr.tags_of(n).get(tr.TAG_KEY) for n in owned}
    ours = {str(n.get("id", "")).lower() for n in owned}
    prefixes = {a.segment: tuple(a.cidrs) for a in desired.of_kind(AddressSet)}
    held: dict[str, str] = {}
    for group in desired.of_kind(FirewallGroup):
        vnet = vnets.get(group.network)
        if group.attach == "none" or vnet is None or group.segment not in prefixes:
            continue  # nothing attached, or no prefixes: apply associates nothing either
        # exclusive takes a subnet over (recorded), unless another policy's NSG holds it
        only = set(eastwest) - ours if group.attach == "exclusive" else None
        shares = sharing if group.attach != "exclusive" else None
        taken = held_subnets(vnet, prefixes[group.segment], group.segment, shares, ours, only=only)
        if taken:
            held[group.key] = describe(taken)
    held |= names_taken(every, created | set(relost), desired)
    foreign = dict(held)
    new = {key for key in held if key not in created}
    rules = list(desired.of_kind(FlowRule))
    foreign.update({r.key: held[r.group] for r in rules if r.group in new})
    for aset in desired.of_kind(AddressSet):
        users = {r.group for r in rules if r.peer == f"set:{aset.segment}"}
        if users and users <= new:
            foreign[aset.key] = held[min(users)]  # said with one of its occupants
    return foreign


def names_taken(
    every: Iterable[Payload], created: Collection[str | None], desired: DesiredScope
) -> dict[str, str]:
    """Group key → the NSG holding its name without being it (names are unique in a resource
    group: a decoy with eastwest's name and some of its marks is never adopted)."""
    by_name = {str(n.get("name", "")).lower(): n for n in every}
    taken: dict[str, str] = {}
    for group in desired.of_kind(FirewallGroup):
        name = tr.nsg_name(group)
        if name.lower() in by_name and group.key not in created:
            taken[group.key] = f"the NSG {name}, named as eastwest's without all of its marks,"
    return taken


def tags_lost(nsg: Payload, group: FirewallGroup) -> bool:
    """eastwest's NSG for ``group`` that lost its tags: no ``eastwest:`` tag at all (a decoy
    with some of the marks stays foreign), and every name mark eastwest gives its NSGs (its
    name and both deny rules), on subnets of the group's own VNet only. Taken back, re-tagged."""
    rules = {str(r.get("name", "")) for r in tr.props(nsg).get("securityRules") or ()}
    subnets = [str(s["id"]) for s in tr.props(nsg).get("subnets") or ()]
    return (
        not any(k.startswith("eastwest:") for k in tr.tags_of(nsg))
        and str(nsg.get("name", "")).lower() == tr.nsg_name(group).lower()
        and set(tr.DENY_NAMES.values()) <= rules
        and bool(subnets)
        and all(tr.vnet_of_subnet_id(s) == group.network for s in subnets)
    )


def tags_lost_in(every: Iterable[Payload], desired: DesiredScope) -> dict[str, Payload]:
    """Group key → eastwest's NSG for it whose tags were lost (``tags_lost``)."""
    by_name = {str(n.get("name", "")).lower(): n for n in every}
    found: dict[str, Payload] = {}
    for group in desired.of_kind(FirewallGroup):
        nsg = by_name.get(tr.nsg_name(group).lower())
        if nsg is not None and tags_lost(nsg, group):
            found[group.key] = nsg
    return found


def held_subnets(
    vnet: Payload,
    segment_prefixes: tuple[str, ...],
    segment: str = "",
    sharing: Sharing | None = None,
    ours: Collection[str] = (),
    *,
    only: Collection[str] | None = None,
) -> list[tuple[str, str]]:
    """(``vnet/subnet``, what holds it) of each member subnet whose NSG is somebody else's and
    may not be shared (with sharing on, what holds it says why)."""
    members = tr.member_subnets(vnet, segment_prefixes)
    ids = {str(s["id"]).lower() for s in members}
    taken = []
    for subnet in members:
        nsg = tr.associated_nsg(subnet)
        if nsg is None or nsg.lower() in ours or (only is not None and nsg.lower() not in only):
            continue
        why = sharing.refusal(nsg, ids, segment) if sharing is not None else ""
        if why is None:
            continue
        holder = tr.name_of_id(nsg) + (f" (not shared: {why})" if why else "")
        if only is not None:
            holder += " (another eastwest policy's: attach: exclusive never takes it over)"
        taken.append((f"{vnet['name']}/{subnet['name']}", holder))
    return taken


def describe(taken: list[tuple[str, str]]) -> str:
    """Said as "<this> is not eastwest's" by the planner."""
    if len(taken) == 1:
        subnet, nsg = taken[0]
        return f"the NSG {nsg} on member subnet {subnet}"
    listed = ", ".join(f"{subnet} ({nsg})" for subnet, nsg in taken)
    return f"each NSG on member subnets {listed}"
