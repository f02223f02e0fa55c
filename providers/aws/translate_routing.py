"""EC2 and Transit Gateway routing payloads → the neutral ``RoutingModel``. Pure functions,
tested on literal payloads.

VPC route targets map to hop kinds: ``local`` → LOCAL, a transit gateway → TRANSIT, a Gateway
Load Balancer endpoint or a network interface → FIREWALL (whether it is a *declared* firewall is
the path check's question), anything else (internet, NAT, peering, a blackhole) → OTHER. A
subnet without an explicit association uses its VPC's main route table, as EC2 does.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from orchestrator.state import (
    HopKind,
    RouteTable,
    SubnetPlace,
    SubnetRoute,
    TransitAttachment,
    TransitRoute,
    TransitTable,
)

Payload = Mapping[str, Any]

_DESTINATIONS = ("DestinationCidrBlock", "DestinationIpv6CidrBlock", "DestinationPrefixListId")
_OTHER_TARGETS = (
    "GatewayId",
    "NatGatewayId",
    "VpcPeeringConnectionId",
    "EgressOnlyInternetGatewayId",
    "LocalGatewayId",
    "CarrierGatewayId",
    "CoreNetworkArn",
)


def subnet_route(route: Payload) -> SubnetRoute | None:
    """None for a route with no destination EC2 can match (never seen, but not ours to guess)."""
    destination = next((route[k] for k in _DESTINATIONS if route.get(k)), "")
    if not destination:
        return None
    kind, target = _hop(route)
    return SubnetRoute(destination, kind, target)


def _hop(route: Payload) -> tuple[HopKind, str]:
    gateway = str(route.get("GatewayId", ""))
    if route.get("State") == "blackhole":
        return HopKind.OTHER, "blackhole"
    if gateway == "local":
        return HopKind.LOCAL, "local"
    if route.get("TransitGatewayId"):
        return HopKind.TRANSIT, str(route["TransitGatewayId"])
    # DescribeRouteTables reports a route to a GWLB endpoint with the endpoint as GatewayId.
    endpoint = route.get("VpcEndpointId") or route.get("NetworkInterfaceId")
    if endpoint or gateway.startswith("vpce-"):
        return HopKind.FIREWALL, str(endpoint or gateway)
    return HopKind.OTHER, next((str(route[k]) for k in _OTHER_TARGETS if route.get(k)), "")


def route_table(table: Payload) -> RouteTable:
    routes = (subnet_route(r) for r in table.get("Routes", []))
    return RouteTable(table["RouteTableId"], table["VpcId"], tuple(r for r in routes if r))


def subnet_places(subnets: Iterable[Payload], tables: Iterable[Payload]) -> list[SubnetPlace]:
    """Each subnet with the table that routes it: its explicit association, else the main one."""
    explicit: dict[str, str] = {}
    main: dict[str, str] = {}
    for table in tables:
        for assoc in table.get("Associations", []):
            if assoc.get("Main"):
                main[table["VpcId"]] = table["RouteTableId"]
            elif assoc.get("SubnetId"):
                explicit[assoc["SubnetId"]] = table["RouteTableId"]
    return [
        SubnetPlace(
            s["SubnetId"],
            s["VpcId"],
            s.get("AvailabilityZone", ""),
            s.get("CidrBlock", ""),
            explicit.get(s["SubnetId"], main.get(s["VpcId"])),
        )
        for s in subnets
        if s.get("CidrBlock")  # IPv6-only subnets are not walked
    ]


def transit_route(route: Payload) -> TransitRoute | None:
    destination = route.get("DestinationCidrBlock") or route.get("PrefixListId") or ""
    if not destination:
        return None
    targets = route.get("TransitGatewayAttachments", [])
    attachment = None
    if route.get("State") != "blackhole" and targets:
        attachment = targets[0]["TransitGatewayAttachmentId"]
    return TransitRoute(destination, attachment, route.get("Type") == "propagated")


def transit_table(table: Payload, routes: Iterable[Payload]) -> TransitTable:
    found = (transit_route(r) for r in routes)
    return TransitTable(
        table["TransitGatewayRouteTableId"],
        table["TransitGatewayId"],
        tuple(r for r in found if r),
    )


def transit_attachment(attachment: Payload, table: str | None) -> TransitAttachment:
    return TransitAttachment(
        attachment["TransitGatewayAttachmentId"],
        attachment["TransitGatewayId"],
        attachment["VpcId"],
        tuple(attachment.get("SubnetIds", [])),
        table,
    )


def address_set_ids(tables: Iterable[RouteTable], transit: Iterable[TransitTable]) -> set[str]:
    """Destinations that are prefix lists, whose entries a walk needs."""
    found = {r.destination for t in tables for r in t.routes}
    found |= {r.destination for t in transit for r in t.routes}
    return {d for d in found if d.startswith("pl-")}
