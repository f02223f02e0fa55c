"""Reading Alibaba transit routing: what compiling needs (never owned), and what eastwest owns.

In: an ``Api``, the scope, the policy name and the desired scope (which VPC routes and
associations eastwest wants, to report unowned ones in their place as conflicts). Out: a
``TransitInventory``, or the owned routing resources with native ids, applied digests and
conflicts. Always: paged at each call's largest page size; raises rather than answering part;
anything of eastwest's (or in an owned table) in a transitional state (``Creating``,
``Associating``, ``Enabling``, ``Deleting``…) raises ``InProgress``: an operation under way is
never drift. Owned: a transit router route table tagged for this policy and scope, with every
association, propagation and static entry in it; a VPC route entry named
``eastwest:<policy>``. An association of a wanted attachment with the router's *system* table
(the console's default) is reported as ``ref:<table>`` (eastwest moves it); with any other
table it is a conflict (eastwest leaves it).

Page sizes (API metadata): ``ListTransitRouters`` ``PageSize`` ≤ 50; CBN ``List*``
``MaxResults`` ≤ 100; ``DescribeRouteTableList`` / ``DescribeVSwitches`` ``PageSize`` ≤ 50;
``DescribeRouteEntryList`` ``MaxResult`` ≤ 500; ``DescribeNetworkInterfaces`` ``MaxResults`` ≤ 500
(``NetworkInterfaceId.N`` ≤ 100 per call).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from orchestrator.state import (
    ApplianceMode,
    DesiredScope,
    HubAssociation,
    HubInfo,
    HubPropagation,
    HubRoute,
    HubTable,
    NativeRef,
    NetworkRoute,
    NextHop,
    Resource,
    Scope,
    TransitInventory,
)
from orchestrator.state.routes import (
    association_key,
    hub_route_key,
    network_route_key,
    propagation_key,
    route_owner,
)
from providers.alibaba import translate as tr
from providers.alibaba import translate_routing as trr
from providers.alibaba.reader import Api, InProgress, numbered, tokens
from providers.core.transit import OwnedRouting, RawTable, add_hub_table

PAGE_ROUTERS = 50
PAGE_CBN = 100
PAGE_ENTRIES = 500
PAGE_ENIS = 500
ENI_IDS = 100


# -- shared reads ---------------------------------------------------------------------------


def routers(api: Api, region: str) -> list[str]:
    """Every transit router of the region (``ListTransitRouters``, PageNumber/PageSize)."""
    found: list[str] = []
    number = 1
    while True:
        body = api.call(
            region,
            "cbn",
            "ListTransitRouters",
            {"PageNumber": str(number), "PageSize": str(PAGE_ROUTERS)},
        )
        page = body.get("TransitRouters") or []
        found += [str(t["TransitRouterId"]) for t in page if t.get("Status") not in trr.GONE]
        if not page or number * PAGE_ROUTERS >= int(body.get("TotalCount", 0)):
            return found
        number += 1


def cbn_list(api: Api, region: str, action: str, key: str, **params: str) -> Iterator[Any]:
    return tokens(api, region, "cbn", action, (key,), MaxResults=str(PAGE_CBN), **params)


def attachments(api: Api, region: str) -> list[Mapping[str, Any]]:
    return [
        a
        for a in cbn_list(
            api, region, "ListTransitRouterVpcAttachments", "TransitRouterAttachments"
        )
        if a.get("Status") not in trr.GONE
    ]


def route_tables(api: Api, region: str, **params: str) -> list[Mapping[str, Any]]:
    return list(
        numbered(
            api,
            region,
            "vpc",
            "DescribeRouteTableList",
            ("RouterTableList", "RouterTableListType"),
            **params,
        )
    )


def route_entries(api: Api, region: str, table_id: str, **params: str) -> list[Mapping[str, Any]]:
    return list(
        tokens(
            api,
            region,
            "vpc",
            "DescribeRouteEntryList",
            ("RouteEntrys", "RouteEntry"),
            RouteTableId=table_id,
            MaxResult=str(PAGE_ENTRIES),
            **params,
        )
    )


def vswitches(api: Api, region: str) -> list[Mapping[str, Any]]:
    return list(numbered(api, region, "vpc", "DescribeVSwitches", ("VSwitches", "VSwitch")))


def next_hops_of(api: Api, region: str, targets: Sequence[str]) -> dict[str, NextHop]:
    """Each ENI of ``targets`` that exists, with the vSwitch it lives in."""
    enis = sorted({t for t in targets if t.startswith("eni-")})
    hops: dict[str, NextHop] = {}
    for start in range(0, len(enis), ENI_IDS):
        for eni in tokens(
            api,
            region,
            "ecs",
            "DescribeNetworkInterfaces",
            ("NetworkInterfaceSets", "NetworkInterfaceSet"),
            MaxResults=str(PAGE_ENIS),
            **tr.repeat("NetworkInterfaceId", enis[start : start + ENI_IDS]),
        ):
            hops[eni["NetworkInterfaceId"]] = NextHop(eni["NetworkInterfaceId"], eni["VSwitchId"])
    return hops


# -- what compiling needs -------------------------------------------------------------------


def read_transit_inventory(api: Api, scope: Scope, next_hops: Sequence[str]) -> TransitInventory:
    """The metadata has no default association or propagation setting on a transit router (an
    attachment made through the API joins no table), so ``HubInfo`` names none."""
    r = scope.region
    found = [trr.transit_attachment(a, None) for a in attachments(api, r)]
    places = [trr.subnet_place(v) for v in vswitches(api, r)]
    return TransitInventory(
        scope,
        hubs={t: HubInfo(t) for t in routers(api, r)},
        attachments={a.id: a for a in found},
        subnet_tables={p.id: p.table for p in places if p.table},
        next_hops=next_hops_of(api, r, next_hops),
    )


# -- what eastwest owns ---------------------------------------------------------------------


def owned_tables(api: Api, scope: Scope, policy: str, router: str) -> list[Mapping[str, Any]]:
    raw = cbn_list(
        api,
        scope.region,
        "ListTransitRouterRouteTables",
        "TransitRouterRouteTables",
        TransitRouterId=router,
        **tr.tag_params({tr.TAG_MANAGED: "true", tr.TAG_POLICY: policy}),
    )
    return [t for t in raw if tr.is_owned(tr.tags_of(t), policy, scope)]


def read_owned_routing(
    api: Api, scope: Scope, policy: str, desired: DesiredScope | None
) -> OwnedRouting:
    found = OwnedRouting()
    wanted = desired.resources if desired is not None else {}
    wanted_assoc = {r.attachment: r for r in wanted.values() if isinstance(r, HubAssociation)}
    for router in routers(api, scope.region):
        by_id: dict[str, HubTable] = {}
        for raw in owned_tables(api, scope, policy, router):
            table = _table(found, raw)
            by_id[raw["TransitRouterRouteTableId"]] = table
        for table_id, table in sorted(by_id.items()):
            _read_table(api, found, scope, table, table_id)
        if wanted_assoc:
            _system_associations(api, found, scope, router, wanted_assoc)
    for mode in (r for r in wanted.values() if isinstance(r, ApplianceMode)):
        # No appliance-mode switch exists on a transit router VPC attachment (the metadata has
        # none): the router keeps a flow's zone itself, so what is wanted is what there is.
        found.resources[mode.key] = mode
    _network_routes(api, found, scope, policy, wanted)
    return found


def _busy(status: object, what: str) -> None:
    if status in trr.BUSY:
        raise InProgress(f"{what} is {status}")


def _table(found: OwnedRouting, raw: Mapping[str, Any]) -> HubTable:
    _busy(raw.get("TransitRouterRouteTableStatus"), raw["TransitRouterRouteTableId"])
    tags = tr.tags_of(raw)
    return add_hub_table(
        found,
        RawTable(
            tags[tr.TAG_KEY],
            raw["TransitRouterRouteTableId"],
            raw["TransitRouterId"],
            raw.get("TransitRouterRouteTableName", ""),
            tags.get(trr.TAG_ROUTES_DIGEST),
        ),
    )


def _read_table(
    api: Api, found: OwnedRouting, scope: Scope, table: HubTable, table_id: str
) -> None:
    r = scope.region
    table_param = {"TransitRouterRouteTableId": table_id}
    for p in cbn_list(
        api,
        r,
        "ListTransitRouterRouteTablePropagations",
        "TransitRouterPropagations",
        **table_param,
    ):
        attachment = p["TransitRouterAttachmentId"]
        _busy(p.get("Status"), f"the propagation of {attachment} into {table_id}")
        key = propagation_key(table.key, attachment)
        found.resources[key] = HubPropagation(
            key, scope, table.key, attachment, p.get("ResourceId", "")
        )
    for a in cbn_list(
        api,
        r,
        "ListTransitRouterRouteTableAssociations",
        "TransitRouterAssociations",
        **table_param,
    ):
        attachment = a["TransitRouterAttachmentId"]
        _busy(a.get("Status"), f"the association of {attachment} with {table_id}")
        key = association_key(scope, attachment)
        found.resources[key] = HubAssociation(
            key, scope, attachment, a.get("ResourceId", ""), table.key
        )
    for e in cbn_list(
        api,
        r,
        "ListTransitRouterRouteEntries",
        "TransitRouterRouteEntries",
        TransitRouterRouteEntryType="Static",
        **table_param,
    ):
        destination = e["TransitRouterRouteEntryDestinationCidrBlock"]
        _busy(e.get("TransitRouterRouteEntryStatus"), f"the route {destination} in {table_id}")
        hop = None
        if e.get("TransitRouterRouteEntryNextHopType") != "BlackHole":
            hop = str(e.get("TransitRouterRouteEntryNextHopId") or "") or None
        key = hub_route_key(table.key, destination)
        found.resources[key] = HubRoute(key, scope, table.key, destination, hop)


def _system_associations(
    api: Api,
    found: OwnedRouting,
    scope: Scope,
    router: str,
    wanted: Mapping[str, HubAssociation],
) -> None:
    """Wanted attachments associated with a table eastwest does not own."""
    r = scope.region
    system = {
        t["TransitRouterRouteTableId"]
        for t in cbn_list(
            api,
            r,
            "ListTransitRouterRouteTables",
            "TransitRouterRouteTables",
            TransitRouterId=router,
            TransitRouterRouteTableType="System",
        )
    }
    for attachment, want in sorted(wanted.items()):
        key = association_key(scope, attachment)
        if key in found.resources:
            continue
        for a in cbn_list(
            api,
            r,
            "ListTransitRouterRouteTableAssociations",
            "TransitRouterAssociations",
            TransitRouterAttachmentId=attachment,
        ):
            table_id = a["TransitRouterRouteTableId"]
            _busy(a.get("Status"), f"the association of {attachment} with {table_id}")
            if table_id in system:
                ref = f"ref:{table_id}"
                found.resources[key] = HubAssociation(key, scope, attachment, want.network, ref)
            else:
                found.foreign[key] = f"the association of {attachment} with {table_id}"


def _network_routes(
    api: Api, found: OwnedRouting, scope: Scope, policy: str, wanted: Mapping[str, Resource]
) -> None:
    """The entries named for this policy in every governed table; in tables eastwest wants
    routes in, every entry (an unowned one on a wanted destination is a conflict). Governed:
    wanted, or tagged by eastwest (its routes' digest, or the claim written before its first
    entry there): one ``DescribeRouteEntryList`` per governed table, none for the others."""
    wanted_tables = {r.table for r in wanted.values() if isinstance(r, NetworkRoute)}
    name = trr.entry_name(policy)
    for table in route_tables(api, scope.region):
        table_id, vpc = table["RouteTableId"], table.get("VpcId", "")
        tags = tr.tags_of(table)
        digest = tags.get(trr.routes_tag(policy))
        if digest:
            found.applied[route_owner(scope, table_id)] = digest
        if table_id not in wanted_tables and not digest and trr.claim_tag(policy) not in tags:
            continue
        filters = {} if table_id in wanted_tables else {"RouteEntryName": name}
        for entry in route_entries(api, scope.region, table_id, **filters):
            destination = entry.get("DestinationCidrBlock")
            if not destination or entry.get("Type") == "System":
                continue
            key = network_route_key(scope, table_id, destination)
            _, target = trr.next_hop(entry)
            if entry.get("RouteEntryName") == name:
                _busy(entry.get("Status"), f"the route {destination} in {table_id}")
                found.resources[key] = NetworkRoute(key, scope, table_id, vpc, destination, target)
                found.native[key] = NativeRef(str(entry["RouteEntryId"]))
            elif key in wanted:
                found.foreign[key] = f"the route {destination} → {target} in {table_id}"
