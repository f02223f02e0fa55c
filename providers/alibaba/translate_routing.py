"""CBN and VPC routing payloads ↔ neutral routing values. Pure functions, tested on literal
payloads.

In: the JSON items of ``ListTransitRouterVpcAttachments``, ``ListTransitRouterRouteEntries``,
``DescribeVSwitches`` and ``DescribeRouteEntryList``. Out: ``TransitAttachment``,
``TransitRoute``, ``SubnetPlace`` and ``SubnetRoute`` values, and the route-entry parameters
eastwest writes. Always: a VPC route entry is eastwest's when its ``RouteEntryName`` is exactly
``entry_name(policy)`` (route entries carry no tags, but a name); a transit router route table
is eastwest's by its tags (``translate.is_owned``), and every static entry in it is too.

Next hops: ``Attachment`` (a transit router VPC attachment, ``tr-attach-…``) is the way into the
hub, ``NetworkInterface`` (``eni-…``) a firewall; a system entry (``local``) stays in the VPC;
anything else leaves the walk.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from orchestrator.state import (
    HopKind,
    SubnetPlace,
    SubnetRoute,
    TransitAttachment,
    TransitRoute,
)

Payload = Mapping[str, Any]

TAG_ROUTES_DIGEST = "eastwest:routes-digest"  # on an owned transit router route table
ROUTES_TAG_PREFIX = "eastwest:routes:"  # + policy: on a VPC route table, the routes' digest
# + policy: on a VPC route table eastwest wrote an entry in, tagged before the first entry, so
# the table stays governed (read) even when no digest was recorded (transit_read.py).
CLAIM_TAG_PREFIX = "eastwest:routes-claim:"
# States of an operation under way: never drift, observe again once it has ended.
BUSY = frozenset(
    {
        "Creating",
        "Deleting",
        "Associating",
        "Dissociating",
        "Enabling",
        "Disabling",
        "Attaching",
        "Detaching",
        "Modifying",
        "Pending",
    }
)
GONE = frozenset({"Deleted", "Detached", "Deleting", "Detaching"})


def entry_name(policy: str) -> str:
    """The ``RouteEntryName`` of every VPC route entry ``policy`` owns."""
    return f"eastwest:{policy}"


def routes_tag(policy: str) -> str:
    return f"{ROUTES_TAG_PREFIX}{policy}"


def claim_tag(policy: str) -> str:
    return f"{CLAIM_TAG_PREFIX}{policy}"


def hop_type(target: str) -> str:
    """The ``NextHopType`` of a target eastwest routes to; ValueError for anything else."""
    if target.startswith("eni-"):
        return "NetworkInterface"
    if target.startswith("tr-attach-"):
        return "Attachment"
    raise ValueError(f"{target!r} is not a next hop eastwest routes to")


def transit_attachment(att: Payload, table: str | None) -> TransitAttachment:
    zones = att.get("ZoneMappings") or []
    return TransitAttachment(
        att["TransitRouterAttachmentId"],
        att.get("TransitRouterId", ""),
        att.get("VpcId", ""),
        tuple(str(z["VSwitchId"]) for z in zones if z.get("VSwitchId")),
        table,
    )


def transit_routes(entries: Iterable[Payload]) -> tuple[TransitRoute, ...]:
    """Active entries, static before learned: a static entry wins over a propagated one to the
    same destination, and the walk keeps the first of equally long matches."""
    found = [
        TransitRoute(
            str(e["TransitRouterRouteEntryDestinationCidrBlock"]),
            None
            if e.get("TransitRouterRouteEntryNextHopType") == "BlackHole"
            else str(e.get("TransitRouterRouteEntryNextHopId") or "") or None,
            e.get("TransitRouterRouteEntryType") == "Propagated",
        )
        for e in entries
        if e.get("TransitRouterRouteEntryStatus", "Active") == "Active"
        and e.get("TransitRouterRouteEntryDestinationCidrBlock")
    ]
    return tuple(sorted(found, key=lambda r: r.propagated))


def subnet_place(vsw: Payload) -> SubnetPlace:
    table = (vsw.get("RouteTable") or {}).get("RouteTableId") or None
    return SubnetPlace(
        vsw["VSwitchId"], vsw.get("VpcId", ""), vsw.get("ZoneId", ""), vsw["CidrBlock"], table
    )


def next_hop(entry: Payload) -> tuple[str, str]:
    """(``NextHopType``, ``NextHopId``) of a route entry's first next hop; ("", "") for none."""
    hops = (entry.get("NextHops") or {}).get("NextHop") or []
    if not hops:
        return "", ""
    return str(hops[0].get("NextHopType", "")), str(hops[0].get("NextHopId", ""))


def subnet_route(entry: Payload, hub_of: Mapping[str, str]) -> SubnetRoute | None:
    """``hub_of``: attachment id → its transit router (a route to an attachment enters that
    router). None for an entry without a destination."""
    destination = str(entry.get("DestinationCidrBlock") or "")
    if not destination:
        return None
    kind, target = next_hop(entry)
    if entry.get("Type") == "System" and kind in ("", "local"):
        return SubnetRoute(destination, HopKind.LOCAL, "local")
    if kind == "Attachment" and target in hub_of:
        return SubnetRoute(destination, HopKind.TRANSIT, hub_of[target])
    if kind == "NetworkInterface":
        return SubnetRoute(destination, HopKind.FIREWALL, target)
    return SubnetRoute(destination, HopKind.OTHER, target)
