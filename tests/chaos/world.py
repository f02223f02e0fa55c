"""The three sandbox clouds as the chaos suite sees them, read through the SDKs only.

In: ``sandbox.json`` (``load_sandbox``) and a policy name. Out: a ``View``: every object that
carries all of the policy's marks (``eastwest:managed=true``, ``eastwest:policy``,
``eastwest:key``), every object that does not (groups, NSGs, prefix lists, decoys) as canonical
JSON, and every route of every network route table with the routes eastwest claims there.
Always: nothing here imports eastwest's product code: the invariants are checked against what
the clouds answer, not against what eastwest believes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from moto_fixtures.aws import console
from moto_fixtures.consoles import VPC, AlibabaConsole, AzureConsole

CBN = "2017-09-12"
AWS_ACCOUNT = "111111111111"
MANAGED, POLICY, KEY = "eastwest:managed", "eastwest:policy", "eastwest:key"


@dataclass(frozen=True)
class Marked:
    """An object carrying all of the policy's marks."""

    cloud: str
    kind: str
    native_id: str
    key: str


@dataclass
class View:
    marked: list[Marked] = field(default_factory=list)
    unowned: dict[str, str] = field(default_factory=dict)  # object → canonical JSON
    routes: dict[str, str] = field(default_factory=dict)  # "cloud table dest" → JSON
    claimed: set[str] = field(default_factory=set)  # "cloud table dest" eastwest records


def canonical(body: object) -> str:
    return json.dumps(body, sort_keys=True, default=str)


def owns(tags: Mapping[str, str], policy: str) -> bool:
    return tags.get(MANAGED) == "true" and tags.get(POLICY) == policy and KEY in tags


def read_view(sandbox: Mapping[str, Any], policy: str) -> View:
    view = View()
    _aws(view, sandbox, policy)
    read_alibaba(view, sandbox["alibaba"], policy)
    _azure(view, AzureConsole(sandbox["azure"]), policy)
    return view


def _kv(rows: object, key: str = "Key", value: str = "Value") -> dict[str, str]:
    return {str(r[key]): str(r[value]) for r in rows or []} if isinstance(rows, list) else {}


def _sort(view: View, cloud: str, kind: str, found: Iterator[tuple[str, dict[str, str], Any]],
          policy: str) -> None:  # fmt: skip
    for native_id, tags, body in found:
        if owns(tags, policy):
            view.marked.append(Marked(cloud, kind, native_id, tags[KEY]))
        else:
            view.unowned[f"{cloud} {kind} {native_id}"] = canonical(body)


# -- AWS ----------------------------------------------------------------------------------


def _aws(view: View, sandbox: Mapping[str, Any], policy: str) -> None:
    ec2: Any = console.sandbox_ec2(sandbox, AWS_ACCOUNT)
    groups = ec2.describe_security_groups()["SecurityGroups"]
    _sort(view, "aws", "group", ((g["GroupId"], _kv(g.get("Tags")), g) for g in groups), policy)
    lists = [p for p in ec2.describe_managed_prefix_lists()["PrefixLists"] if p["OwnerId"] != "AWS"]
    entries = {
        p["PrefixListId"]: ec2.get_managed_prefix_list_entries(PrefixListId=p["PrefixListId"])
        for p in lists
    }
    found = ((p["PrefixListId"], _kv(p.get("Tags")), [p, entries[p["PrefixListId"]]["Entries"]])
             for p in lists)  # fmt: skip
    _sort(view, "aws", "prefix-list", found, policy)
    hubs = ec2.describe_transit_gateway_route_tables()["TransitGatewayRouteTables"]
    live = [t for t in hubs if t["State"] not in ("deleting", "deleted")]
    found = ((t["TransitGatewayRouteTableId"], _kv(t.get("Tags")), t) for t in live)
    _sort(view, "aws", "hub-table", found, policy)
    for table in ec2.describe_route_tables()["RouteTables"]:
        tid, tags = table["RouteTableId"], _kv(table.get("Tags"))
        for route in table["Routes"]:
            dest = route.get("DestinationCidrBlock") or route.get("DestinationPrefixListId", "")
            view.routes[f"aws {tid} {dest}"] = canonical(route)
        for claim in tags.get(f"eastwest:routes:{policy}", "").split():
            view.claimed.add(f"aws {tid} {claim.split('=', 1)[0]}")


# -- Alibaba Cloud --------------------------------------------------------------------------


def read_alibaba(view: View, section: Mapping[str, Any], policy: str) -> None:
    """Every region the section names: groups, prefix lists and VPC routes are regional; CEN
    is global, so each region keeps only the route tables of its own routers."""
    for region in section["regions"]:
        _alibaba(view, AlibabaConsole({**section, "regions": [region]}), policy)


def _alibaba(view: View, ali: AlibabaConsole, policy: str) -> None:
    groups = ali.groups()
    found = (
        (g["SecurityGroupId"], _kv(g.get("Tags", {}).get("Tag"), "TagKey", "TagValue"),
         [g, ali.rules(g["SecurityGroupId"])])
        for g in groups
    )  # fmt: skip
    _sort(view, "alibaba", "group", found, policy)
    lists = ali.call(VPC, "ListPrefixLists", MaxResults="100")["PrefixLists"]
    found = ((p["PrefixListId"], _kv(p.get("Tags")), p) for p in lists)
    _sort(view, "alibaba", "prefix-list", found, policy)
    hubs = ali.call(CBN, "ListTransitRouterRouteTables", MaxResults="100")
    rows = hubs["TransitRouterRouteTables"]
    live = [
        t
        for t in rows
        if t["TransitRouterRouteTableStatus"] not in ("Deleting", "Deleted")
        and t["RegionId"] == ali.region
    ]
    found = ((t["TransitRouterRouteTableId"], _kv(t.get("Tags")), t) for t in live)
    _sort(view, "alibaba", "hub-table", found, policy)
    tables = ali.call(VPC, "DescribeRouteTableList", PageSize="50")["RouterTableList"]
    for table in tables["RouterTableListType"]:
        tid = table["RouteTableId"]
        body = ali.call(VPC, "DescribeRouteEntryList", RouteTableId=tid, MaxResult="500")
        for entry in body["RouteEntrys"]["RouteEntry"]:
            entry.pop("GmtModified", None)
            view.routes[f"alibaba {tid} {entry['DestinationCidrBlock']}"] = canonical(entry)


# -- Azure ----------------------------------------------------------------------------------


def _azure(view: View, az: AzureConsole, policy: str) -> None:
    nsgs = list(az.network.network_security_groups.list(az.group))
    found = ((str(n.name), dict(n.tags or {}), _nsg_body(n.as_dict())) for n in nsgs)
    _sort(view, "azure", "nsg", found, policy)
    for table in az.network.route_tables.list(az.group):
        tags = dict(table.tags or {})
        if owns(tags, policy):
            view.marked.append(Marked("azure", "route-table", str(table.name), tags[KEY]))
        for route in table.routes or []:
            body = route.as_dict()
            # The SDK leaves a listed route's properties unflattened.
            prefix = body.get("address_prefix") or body.get("properties", {}).get("addressPrefix")
            key = f"azure {table.name} {prefix}"
            view.routes[key] = canonical(body)


def _nsg_body(body: dict[str, Any]) -> dict[str, Any]:
    """An NSG as ARM answers it, without what eastwest changes legitimately on a foreign NSG:
    the subnets and NICs that point at it (eastwest moves them to its own NSGs)."""
    return {k: v for k, v in body.items() if k not in ("subnets", "network_interfaces")}
