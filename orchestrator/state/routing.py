"""What a path walk needs to know about routing in one scope, read from the cloud.

In: nothing (pure values), filled by a provider's routing reader. Out: ``RoutingModel``: per
network its subnets (zone, route table) and route tables (``SubnetRoute``s); per transit hub its
attachments (network, subnets, associated ``TransitTable``) and tables (``TransitRoute``s).
Always: frozen; ids are the cloud's own; a route's destination is a CIDR or the id of an address
set whose CIDRs ``RoutingModel.address_sets`` holds. No cloud words here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from orchestrator.state.scope import Scope


class HopKind(StrEnum):
    """Where a subnet route sends traffic."""

    TRANSIT = "transit"  # into a transit hub (target: the hub's id)
    FIREWALL = "firewall"  # a firewall endpoint or interface (target: its id)
    LOCAL = "local"  # inside the network itself
    OTHER = "other"  # anything else (internet, NAT, peering…): leaves the walk


@dataclass(frozen=True, slots=True)
class SubnetRoute:
    destination: str  # a CIDR, or an address-set id
    kind: HopKind
    target: str = ""


@dataclass(frozen=True, slots=True)
class RouteTable:
    id: str
    network: str
    routes: tuple[SubnetRoute, ...] = ()


@dataclass(frozen=True, slots=True)
class SubnetPlace:
    """A subnet's zone and the route table that decides where its traffic goes."""

    id: str
    network: str
    zone: str
    cidr: str
    table: str | None  # None: the network has no table for it (no route at all)


@dataclass(frozen=True, slots=True)
class NextHop:
    """A firewall next hop (endpoint or interface) and the subnet its traffic returns to."""

    id: str
    subnet: str


@dataclass(frozen=True, slots=True)
class TransitRoute:
    destination: str  # a CIDR, or an address-set id
    attachment: str | None  # None: a blackhole
    propagated: bool = False


@dataclass(frozen=True, slots=True)
class TransitTable:
    id: str
    hub: str
    routes: tuple[TransitRoute, ...] = ()


@dataclass(frozen=True, slots=True)
class TransitAttachment:
    id: str
    hub: str
    network: str
    subnets: tuple[str, ...]  # where traffic from the hub enters the network
    table: str | None  # the associated transit table; None: traffic from it is dropped


@dataclass(frozen=True, slots=True)
class RoutingModel:
    scope: Scope
    subnets: Mapping[str, SubnetPlace] = field(default_factory=dict)
    tables: Mapping[str, RouteTable] = field(default_factory=dict)
    next_hops: Mapping[str, NextHop] = field(default_factory=dict)
    attachments: Mapping[str, TransitAttachment] = field(default_factory=dict)
    transit_tables: Mapping[str, TransitTable] = field(default_factory=dict)
    address_sets: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def attachment_of(self, hub: str, network: str) -> TransitAttachment | None:
        return next(
            (a for a in self.attachments.values() if a.hub == hub and a.network == network),
            None,
        )

    def transit_subnets(self) -> frozenset[str]:
        """Subnets that host a transit attachment: infrastructure, not where traffic starts."""
        return frozenset(s for a in self.attachments.values() for s in a.subnets)


@dataclass(frozen=True, slots=True)
class HubInfo:
    """A transit hub as the compiler needs it: which tables new attachments join by default
    (None: that default is off)."""

    id: str
    default_association: str | None = None
    default_propagation: str | None = None


@dataclass(frozen=True, slots=True)
class TransitInventory:
    """What compiling transit routing reads in one scope, and never owns: the hubs, their
    attachments (``table``: the associated table's native id), which route table each subnet
    uses (its explicit association, else the network's main table) and the subnet each
    declared firewall next hop lives in."""

    scope: Scope
    hubs: Mapping[str, HubInfo] = field(default_factory=dict)
    attachments: Mapping[str, TransitAttachment] = field(default_factory=dict)
    subnet_tables: Mapping[str, str] = field(default_factory=dict)
    next_hops: Mapping[str, NextHop] = field(default_factory=dict)
