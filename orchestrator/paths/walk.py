"""Walking one packet through observed routes, hop by hop, by longest-prefix match.

In: a ``RoutingModel``, a source subnet, a destination address and the firewall next hops that
count as inspection. Out: every ``Path`` the packet can take (more than one only where a hub may
deliver into several zones of a network), each ending in an ``Outcome``.
Always: pure; every table visited is named in the path's hops; a table visited twice is a loop
(routing depends only on table, zone and address, so a second visit repeats the first forever).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import TypeVar

from orchestrator.state.routing import HopKind, RoutingModel, SubnetPlace

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
R = TypeVar("R")


class Outcome(StrEnum):
    ARRIVED = "arrived"
    NO_ROUTE = "no route"
    BLACKHOLE = "blackhole"
    LOOP = "loop"
    LEFT = "left the transit network"


@dataclass(frozen=True, slots=True)
class Hop:
    """One routing decision: the table consulted, the route chosen and where it sent the packet."""

    table: str
    transit: bool  # a transit table (else a subnet route table)
    matched: str = ""  # the chosen route's destination; "" when none matched
    next_hop: str = ""


@dataclass(frozen=True, slots=True)
class Path:
    source: str
    address: str
    hops: tuple[Hop, ...] = ()
    outcome: Outcome = Outcome.NO_ROUTE
    network: str = ""  # where it arrived
    firewalls: tuple[str, ...] = ()  # declared firewalls crossed, in order

    def tables(self) -> tuple[str, ...]:
        return tuple(h.table for h in self.hops)


@dataclass(frozen=True, slots=True)
class _Walk:
    model: RoutingModel
    address: IPAddress
    firewalls: frozenset[str]


def walk(model: RoutingModel, source: str, address: str, firewalls: frozenset[str]) -> list[Path]:
    """Every path from subnet ``source`` to ``address``; ``firewalls`` are the next hops whose
    crossing counts as inspection."""
    w = _Walk(model, ipaddress.ip_address(address), firewalls)
    start = Path(source, address)
    place = model.subnets.get(source)
    if place is None:
        return [replace(start, hops=(Hop(source, transit=False, next_hop="unknown subnet"),))]
    return _at_subnet(w, place, place.zone, start, frozenset())


def _at_subnet(
    w: _Walk, place: SubnetPlace, zone: str, path: Path, seen: frozenset[str]
) -> list[Path]:
    table_id = place.table or f"(no route table for {place.id})"
    if table_id in seen:
        return [_end(path, Hop(table_id, False, next_hop="visited before"), Outcome.LOOP)]
    table = w.model.tables.get(table_id)
    routes = table.routes if table is not None else ()
    route = _longest(w, ((r.destination, r) for r in routes))
    if route is None:
        return [_end(path, Hop(table_id, False), Outcome.NO_ROUTE)]
    hop = Hop(table_id, False, route.destination, f"{route.kind} {route.target}".strip())
    path, seen = replace(path, hops=(*path.hops, hop)), seen | {table_id}
    if route.kind is HopKind.LOCAL:
        return [replace(path, outcome=Outcome.ARRIVED, network=place.network)]
    if route.kind is HopKind.TRANSIT:
        return _into_hub(w, route.target, place.network, zone, path=path, seen=seen)
    if route.kind is HopKind.FIREWALL:
        return _through_next_hop(w, route.target, path, seen)
    return [replace(path, outcome=Outcome.LEFT)]


def _through_next_hop(w: _Walk, target: str, path: Path, seen: frozenset[str]) -> list[Path]:
    next_hop = w.model.next_hops.get(target)
    returned = w.model.subnets.get(next_hop.subnet) if next_hop is not None else None
    if returned is None:
        return [replace(path, outcome=Outcome.NO_ROUTE)]
    if target in w.firewalls:
        path = replace(path, firewalls=(*path.firewalls, target))
    # The firewall hands the packet back in its own subnet, whose table decides what follows.
    return _at_subnet(w, returned, returned.zone, path, seen)


def _into_hub(
    w: _Walk, hub: str, network: str, zone: str, *, path: Path, seen: frozenset[str]
) -> list[Path]:
    attachment = w.model.attachment_of(hub, network)
    if attachment is None or attachment.table is None:
        why = "not attached" if attachment is None else f"{attachment.id} has no transit table"
        return [_end(path, Hop(hub, True, next_hop=why), Outcome.NO_ROUTE)]
    table_id = attachment.table
    if table_id in seen:
        return [_end(path, Hop(table_id, True, next_hop="visited before"), Outcome.LOOP)]
    table = w.model.transit_tables.get(table_id)
    route = _longest(w, ((r.destination, r) for r in (table.routes if table else ())))
    if route is None:
        return [_end(path, Hop(table_id, True), Outcome.NO_ROUTE)]
    seen = seen | {table_id}
    if route.attachment is None:
        return [_end(path, Hop(table_id, True, route.destination, "blackhole"), Outcome.BLACKHOLE)]
    path = replace(
        path, hops=(*path.hops, Hop(table_id, True, route.destination, route.attachment))
    )
    return _out_of_hub(w, route.attachment, zone, path, seen)


def _out_of_hub(
    w: _Walk, attachment_id: str, zone: str, path: Path, seen: frozenset[str]
) -> list[Path]:
    attachment = w.model.attachments.get(attachment_id)
    subnets = attachment.subnets if attachment is not None else ()
    places = [w.model.subnets[s] for s in subnets if s in w.model.subnets]
    if not places:
        return [replace(path, outcome=Outcome.NO_ROUTE)]
    # A hub keeps traffic in its zone when the attachment has a subnet there; otherwise it may
    # pick any of them, so every one must hold.
    entries = [p for p in places if p.zone == zone] or places
    return [found for p in entries for found in _at_subnet(w, p, p.zone, path, seen)]


def _end(path: Path, hop: Hop, outcome: Outcome) -> Path:
    return replace(path, hops=(*path.hops, hop), outcome=outcome)


def _longest(w: _Walk, routes: Iterable[tuple[str, R]]) -> R | None:
    """The route whose destination holds the address with the longest prefix."""
    best: tuple[int, R] | None = None
    for destination, route in routes:
        for cidr in w.model.address_sets.get(destination, (destination,)):
            try:
                net = ipaddress.ip_network(cidr, strict=False)
            except ValueError:  # an address set that could not be resolved matches nothing
                continue
            if w.address in net and (best is None or net.prefixlen > best[0]):
                best = (net.prefixlen, route)
    return best[1] if best is not None else None
