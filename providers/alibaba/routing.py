"""Reading Alibaba routing for the path check (``eastwest paths``): VPC route tables and their
entries, transit router route tables with static and learned entries, attachments with the
table each is associated with, and the vSwitch of every ENI a route sends to.

Read-only, paged at each call's largest page size; raises rather than answering part of the
routing (a missing route could pass a check it should fail). A VPC route to a TR attachment
enters that attachment's router; a vSwitch uses the table its ``RouteTable`` names.
"""

from __future__ import annotations

from orchestrator.state import HopKind, RouteTable, RoutingModel, Scope, TransitTable
from providers.alibaba import translate_routing as trr
from providers.alibaba.reader import Api
from providers.alibaba.transit_read import (
    attachments,
    cbn_list,
    next_hops_of,
    route_entries,
    route_tables,
    routers,
    vswitches,
)


def read_routing(api: Api, scope: Scope) -> RoutingModel:
    r = scope.region
    raw_attachments = attachments(api, r)
    hub_of = {a["TransitRouterAttachmentId"]: a.get("TransitRouterId", "") for a in raw_attachments}
    transit: list[TransitTable] = []
    associated: dict[str, str] = {}
    for router in routers(api, r):
        for t in cbn_list(
            api,
            r,
            "ListTransitRouterRouteTables",
            "TransitRouterRouteTables",
            TransitRouterId=router,
        ):
            table_id = t["TransitRouterRouteTableId"]
            if t.get("TransitRouterRouteTableStatus") != "Active":
                continue
            for a in cbn_list(
                api,
                r,
                "ListTransitRouterRouteTableAssociations",
                "TransitRouterAssociations",
                TransitRouterRouteTableId=table_id,
            ):
                if a.get("Status") == "Active":
                    associated[a["TransitRouterAttachmentId"]] = table_id
            entries = cbn_list(
                api,
                r,
                "ListTransitRouterRouteEntries",
                "TransitRouterRouteEntries",
                TransitRouterRouteTableId=table_id,
            )
            transit.append(TransitTable(table_id, router, trr.transit_routes(entries)))
    tables: list[RouteTable] = []
    for t in route_tables(api, r):
        routes = (trr.subnet_route(e, hub_of) for e in route_entries(api, r, t["RouteTableId"]))
        found = tuple(x for x in routes if x is not None)
        tables.append(RouteTable(t["RouteTableId"], t.get("VpcId", ""), found))
    targets = [x.target for t in tables for x in t.routes if x.kind is HopKind.FIREWALL]
    found_attachments = [
        trr.transit_attachment(a, associated.get(a["TransitRouterAttachmentId"]))
        for a in raw_attachments
    ]
    return RoutingModel(
        scope,
        subnets={p.id: p for p in (trr.subnet_place(v) for v in vswitches(api, r))},
        tables={t.id: t for t in tables},
        next_hops=next_hops_of(api, r, targets),
        attachments={a.id: a for a in found_attachments},
        transit_tables={t.id: t for t in transit},
    )
