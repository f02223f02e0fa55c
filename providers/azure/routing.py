"""Reading Azure routing: what hub-spoke compiling needs, and the model the path check walks.

In: VNets (with subnets and peerings inline) and route tables (with routes inline) of the
resource group, as ARM JSON. Out: a ``TransitInventory`` (peerings as attachments, subnets →
route tables, appliance addresses → their subnets) or a ``RoutingModel``.
Always: two list calls, every page; pure builders (``transit_inventory``, ``routing_model``)
tested on literal payloads; subnets are named ``<vnet>/<subnet>`` (names are unique only within
their VNet).

The walk model (docs/azure.md): a subnet's table is its route table's UDRs followed by the
system routes of its VNet (its own prefixes: local; each connected peering's remote prefixes:
into the peering "hub"), so a UDR beats a system route of the same length, as in Azure. Peerings
form one transit hub, ``vnet-peering``: each VNet's attachment looks up the table of its own
peerings (peering is not transitive: a table holds only direct peers). Traffic an appliance
hands back is forwarded traffic: the appliance's subnet is walked as ``<vnet> (forwarded)``,
whose table delivers only into peers whose peering back allows forwarded traffic.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from orchestrator.state import (
    HopKind,
    HubInfo,
    NextHop,
    RouteTable,
    RoutingModel,
    Scope,
    SubnetPlace,
    SubnetRoute,
    TransitAttachment,
    TransitInventory,
    TransitRoute,
    TransitTable,
)
from providers.azure import translate as tr
from providers.azure.reader import as_payloads, list_vnets
from providers.core.reads import UNSHARED, Shared

if TYPE_CHECKING:
    from azure.mgmt.network import NetworkManagementClient

Payload = Mapping[str, Any]
PEERING_HUB = "vnet-peering"
FORWARDED = " (forwarded)"
_SYSTEM = "(system routes)"


def list_route_tables(
    client: NetworkManagementClient, group: str, region: str, shared: Shared = UNSHARED
) -> list[Payload]:
    tables = shared("route_tables", lambda: as_payloads(client.route_tables.list(group)))
    return [t for t in tables if tr.region_of(str(t.get("location", ""))) == region]


def read_transit_inventory(
    client: NetworkManagementClient, group: str, scope: Scope, next_hops: Sequence[str]
) -> TransitInventory:
    return transit_inventory(scope, list_vnets(client, group, scope.region), next_hops)


def read_routing(client: NetworkManagementClient, group: str, scope: Scope) -> RoutingModel:
    vnets = list_vnets(client, group, scope.region)
    return routing_model(scope, vnets, list_route_tables(client, group, scope.region))


# -- peerings ---------------------------------------------------------------------------------


def _remote(peering: Payload) -> str:
    ref = tr.props(peering).get("remoteVirtualNetwork") or {}
    return tr.name_of_id(str(ref.get("id", "")))


def _connected(peering: Payload) -> bool:
    p = tr.props(peering)
    return p.get("peeringState") == "Connected" and p.get("allowVirtualNetworkAccess", True)


def _peerings(vnet: Payload) -> list[Payload]:
    return list(tr.props(vnet).get("virtualNetworkPeerings") or ())


def _prefixes(vnet: Payload) -> tuple[str, ...]:
    space = tr.props(vnet).get("addressSpace") or {}
    return tuple(space.get("addressPrefixes") or ())


def _remote_prefixes(peering: Payload, vnets: Mapping[str, Payload]) -> tuple[str, ...]:
    remote = vnets.get(_remote(peering))
    if remote is not None:
        return _prefixes(remote)
    space = tr.props(peering).get("remoteAddressSpace") or {}
    return tuple(space.get("addressPrefixes") or ())


def _accepts_forwarded(vnets: Mapping[str, Payload], vnet: str, remote: str) -> bool:
    """Whether ``vnet`` lets in traffic that ``remote`` forwards (its peering to ``remote``
    allows forwarded traffic)."""
    found = vnets.get(vnet)
    return found is not None and any(
        _remote(p) == remote and _connected(p) and tr.props(p).get("allowForwardedTraffic")
        for p in _peerings(found)
    )


def _subnet_of(address: str, vnets: Iterable[Payload]) -> str | None:
    ip = ipaddress.ip_address(address)
    for vnet in vnets:
        for subnet in tr.props(vnet).get("subnets") or ():
            for prefix in tr.subnet_prefixes(subnet):
                if ip in ipaddress.ip_network(prefix, strict=False):
                    return f"{vnet['name']}/{subnet['name']}"
    return None


# -- compiling's view ---------------------------------------------------------------------------


def transit_inventory(
    scope: Scope, vnets: Sequence[Payload], next_hops: Sequence[str]
) -> TransitInventory:
    """Every VNet may be a hub; each peering is an attachment of its VNet to the remote one,
    usable (``table`` = the remote VNet) when connected both ways and when its VNet lets in the
    traffic the remote side's appliance forwards."""
    by_name = {str(v["name"]): v for v in vnets}
    attachments: dict[str, TransitAttachment] = {}
    for vnet in vnets:
        name = str(vnet["name"])
        for peering in _peerings(vnet):
            remote = _remote(peering)
            usable = _connected(peering) and _accepts_forwarded(by_name, name, remote)
            aid = f"{name}/{peering['name']}"
            attachments[aid] = TransitAttachment(aid, remote, name, (), remote if usable else None)
    tables = {
        f"{v['name']}/{s['name']}": tr.name_of_id(str(s["properties"]["routeTable"]["id"]))
        for v in vnets
        for s in tr.props(v).get("subnets") or ()
        if (tr.props(s).get("routeTable") or {}).get("id")
    }
    hops = {}
    for address in next_hops:
        try:
            subnet = _subnet_of(address, vnets)
        except ValueError:  # not an IP address: never an Azure appliance
            subnet = None
        if subnet is not None:
            hops[address] = NextHop(address, subnet)
    return TransitInventory(
        scope,
        hubs={n: HubInfo(n) for n in by_name},
        attachments=attachments,
        subnet_tables=tables,
        next_hops=hops,
    )


# -- the path check's view ----------------------------------------------------------------------


def routing_model(
    scope: Scope, vnets: Sequence[Payload], tables: Sequence[Payload]
) -> RoutingModel:
    by_name = {str(v["name"]): v for v in vnets}
    by_id = {str(t["id"]).lower(): t for t in tables}
    model = _Model()
    for vnet in vnets:
        model.add_vnet(vnet, by_name, by_id)
    appliances = {
        str(tr.props(r).get("nextHopIpAddress", ""))
        for t in tables
        for r in tr.props(t).get("routes") or ()
        if tr.props(r).get("nextHopType") == "VirtualAppliance"
    }
    for address in sorted(appliances - {""}):
        model.add_appliance(address, vnets)
    return RoutingModel(
        scope,
        subnets=model.subnets,
        tables=model.tables,
        next_hops=model.next_hops,
        attachments=model.attachments,
        transit_tables=model.transit_tables,
    )


class _Model:
    def __init__(self) -> None:
        self.subnets: dict[str, SubnetPlace] = {}
        self.tables: dict[str, RouteTable] = {}
        self.next_hops: dict[str, NextHop] = {}
        self.attachments: dict[str, TransitAttachment] = {}
        self.transit_tables: dict[str, TransitTable] = {}

    def add_vnet(
        self, vnet: Payload, vnets: Mapping[str, Payload], tables: Mapping[str, Payload]
    ) -> None:
        name, prefixes = str(vnet["name"]), _prefixes(vnet)
        peers = [(p, _remote(p)) for p in _peerings(vnet) if _connected(p)]
        system = [SubnetRoute(p, HopKind.LOCAL) for p in prefixes] + [
            SubnetRoute(c, HopKind.TRANSIT, PEERING_HUB)
            for p, _ in peers
            for c in _remote_prefixes(p, vnets)
        ]
        for subnet in tr.props(vnet).get("subnets") or ():
            ref = str((tr.props(subnet).get("routeTable") or {}).get("id", ""))
            table = tables.get(ref.lower())
            table_id = f"{tr.name_of_id(ref) if ref else _SYSTEM}@{name}"
            if table_id not in self.tables:
                udrs = [_udr(r) for r in tr.props(table).get("routes") or ()] if table else []
                self.tables[table_id] = RouteTable(table_id, name, (*udrs, *system))
            cidrs = tr.subnet_prefixes(subnet) or ("0.0.0.0/32",)
            sid = f"{name}/{subnet['name']}"
            self.subnets[sid] = SubnetPlace(sid, name, "", cidrs[0], table_id)
        if prefixes:
            self._peering_hub(name, prefixes, peers, vnets)

    def _peering_hub(
        self,
        name: str,
        prefixes: tuple[str, ...],
        peers: list[tuple[Payload, str]],
        vnets: Mapping[str, Payload],
    ) -> None:
        """The VNet's way in (a delivery "subnet" holding only its local routes), its own
        peerings' table, and the table of what its appliances forward."""
        entry = f"{name}/(peering)"
        self.tables[entry] = RouteTable(entry, name, tuple(SubnetRoute(p, HopKind.LOCAL)
                                                           for p in prefixes))  # fmt: skip
        self.subnets[entry] = SubnetPlace(entry, name, "", prefixes[0], entry)
        own = f"peerings of {name}"
        self.attachments[f"peering:{name}"] = TransitAttachment(
            f"peering:{name}", PEERING_HUB, name, (entry,), own
        )
        self.transit_tables[own] = TransitTable(
            own,
            PEERING_HUB,
            tuple(
                TransitRoute(c, f"peering:{remote}")
                for p, remote in peers
                for c in _remote_prefixes(p, vnets)
            ),
        )
        forwarded = f"forwarded from {name}"
        self.attachments[f"forwarded:{name}"] = TransitAttachment(
            f"forwarded:{name}", PEERING_HUB, f"{name}{FORWARDED}", (), forwarded
        )
        self.transit_tables[forwarded] = TransitTable(
            forwarded,
            PEERING_HUB,
            tuple(
                TransitRoute(
                    c, f"peering:{remote}" if _accepts_forwarded(vnets, remote, name) else None
                )
                for p, remote in peers
                for c in _remote_prefixes(p, vnets)
            ),
        )

    def add_appliance(self, address: str, vnets: Sequence[Payload]) -> None:
        """An appliance hands traffic back in its own subnet, as forwarded traffic."""
        try:
            subnet = _subnet_of(address, vnets)
        except ValueError:
            return
        place = self.subnets.get(subnet or "")
        if place is None:
            return
        sid = f"{place.id}{FORWARDED}"
        self.subnets[sid] = SubnetPlace(sid, f"{place.network}{FORWARDED}", "", place.cidr,
                                        place.table)  # fmt: skip
        self.next_hops[address] = NextHop(address, sid)


def _udr(route: Payload) -> SubnetRoute:
    p = tr.props(route)
    prefix = str(p.get("addressPrefix", ""))
    kind = str(p.get("nextHopType", ""))
    if kind == "VirtualAppliance":
        return SubnetRoute(prefix, HopKind.FIREWALL, str(p.get("nextHopIpAddress", "")))
    if kind == "VnetLocal":
        return SubnetRoute(prefix, HopKind.LOCAL)
    return SubnetRoute(prefix, HopKind.OTHER, kind)  # Internet, gateway, None (dropped)
