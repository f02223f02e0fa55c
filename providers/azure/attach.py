"""Attaching a group on Azure: its NSG's associations with the member subnets, by mode.

In: one owned NSG as ARM returns it (its tags say the segment's ``attach`` mode and the NSGs an
exclusive attachment took off each subnet), and the group's member subnets read afresh. Out:
the subnet moves that bring the NSG's associations in line with the mode, each with the reason
the observation reports (so the plan shows the group ``~`` until they are done), and the member
subnets held by somebody else's NSG (conflicts, under ``add``). Always: pure; the reader and the
writer both use ``moves``, so what a plan shows is what apply does.

Modes (docs/azure.md, "Attachment"): the NSG of a subnet is evaluated for every NIC in it, so
the association is the attach.

- ``add``: eastwest's NSG on every member subnet without one; one held by somebody else's NSG
  is a conflict (an error), unless ``existing_nsgs: share`` puts eastwest's rules into it.
- ``exclusive``: eastwest's NSG on every member subnet; somebody else's is taken off, its id
  recorded on eastwest's NSG (``eastwest:prior:<subnet>``) first, and put back when the group
  goes or the mode changes back.
- ``none``: eastwest's NSG on no subnet (what it took off put back); the plan warns that the
  segment is not enforced.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from providers.azure import translate as tr

Payload = Mapping[str, Any]

TAG_ATTACH = tr.TAG_ATTACH
PRIOR_PREFIX = "eastwest:prior:"
MODES = ("add", "exclusive", "none")


def mode_of(nsg: Payload) -> str:
    """The NSG's attach mode; ``add`` for one written before modes existed (what it did)."""
    return tr.tags_of(nsg).get(TAG_ATTACH) or "add"


def prior_tag(subnet: str) -> str:
    return f"{PRIOR_PREFIX}{subnet}"


def priors(nsg: Payload) -> dict[str, str]:
    """Subnet name → the NSG id an exclusive attachment took off it."""
    tags = tr.tags_of(nsg)
    return {k.removeprefix(PRIOR_PREFIX): v for k, v in tags.items() if k.startswith(PRIOR_PREFIX)}


@dataclass(frozen=True, slots=True)
class Move:
    """One subnet's NSG set from ``expected`` to ``to`` (only if it still holds ``expected``).
    ``record``: the NSG id to record before the move; ``forget``: drop the record after it."""

    subnet_id: str
    subnet: str
    to: str | None
    expected: str | None
    why: str
    record: str | None = None
    forget: bool = False


def moves(
    nsg: Payload, members: Iterable[Payload], eastwest: Collection[str] = ()
) -> tuple[list[Move], list[tuple[str, str]]]:
    """What the NSG's mode asks of its member subnets (and of the subnets it is on that are no
    members), and (subnet, NSG) of each member held by somebody else's NSG under ``add``, or
    by another eastwest policy's (``eastwest``: their ids, lower case) under ``exclusive``:
    two policies taking a subnet from each other would fight on every tick."""
    ours, kept = str(nsg["id"]), priors(nsg)
    found: list[Move] = []
    held: list[tuple[str, str]] = []
    names = set()
    for subnet in members:
        name, current = str(subnet["name"]), tr.associated_nsg(subnet)
        names.add(name)
        mine = current is not None and current.lower() == ours.lower()
        guarded = current is not None and not mine and current.lower() in eastwest
        mode = "add" if guarded else mode_of(nsg)
        move = _member_move(mode, subnet, current, mine, ours, kept.get(name))
        if move is not None:
            found.append(move)
        elif mode == "add" and current is not None and not mine:
            held.append((name, tr.name_of_id(current)))
    for ref in tr.props(nsg).get("subnets") or ():
        name = tr.name_of_id(str(ref.get("id", "")))
        if name not in names:
            why = f"subnet {name} is associated but not a member"
            found.append(Move(str(ref["id"]), name, kept.get(name), ours, why, forget=name in kept))
    return found, held


def _member_move(  # noqa: PLR0917 - one subnet's facts, called once
    mode: str, subnet: Payload, current: str | None, mine: bool, ours: str, prior: str | None
) -> Move | None:
    sid, name = str(subnet["id"]), str(subnet["name"])
    if mode != "none" and current is None:
        return Move(sid, name, ours, None, f"subnet {name} is not associated")
    if mode == "exclusive" and not mine and current is not None:
        why = f"subnet {name} holds NSG {tr.name_of_id(current)} (attach: exclusive)"
        return Move(sid, name, ours, current, why, record=current)
    if mode != "exclusive" and mine and prior is not None:
        why = f"subnet {name}'s own NSG {tr.name_of_id(prior)} is to be put back (attach: {mode})"
        return Move(sid, name, prior, ours, why, forget=True)
    if mode == "none" and mine:
        return Move(sid, name, None, ours, f"subnet {name} is associated (attach: none)")
    return None


def problems(nsg: Payload, members: Iterable[Payload], eastwest: Collection[str] = ()) -> list[str]:
    """What apply will do, said in the group's observed description. A member held by somebody
    else's NSG under ``add`` is not among them: apply never takes it over, so as a problem it
    would show the group as changed in every plan (``conflicts`` reports it instead)."""
    return [m.why for m in moves(nsg, members, eastwest)[0]]


def with_priors(
    tags: Mapping[str, str], record: Mapping[str, str], forget: Iterable[str]
) -> dict[str, str]:
    """The NSG's tags with subnets' prior NSGs recorded, or dropped."""
    gone = {prior_tag(subnet) for subnet in forget}
    out = {k: v for k, v in tags.items() if k not in gone}
    out.update({prior_tag(subnet): nsg for subnet, nsg in record.items()})
    return out
