"""CBN 2017-09-12: transit router route tables, attachments, links and routes on the wire.

CBN is global: actions name their router, table or attachment by id, wherever it is. The
four that take a ``RegionId`` in the metadata (``ListTransitRouters``,
``ListTransitRouterVpcAttachments``, ``CreateTransitRouterVpcAttachment``, ``TagResources``) see
that region's routers only; an attachment's VPC and vSwitches are those of its router's region.

Page maxima from the metadata: ``ListTransitRouterRouteTables`` and
``ListTransitRouterRouteEntries`` ``MaxResults`` ≤ 100 (the other ``List*`` document no maximum;
100 is kept for them), ``ListTransitRouters`` ``PageSize`` ≤ 50 with ``PageNumber``.
"""

from __future__ import annotations

from typing import Any

from moto_fixtures.alibaba import errors
from moto_fixtures.alibaba.models.backend import Backend
from moto_fixtures.alibaba.models.cbn import Link
from moto_fixtures.alibaba.models.common import int_param, page_by_number, page_by_token
from moto_fixtures.alibaba.protocol import flat_list, repeat_list, tags

TAGGABLE = "transitrouterroutetable"  # TagResources' ResourceType, compared case-insensitively


def _in_region(b: Backend, tr_id: str) -> bool:
    """Whether the router is in the request's region (an unknown one is left to the model)."""
    return b.cbn.router_regions.get(tr_id, b.region) == b.region


def _page(p: dict[str, str], rows: list[dict[str, Any]], key: str, default: int) -> dict[str, Any]:
    size = int_param(p, "MaxResults", default, 1, 100)
    page, token = page_by_token(rows, p.get("NextToken"), size, errors.IllegalNextToken)
    return {"TotalCount": len(rows), "MaxResults": size, "NextToken": token, key: page}


def create_route_table(b: Backend, p: dict[str, str]) -> dict[str, Any]:
    # The same ClientToken answers the table the first request made (while it exists and the
    # token is honoured, ``Backend.token_ttl``), as CBN documents; a retry after a lost answer
    # would otherwise make a second table.
    token = ("CreateTransitRouterRouteTable", p.get("ClientToken", ""))
    made = b.replayed(token, b.cbn.tables)
    if made is not None:
        return {"TransitRouterRouteTableId": made}
    t = b.cbn.create_table(
        p["TransitRouterId"],
        p.get("TransitRouterRouteTableName", ""),
        p.get("TransitRouterRouteTableDescription", ""),
        tags(p),
    )
    b.remember(token, t.table_id)
    return {"TransitRouterRouteTableId": t.table_id}


def list_route_tables(b: Backend, p: dict[str, str]) -> dict[str, Any]:
    ids = repeat_list(p, "TransitRouterRouteTableIds")
    names = repeat_list(p, "TransitRouterRouteTableNames")
    wanted = tags(p)
    if p.get("TransitRouterId") and p["TransitRouterId"] not in b.cbn.routers:
        raise errors.TransitRouterNotFound()
    rows = [
        {
            "TransitRouterRouteTableId": t.table_id,
            "TransitRouterId": t.tr_id,
            "TransitRouterRouteTableStatus": t.status,
            "TransitRouterRouteTableType": t.table_type,
            "TransitRouterRouteTableName": t.name,
            "TransitRouterRouteTableDescription": t.description,
            "CreateTime": t.creation_time,
            "RegionId": b.cbn.region_of(t.tr_id),
            "Tags": [{"Key": k, "Value": v} for k, v in sorted(t.tags.items())],
            "RouteTableOptions": {"MultiRegionECMP": "disable"},
        }
        for t in sorted(b.cbn.tables.values(), key=lambda t: t.table_id)
        if p.get("TransitRouterId", t.tr_id) == t.tr_id
        and (not ids or t.table_id in ids)
        and (not names or t.name in names)
        and p.get("TransitRouterRouteTableType", t.table_type) == t.table_type
        and p.get("TransitRouterRouteTableStatus", t.status) == t.status
        and all(t.tags.get(k) == v for k, v in wanted.items())
    ]
    return _page(p, rows, "TransitRouterRouteTables", 20)


def delete_route_table(b: Backend, p: dict[str, str]) -> dict[str, Any]:
    b.cbn.delete_table(p["TransitRouterRouteTableId"])
    return {}


def create_vpc_attachment(b: Backend, p: dict[str, str]) -> dict[str, Any]:
    zones = flat_list(p, "ZoneMappings")
    for zone in zones:
        if zone.get("VSwitchId") not in b.vpc.vswitches:
            raise errors.InvalidParameter("IllegalParam.VSwitchId")
    if p["VpcId"] not in b.vpc.vpcs:
        raise errors.InvalidParameter("IncorrectStatus.Vpc: the VPC does not exist.")
    if not _in_region(b, p.get("TransitRouterId", "")):
        raise errors.TransitRouterNotFound()  # a router of another region is not found here
    att = b.cbn.create_attachment(
        p.get("TransitRouterId", ""), p["VpcId"], p.get("TransitRouterAttachmentName", ""), zones
    )
    return {"TransitRouterAttachmentId": att.attachment_id}


def list_vpc_attachments(b: Backend, p: dict[str, str]) -> dict[str, Any]:
    filters = (
        ("TransitRouterId", "tr_id"),
        ("VpcId", "vpc_id"),
        ("CenId", "cen_id"),
        ("TransitRouterAttachmentId", "attachment_id"),
        ("Status", "status"),
    )
    rows = [
        {
            "TransitRouterAttachmentId": a.attachment_id,
            "TransitRouterId": a.tr_id,
            "CenId": a.cen_id,
            "VpcId": a.vpc_id,
            "VpcRegionId": b.cbn.region_of(a.tr_id),
            "VpcOwnerId": int(b.account_id),
            "Status": a.status,
            "ResourceType": "VPC",
            "TransitRouterAttachmentName": a.name,
            "CreationTime": a.creation_time,
            "AutoPublishRouteEnabled": False,
            "ChargeType": "POSTPAY",
            "ZoneMappings": [
                {"ZoneId": z.get("ZoneId", ""), "VSwitchId": z.get("VSwitchId", "")}
                for z in a.zones
            ],
            "Tags": [],
        }
        for a in sorted(b.cbn.attachments.values(), key=lambda a: a.attachment_id)
        if all(p.get(k, getattr(a, f)) == getattr(a, f) for k, f in filters)
        and _in_region(b, a.tr_id)
    ]
    return _page(p, rows, "TransitRouterAttachments", 20)


def _link(kind: str, on: bool) -> Any:
    def handler(b: Backend, p: dict[str, str]) -> dict[str, Any]:
        args = (kind, p["TransitRouterAttachmentId"], p["TransitRouterRouteTableId"])
        (b.cbn.link if on else b.cbn.unlink)(*args)
        return {}

    return handler


def _links(b: Backend, p: dict[str, str], links: list[Link], key: str) -> dict[str, Any]:
    rows = [
        {
            "TransitRouterAttachmentId": link.attachment_id,
            "TransitRouterRouteTableId": link.table_id,
            "Status": link.status,
            "ResourceType": "VPC",
            "ResourceId": b.cbn.attachments[link.attachment_id].vpc_id
            if link.attachment_id in b.cbn.attachments
            else "",
        }
        for link in links
        if all(
            p.get(k, v) == v
            for k, v in (
                ("TransitRouterRouteTableId", link.table_id),
                ("TransitRouterAttachmentId", link.attachment_id),
            )
        )
    ]
    return _page(p, rows, key, 50)


def list_associations(b: Backend, p: dict[str, str]) -> dict[str, Any]:
    return _links(b, p, list(b.cbn.associations.values()), "TransitRouterAssociations")


def list_propagations(b: Backend, p: dict[str, str]) -> dict[str, Any]:
    return _links(b, p, list(b.cbn.propagations.values()), "TransitRouterPropagations")


def create_route_entry(b: Backend, p: dict[str, str]) -> dict[str, Any]:
    r = b.cbn.create_route(
        p["TransitRouterRouteTableId"],
        p["TransitRouterRouteEntryDestinationCidrBlock"],
        p["TransitRouterRouteEntryNextHopType"],
        p.get("TransitRouterRouteEntryNextHopId", ""),
        p.get("TransitRouterRouteEntryName", ""),
        p.get("TransitRouterRouteEntryDescription", ""),
    )
    return {"TransitRouterRouteEntryId": r.entry_id}


def _static_row(r: Any) -> dict[str, Any]:
    return {
        "TransitRouterRouteEntryId": r.entry_id,
        "TransitRouterRouteEntryDestinationCidrBlock": r.destination,
        "TransitRouterRouteEntryType": "Static",
        "TransitRouterRouteEntryStatus": r.status,
        "TransitRouterRouteEntryNextHopType": r.hop_type,
        "TransitRouterRouteEntryNextHopId": r.hop_id,
        "TransitRouterRouteEntryName": r.name,
        "TransitRouterRouteEntryDescription": r.description,
        "CreateTime": r.creation_time,
        "OperationalMode": False,
    }


def _learned_rows(b: Backend, table_id: str) -> list[dict[str, Any]]:
    """What the table learns from its Active propagations: each propagated VPC's CIDR, next
    hop the attachment (the real router lists these as ``Propagated`` entries)."""
    rows: list[dict[str, Any]] = []
    for (attachment_id, linked), link in sorted(b.cbn.propagations.items()):
        att = b.cbn.attachments.get(attachment_id)
        vpc = b.world.of_router(att.tr_id).vpc.vpcs.get(att.vpc_id) if att is not None else None
        if linked != table_id or link.status != "Active" or vpc is None:
            continue
        rows.append(
            {
                "TransitRouterRouteEntryId": f"rte-learned-{attachment_id.split('-')[-1]}",
                "TransitRouterRouteEntryDestinationCidrBlock": vpc.cidr,
                "TransitRouterRouteEntryType": "Propagated",
                "TransitRouterRouteEntryStatus": "Active",
                "TransitRouterRouteEntryNextHopType": "Attachment",
                "TransitRouterRouteEntryNextHopId": attachment_id,
                "TransitRouterRouteEntryNextHopResourceId": vpc.vpc_id,
                "TransitRouterRouteEntryNextHopResourceType": "VPC",
                "TransitRouterRouteEntryOriginResourceId": vpc.vpc_id,
                "TransitRouterRouteEntryOriginResourceType": "VPC",
                "TransitRouterRouteEntryName": "",
                "TransitRouterRouteEntryDescription": "",
                "CreateTime": "",
                "OperationalMode": False,
            }
        )
    return rows


_ENTRY_FILTERS = (
    "TransitRouterRouteEntryDestinationCidrBlock",
    "TransitRouterRouteEntryStatus",
    "TransitRouterRouteEntryType",
    "TransitRouterRouteEntryNextHopType",
    "TransitRouterRouteEntryNextHopId",
)


def list_route_entries(b: Backend, p: dict[str, str]) -> dict[str, Any]:
    table_id = p["TransitRouterRouteTableId"]
    b.cbn.table(table_id, errors.TrRouteTableNotFound)
    static = sorted(
        (r for r in b.cbn.routes.values() if r.table_id == table_id), key=lambda r: r.entry_id
    )
    ids = repeat_list(p, "TransitRouterRouteEntryIds")
    names = repeat_list(p, "TransitRouterRouteEntryNames")
    rows = [
        row
        for row in [*map(_static_row, static), *_learned_rows(b, table_id)]
        if all(p.get(k, row.get(k)) == row.get(k) for k in _ENTRY_FILTERS)
        and (not ids or row["TransitRouterRouteEntryId"] in ids)
        and (not names or row["TransitRouterRouteEntryName"] in names)
    ]
    return _page(p, rows, "TransitRouterRouteEntries", 20)


def delete_route_entry(b: Backend, p: dict[str, str]) -> dict[str, Any]:
    b.cbn.delete_route(p)
    return {}


def tag_resources(b: Backend, p: dict[str, str]) -> dict[str, Any]:
    if p["ResourceType"].lower() != TAGGABLE:
        raise errors.InvalidInstanceTypeNotFound(
            f"The fake tags only TransitRouterRouteTable, not {p['ResourceType']}."
        )
    ids = repeat_list(p, "ResourceId")
    # A table of another region's router is not found in this one, like an unknown id.
    if any(i in b.cbn.tables and not _in_region(b, b.cbn.tables[i].tr_id) for i in ids):
        raise errors.InvalidInstanceIdsNotFound()
    b.cbn.tag_tables(ids, tags(p))
    return {}


def list_transit_routers(b: Backend, p: dict[str, str]) -> dict[str, Any]:
    number = int_param(p, "PageNumber", 1, 1, None)
    size = int_param(p, "PageSize", 10, 1, 50)
    found = [
        (tr_id, cen_id)
        for tr_id, cen_id in sorted(b.cbn.routers.items())
        if p.get("TransitRouterId", tr_id) == tr_id
        and p.get("CenId", cen_id) == cen_id
        and _in_region(b, tr_id)
    ]
    rows = [
        {
            "TransitRouterId": tr_id,
            "CenId": cen_id,
            "RegionId": b.cbn.region_of(tr_id),
            "Status": "Active",
            "Type": "Enterprise",
            "AliUid": int(b.account_id),
            "TransitRouterName": "",
            "TransitRouterDescription": "",
            "SupportMulticast": False,
            "CreationTime": "",
            "Tags": [],
            "TransitRouterCidrList": [],
        }
        for tr_id, cen_id in page_by_number(found, number, size)
    ]
    return {
        "PageNumber": number,
        "PageSize": size,
        "TotalCount": len(found),
        "TransitRouters": rows,
    }


HANDLERS = {
    "TagResources": tag_resources,
    "ListTransitRouters": list_transit_routers,
    "CreateTransitRouterRouteTable": create_route_table,
    "ListTransitRouterRouteTables": list_route_tables,
    "DeleteTransitRouterRouteTable": delete_route_table,
    "CreateTransitRouterVpcAttachment": create_vpc_attachment,
    "ListTransitRouterVpcAttachments": list_vpc_attachments,
    "AssociateTransitRouterAttachmentWithRouteTable": _link("association", True),
    "DissociateTransitRouterAttachmentFromRouteTable": _link("association", False),
    "EnableTransitRouterRouteTablePropagation": _link("propagation", True),
    "DisableTransitRouterRouteTablePropagation": _link("propagation", False),
    "ListTransitRouterRouteTableAssociations": list_associations,
    "ListTransitRouterRouteTablePropagations": list_propagations,
    "CreateTransitRouterRouteEntry": create_route_entry,
    "ListTransitRouterRouteEntries": list_route_entries,
    "DeleteTransitRouterRouteEntry": delete_route_entry,
}
