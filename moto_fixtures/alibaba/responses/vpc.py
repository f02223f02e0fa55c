"""VPC 2016-04-28: VPCs, vSwitches, route tables and entries, prefix lists on the wire."""

from __future__ import annotations

from typing import Any

from moto_fixtures.alibaba import errors
from moto_fixtures.alibaba.models.backend import Backend
from moto_fixtures.alibaba.models.common import int_param, page_by_number, page_by_token
from moto_fixtures.alibaba.models.vpc import RouteEntry
from moto_fixtures.alibaba.protocol import flat_list, repeat_list, tags


def _kv_tags(tagged: dict[str, str]) -> dict[str, Any]:
    return {"Tag": [{"Key": k, "Value": v} for k, v in sorted(tagged.items())]}


def _paged(p: dict[str, str], items: list[Any]) -> tuple[list[Any], dict[str, Any]]:
    number, size = int_param(p, "PageNumber", 1, 1, None), int_param(p, "PageSize", 10, 1, 50)
    return page_by_number(items, number, size), {
        "PageNumber": number,
        "PageSize": size,
        "TotalCount": len(items),
    }


def describe_vpcs(b: Backend, p: dict[str, str]) -> dict[str, Any]:
    wanted = tags(p)
    vpcs = [
        v
        for v in sorted(b.vpc.vpcs.values(), key=lambda v: v.vpc_id)
        if p.get("VpcId", v.vpc_id) == v.vpc_id
        and all(v.tags.get(k) == x for k, x in wanted.items())
    ]
    page, meta = _paged(p, vpcs)
    rows = [
        {
            "VpcId": v.vpc_id,
            "VpcName": v.name,
            "CidrBlock": v.cidr,
            "Status": "Available",
            "RegionId": b.region,
            "VRouterId": v.router_id,
            "IsDefault": False,
            "OwnerId": int(b.account_id),
            "CreationTime": v.creation_time,
            "Tags": _kv_tags(v.tags),
            "VSwitchIds": {
                "VSwitchId": [
                    s.vswitch_id for s in b.vpc.vswitches.values() if s.vpc_id == v.vpc_id
                ]
            },
            "RouterTableIds": {
                "RouterTableIds": [
                    t.table_id for t in b.vpc.tables.values() if t.vpc_id == v.vpc_id
                ]
            },
        }
        for v in page
    ]
    return {**meta, "Vpcs": {"Vpc": rows}}


def describe_vswitches(b: Backend, p: dict[str, str]) -> dict[str, Any]:
    found = [
        s
        for s in sorted(b.vpc.vswitches.values(), key=lambda s: s.vswitch_id)
        if all(
            p.get(k, v) == v
            for k, v in (("VpcId", s.vpc_id), ("ZoneId", s.zone_id), ("VSwitchId", s.vswitch_id))
        )
    ]
    page, meta = _paged(p, found)
    rows = [
        {
            "VSwitchId": s.vswitch_id,
            "VpcId": s.vpc_id,
            "ZoneId": s.zone_id,
            "CidrBlock": s.cidr,
            "VSwitchName": s.name,
            "Status": "Available",
            "IsDefault": False,
            "OwnerId": int(b.account_id),
            "CreationTime": s.creation_time,
            "Tags": _kv_tags(s.tags),
            "RouteTable": {
                "RouteTableId": s.route_table_id,
                "RouteTableType": b.vpc.tables[s.route_table_id].table_type,
            },
        }
        for s in page
    ]
    return {**meta, "VSwitches": {"VSwitch": rows}}


def describe_route_table_list(b: Backend, p: dict[str, str]) -> dict[str, Any]:
    wanted = tags(p)
    found = [
        t
        for t in sorted(b.vpc.tables.values(), key=lambda t: t.table_id)
        if p.get("VpcId", t.vpc_id) == t.vpc_id
        and p.get("RouteTableId", t.table_id) == t.table_id
        and p.get("RouteTableType", t.table_type) == t.table_type
        and all(t.tags.get(k) == v for k, v in wanted.items())
    ]
    page, meta = _paged(p, found)
    rows = [
        {
            "RouteTableId": t.table_id,
            "VpcId": t.vpc_id,
            "RouterId": t.router_id,
            "RouterType": "VRouter",
            "RouteTableType": t.table_type,
            "RouteTableName": t.name,
            "Status": "Available",
            "CreationTime": t.creation_time,
            "OwnerId": int(b.account_id),
            "AssociateType": "VSwitch",
            "Tags": _kv_tags(t.tags),
            "VSwitchIds": {
                "VSwitchId": [
                    s.vswitch_id for s in b.vpc.vswitches.values() if s.route_table_id == t.table_id
                ]
            },
        }
        for t in page
    ]
    return {**meta, "RouterTableList": {"RouterTableListType": rows}}


def create_route_table(b: Backend, p: dict[str, str]) -> dict[str, Any]:
    if p.get("AssociateType", "VSwitch") != "VSwitch":
        raise errors.InvalidParameter("Only vSwitch route tables are faked (AssociateType).")
    return {"RouteTableId": b.vpc.create_table(p["VpcId"], p.get("RouteTableName", "")).table_id}


def associate_route_table(b: Backend, p: dict[str, str]) -> dict[str, Any]:
    b.vpc.associate(p["RouteTableId"], p["VSwitchId"])
    return {}


def create_route_entry(b: Backend, p: dict[str, str]) -> dict[str, Any]:
    if flat_list(p, "NextHopList"):
        raise errors.InvalidParameter("NextHopList (ECMP) is not supported by the fake.")
    hop_type, hop_id = p.get("NextHopType", "Instance"), p.get("NextHopId", "")
    entry = b.vpc.create_entry(
        p["RouteTableId"],
        p["DestinationCidrBlock"],
        hop_type,
        hop_id,
        p.get("RouteEntryName", ""),
        p.get("Description", ""),
        hop_id in b.cbn.attachments,
    )
    return {"RouteEntryId": entry.entry_id}


def modify_route_entry(b: Backend, p: dict[str, str]) -> dict[str, Any]:
    hop_id = p.get("NewNextHopId")
    if p.get("NewNextHopType") and not hop_id:
        raise errors.InvalidParameter("MissingParam.NewNextHopId")
    b.vpc.modify_entry(
        p["RouteEntryId"],
        p.get("NewNextHopType"),
        hop_id,
        p.get("RouteEntryName"),
        p.get("Description"),
        hop_id in b.cbn.attachments,
    )
    return {}


def tag_resources(b: Backend, p: dict[str, str]) -> dict[str, Any]:
    kind = p["ResourceType"].upper()
    if kind not in {"ROUTETABLE", "VPC"}:
        raise errors.InvalidInstanceTypeNotFound(
            f"The fake tags only ROUTETABLE and VPC in VPC, not {p['ResourceType']}."
        )
    tag = b.vpc.tag_tables if kind == "ROUTETABLE" else b.vpc.tag_vpcs
    tag(repeat_list(p, "ResourceId"), tags(p))
    return {}


def delete_route_entry(b: Backend, p: dict[str, str]) -> dict[str, Any]:
    b.vpc.delete_entry(p)
    return {}


def _entry(e: RouteEntry, region: str) -> dict[str, Any]:
    hops = (
        []
        if e.next_hop_type == "local"
        else [
            {
                "NextHopId": e.next_hop_id,
                "NextHopType": e.next_hop_type,
                "Weight": 100,
                "Enabled": 1,
                "NextHopRegionId": region,
            }
        ]
    )
    return {
        "RouteEntryId": e.entry_id,
        "RouteTableId": e.table_id,
        "DestinationCidrBlock": e.destination,
        "Type": e.entry_type,
        "Status": "Available",
        "IpVersion": "ipv4",
        "RouteEntryName": e.name,
        "Description": e.description,
        "GmtModified": e.modified,
        "NextHops": {"NextHop": hops},
    }


def describe_route_entry_list(b: Backend, p: dict[str, str]) -> dict[str, Any]:
    table = b.vpc.table(p["RouteTableId"])
    filters = (
        ("RouteEntryId", "entry_id"),
        ("RouteEntryName", "name"),
        ("DestinationCidrBlock", "destination"),
        ("RouteEntryType", "entry_type"),
        ("NextHopId", "next_hop_id"),
        ("NextHopType", "next_hop_type"),
    )
    found = [
        e
        for e in table.entries
        if all(p.get(k, getattr(e, a)) == getattr(e, a) for k, a in filters)
    ]
    size = int_param(p, "MaxResult", 100, 1, 500)
    page, token = page_by_token(found, p.get("NextToken"), size, errors.IllegalNextToken)
    return {"NextToken": token, "RouteEntrys": {"RouteEntry": [_entry(e, b.region) for e in page]}}


def create_vpc_prefix_list(b: Backend, p: dict[str, str]) -> dict[str, Any]:
    token = ("CreateVpcPrefixList", p.get("ClientToken", ""))
    if token[1] and b.client_tokens.get(token) in b.vpc.prefix_lists:
        return {"PrefixListId": b.client_tokens[token], "ResourceGroupId": ""}
    entries = {e["Cidr"]: e.get("Description", "") for e in flat_list(p, "PrefixListEntries")}
    pl = b.vpc.create_prefix_list(
        p.get("PrefixListName", ""),
        p.get("PrefixListDescription", ""),
        p.get("IpVersion", "IPV4"),
        int_param(p, "MaxEntries", 50, 1, 200),
        entries,
        tags(p),
    )
    if token[1]:
        b.client_tokens[token] = pl.prefix_list_id
    return {"PrefixListId": pl.prefix_list_id, "ResourceGroupId": ""}


def delete_vpc_prefix_list(b: Backend, p: dict[str, str]) -> dict[str, Any]:
    b.vpc.prefix_list(p["PrefixListId"])
    referenced = any(
        dict(rule.peers).get(k) == p["PrefixListId"]
        for group in b.ecs.groups.values()
        for rule in group.rules
        for k in ("SourcePrefixListId", "DestPrefixListId")
    )
    if referenced:
        raise errors.PrefixListInUse()
    del b.vpc.prefix_lists[p["PrefixListId"]]
    return {}


def get_vpc_prefix_list_entries(b: Backend, p: dict[str, str]) -> dict[str, Any]:
    pl = b.vpc.prefix_list(p["PrefixListId"])
    rows = [
        {"PrefixListId": pl.prefix_list_id, "Cidr": c, "Description": d, "RegionId": b.region}
        for c, d in sorted(pl.entries.items())
    ]
    page, token = page_by_token(
        rows, p.get("NextToken"), int_param(p, "MaxResults", 50, 1, 100), errors.IllegalNextToken
    )
    return {
        "NextToken": token,
        "TotalCount": len(rows),
        "Count": len(page),
        "PrefixListEntry": page,
    }


def modify_vpc_prefix_list(b: Backend, p: dict[str, str]) -> dict[str, Any]:
    add = {e["Cidr"]: e.get("Description", "") for e in flat_list(p, "AddPrefixListEntry")}
    remove = [e["Cidr"] for e in flat_list(p, "RemovePrefixListEntry")]
    if len(add) != len(flat_list(p, "AddPrefixListEntry")):
        raise errors.DuplicatedCidr()
    max_entries = int_param(p, "MaxEntries", 0, 1, 200) if p.get("MaxEntries") else None
    pl = b.vpc.modify_prefix_list(p["PrefixListId"], add, remove, max_entries)
    if "PrefixListName" in p:
        pl.name = p["PrefixListName"]
    if "PrefixListDescription" in p:
        pl.description = p["PrefixListDescription"]
    return {"PrefixListId": pl.prefix_list_id}


def list_prefix_lists(b: Backend, p: dict[str, str]) -> dict[str, Any]:
    ids = repeat_list(p, "PrefixListIds")
    wanted = tags(p, "Tags")
    found = [
        pl
        for pl in sorted(b.vpc.prefix_lists.values(), key=lambda pl: pl.prefix_list_id)
        if (not ids or pl.prefix_list_id in ids)
        and p.get("PrefixListName", pl.name) == pl.name
        and all(pl.tags.get(k) == v for k, v in wanted.items())
    ]
    size = int_param(p, "MaxResults", 20, 1, 100)
    page, token = page_by_token(found, p.get("NextToken"), size, errors.IllegalNextToken)
    rows = [
        {
            "PrefixListId": pl.prefix_list_id,
            "PrefixListName": pl.name,
            "PrefixListDescription": pl.description,
            "IpVersion": pl.ip_version,
            "MaxEntries": pl.max_entries,
            "CidrBlocks": sorted(pl.entries),
            "CreationTime": pl.creation_time,
            "OwnerId": b.account_id,
            "RegionId": b.region,
            "PrefixListType": "Custom",
            "PrefixListStatus": "Created",
            "Status": "Created",
            "ShareType": "",
            "ResourceGroupId": "",
            "Tags": [{"Key": k, "Value": v} for k, v in sorted(pl.tags.items())],
        }
        for pl in page
    ]
    return {"NextToken": token, "MaxResults": size, "TotalCount": len(found), "PrefixLists": rows}


HANDLERS = {
    "DescribeVpcs": describe_vpcs,
    "DescribeVSwitches": describe_vswitches,
    "DescribeRouteTableList": describe_route_table_list,
    "CreateRouteTable": create_route_table,
    "AssociateRouteTable": associate_route_table,
    "CreateRouteEntry": create_route_entry,
    "DeleteRouteEntry": delete_route_entry,
    "ModifyRouteEntry": modify_route_entry,
    "TagResources": tag_resources,
    "DescribeRouteEntryList": describe_route_entry_list,
    "CreateVpcPrefixList": create_vpc_prefix_list,
    "DeleteVpcPrefixList": delete_vpc_prefix_list,
    "GetVpcPrefixListEntries": get_vpc_prefix_list_entries,
    "ModifyVpcPrefixList": modify_vpc_prefix_list,
    "ListPrefixLists": list_prefix_lists,
}
