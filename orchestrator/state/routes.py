"""Routing resources: what eastwest owns in a transit hub and in subnet route tables.

In: nothing (pure values). Out: ``HubTable`` (a hub route table per segment, or the inspection
table), ``HubAssociation`` (which table an attachment's traffic is looked up in),
``HubPropagation`` (an attachment's networks learned by a table), ``HubRoute`` (a static route
in an owned table, to an attachment or a blackhole), ``NetworkRoute`` (a route in a network's
route table, which eastwest does not own, to a destination it does), ``ApplianceMode`` (flow
symmetry on an inspection attachment), and their key functions.
Always: keys start with the scope; an attachment, route table or hub is named by the cloud's
own id (eastwest never owns those), an owned table by its key. A CIDR in a key has its ``/``
written ``_`` so a key splits cleanly on ``/``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from orchestrator.state.scope import Scope

HubRole = Literal["segment", "inspection"]


@dataclass(frozen=True, slots=True)
class HubTable:
    """An owned route table in a transit hub: one per segment, and one for inspection."""

    key: str
    scope: Scope
    hub: str  # the hub's native id (transit gateway, transit router)
    hub_name: str  # the policy's name for the hub
    role: HubRole
    segment: str  # "" for the inspection table
    name: str
    kind: Literal["hub_table"] = "hub_table"


@dataclass(frozen=True, slots=True)
class HubAssociation:
    """An attachment looked up in ``table``: an owned table's key, or ``ref:<native id>`` for a
    table eastwest does not own (seen only in observations)."""

    key: str
    scope: Scope
    attachment: str
    network: str
    table: str
    kind: Literal["hub_association"] = "hub_association"


@dataclass(frozen=True, slots=True)
class HubPropagation:
    key: str
    scope: Scope
    table: str  # an owned table's key
    attachment: str
    network: str
    kind: Literal["hub_propagation"] = "hub_propagation"


@dataclass(frozen=True, slots=True)
class HubRoute:
    """A static route in an owned hub table; ``attachment`` None is a blackhole."""

    key: str
    scope: Scope
    table: str  # an owned table's key
    destination: str
    attachment: str | None
    kind: Literal["hub_route"] = "hub_route"


@dataclass(frozen=True, slots=True)
class NetworkRoute:
    """A route eastwest owns in a network's route table (which it does not own)."""

    key: str
    scope: Scope
    table: str  # the route table's native id
    network: str
    destination: str
    target: str  # native id of the next hop: a hub, a firewall endpoint or interface
    kind: Literal["network_route"] = "network_route"


@dataclass(frozen=True, slots=True)
class ApplianceMode:
    """Flow symmetry on an inspection attachment, so both directions meet one firewall."""

    key: str
    scope: Scope
    attachment: str
    table: str  # the inspection table it serves (whose applied digest records it)
    enabled: bool = True
    kind: Literal["appliance_mode"] = "appliance_mode"


@dataclass(frozen=True, slots=True)
class NetworkPeering:
    """A peering eastwest owns from ``network`` to ``remote`` (one direction: a usable peering
    needs both). ``forwarded``: traffic the remote side forwards (an appliance's) may enter;
    ``network_access``: the remote network may reach this one at all."""

    key: str
    scope: Scope
    network: str
    remote: str
    name: str  # the peering's native name inside ``network``
    forwarded: bool = True
    network_access: bool = True
    kind: Literal["network_peering"] = "network_peering"


RouteResource = (
    HubTable
    | HubAssociation
    | HubPropagation
    | HubRoute
    | NetworkRoute
    | ApplianceMode
    | NetworkPeering
)


def cidr_label(cidr: str) -> str:
    return cidr.replace("/", "_")


def hub_table_key(scope: Scope, hub_name: str, segment: str | None) -> str:
    """``segment`` None is the hub's inspection table."""
    tail = "inspection" if segment is None else f"segment:{segment}"
    return f"{scope}/hubtable/{hub_name}/{tail}"


def association_key(scope: Scope, attachment: str) -> str:
    """One per attachment: an attachment is associated with one table at most."""
    return f"{scope}/hubassoc/{attachment}"


def propagation_key(table: str, attachment: str) -> str:
    return f"{table}/propagation/{attachment}"


def hub_route_key(table: str, destination: str) -> str:
    return f"{table}/route/{cidr_label(destination)}"


def route_owner(scope: Scope, table_id: str) -> str:
    """What the routes eastwest owns in one network route table are recorded under."""
    return f"{scope}/rtb/{table_id}"


def network_route_key(scope: Scope, table_id: str, destination: str) -> str:
    return f"{route_owner(scope, table_id)}/{cidr_label(destination)}"


def appliance_key(scope: Scope, attachment: str) -> str:
    return f"{scope}/appliance/{attachment}"


def peering_owner(scope: Scope, network: str) -> str:
    """What the peerings eastwest owns in one network are recorded under."""
    return f"{scope}/peerings/{network}"


def network_peering_key(scope: Scope, network: str, remote: str) -> str:
    """One per direction: a network has one peering with a given remote network at most."""
    return f"{peering_owner(scope, network)}/{remote}"


def route_owner_of(resource: RouteResource) -> str:
    """The key whose applied digest covers ``resource``: its hub table, or its route table."""
    if isinstance(resource, HubTable):
        return resource.key
    if isinstance(resource, NetworkRoute):
        return route_owner(resource.scope, resource.table)
    if isinstance(resource, NetworkPeering):
        return peering_owner(resource.scope, resource.network)
    return resource.table


def route_line(resource: RouteResource) -> str:
    """The resource's content relative to its owner, one line, for the owner's digest."""
    if isinstance(resource, NetworkPeering):
        return (
            f"peering {resource.remote} {resource.name} forwarded={resource.forwarded} "
            f"access={resource.network_access}"
        )
    return _table_line(resource)


def _table_line(resource: RouteResource) -> str:
    if isinstance(resource, HubAssociation):
        return f"association {resource.attachment}"
    if isinstance(resource, HubPropagation):
        return f"propagation {resource.attachment}"
    if isinstance(resource, HubRoute):
        return f"route {resource.destination}>{resource.attachment or 'blackhole'}"
    if isinstance(resource, NetworkRoute):
        return f"{resource.destination}={resource.target}"
    if isinstance(resource, ApplianceMode):
        return f"appliance {resource.attachment} {'on' if resource.enabled else 'off'}"
    return ""


def routes_digest(lines: Iterable[str]) -> str:
    text = "\n".join(sorted(line for line in lines if line))
    return hashlib.sha256(text.encode()).hexdigest()[:16]
