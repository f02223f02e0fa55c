"""Reading AWS routing for the path check: VPC route tables, transit gateway tables and routes.

Read-only, at each call's largest page size, paginated; raises ``ObservationError`` rather than
returning part of the routing (a missing route could pass a check it should fail).
``SearchTransitGatewayRoutes`` has no NextToken: when a table holds more routes than one answer
(``AdditionalRoutesAvailable``), the address space is split in halves with
``route-search.subnet-of-match`` until every part fits, the split prefix itself read with
``route-search.exact-match``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from orchestrator.errors import ObservationError
from orchestrator.state import HopKind, NextHop, RouteTable, RoutingModel, Scope, TransitTable
from providers.aws import translate_routing as tr
from providers.aws.reader import PAGE_SUBNETS, pages, read_entries

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

# Largest page each call accepts (botocore's EC2 model).
PAGE_ROUTE_TABLES = 100
PAGE_TRANSIT = 1000
PAGE_ENDPOINTS = 1000
PAGE_INTERFACES = 1000
_FILTER_VALUES = 200  # EC2 accepts at most 200 values in one filter
_LIVE_ROUTES = {"Name": "state", "Values": ["active", "blackhole"]}
_GONE = ("deleting", "deleted", "failed", "rejected")


def read_routing(ec2: EC2Client, scope: Scope) -> RoutingModel:
    """Everything a path walk needs in one account and region."""
    subnets = list(pages(ec2.describe_subnets, "Subnets", MaxResults=PAGE_SUBNETS))
    raw_tables = list(pages(ec2.describe_route_tables, "RouteTables", MaxResults=PAGE_ROUTE_TABLES))
    tables = [tr.route_table(t) for t in raw_tables]
    transit, associated = _transit_tables(ec2)
    attachments = [
        tr.transit_attachment(a, associated.get(a["TransitGatewayAttachmentId"]))
        for a in pages(
            ec2.describe_transit_gateway_vpc_attachments,
            "TransitGatewayVpcAttachments",
            MaxResults=PAGE_TRANSIT,
        )
        if a.get("State") not in _GONE
    ]
    sets = tr.address_set_ids(tables, transit)
    return RoutingModel(
        scope,
        subnets={s.id: s for s in tr.subnet_places(subnets, raw_tables)},
        tables={t.id: t for t in tables},
        next_hops=_next_hops(ec2, tables),
        attachments={a.id: a for a in attachments},
        transit_tables={t.id: t for t in transit},
        address_sets={pl: tuple(read_entries(ec2, pl)) for pl in sorted(sets)},
    )


def _transit_tables(ec2: EC2Client) -> tuple[list[TransitTable], dict[str, str]]:
    """Every live transit table with its routes, and attachment → associated table."""
    found: list[TransitTable] = []
    associated: dict[str, str] = {}
    raw = pages(
        ec2.describe_transit_gateway_route_tables,
        "TransitGatewayRouteTables",
        MaxResults=PAGE_TRANSIT,
    )
    for table in (t for t in raw if t.get("State") not in _GONE):
        table_id = table["TransitGatewayRouteTableId"]
        for assoc in pages(
            ec2.get_transit_gateway_route_table_associations,
            "Associations",
            TransitGatewayRouteTableId=table_id,
            MaxResults=PAGE_TRANSIT,
        ):
            if assoc.get("State") == "associated":
                associated[assoc["TransitGatewayAttachmentId"]] = table_id
        found.append(tr.transit_table(table, search_routes(ec2, table_id)))
    return found, associated


def search_routes(
    ec2: Any, table_id: str, limit: int = PAGE_TRANSIT, extra: Sequence[Any] = ()
) -> list[Mapping[str, Any]]:
    """Every active or blackhole route of a transit table (narrowed by ``extra`` filters),
    however many there are."""
    filters = [_LIVE_ROUTES, *extra]
    routes: list[Mapping[str, Any]] = []
    for everything in ("0.0.0.0/0", "::/0"):
        routes.extend(_search(ec2, table_id, everything, limit, filters))
    return routes


def _search(
    ec2: Any, table_id: str, prefix: str, limit: int, filters: list[Any]
) -> list[Mapping[str, Any]]:
    answer = _ask(ec2, table_id, limit, [*filters, _match("subnet-of", prefix)])
    if not answer.get("AdditionalRoutesAvailable"):
        return list(answer.get("Routes", []))
    net = ipaddress.ip_network(prefix)
    if net.prefixlen == net.max_prefixlen:
        raise ObservationError(f"{table_id}: more routes for {prefix} than one search answers")
    exact = _ask(ec2, table_id, limit, [*filters, _match("exact", prefix)])
    routes = list(exact.get("Routes", []))
    for half in net.subnets(prefixlen_diff=1):
        routes.extend(_search(ec2, table_id, str(half), limit, filters))
    return routes


def _match(relation: str, prefix: str) -> dict[str, Any]:
    return {"Name": f"route-search.{relation}-match", "Values": [prefix]}


def _ask(ec2: Any, table_id: str, limit: int, filters: list[Any]) -> Mapping[str, Any]:
    answer: Mapping[str, Any] = ec2.search_transit_gateway_routes(
        TransitGatewayRouteTableId=table_id, Filters=filters, MaxResults=limit
    )
    return answer


def _next_hops(ec2: EC2Client, tables: Iterable[RouteTable]) -> dict[str, NextHop]:
    """Each endpoint or interface a route sends to, with the subnet traffic comes back in."""
    return next_hops_of(
        ec2, {r.target for t in tables for r in t.routes if r.kind is HopKind.FIREWALL}
    )


def next_hops_of(ec2: EC2Client, targets: set[str]) -> dict[str, NextHop]:
    """Each of ``targets`` (GWLB endpoints ``vpce-…``, interfaces ``eni-…``) that exists, with
    the subnet it lives in."""
    hops: dict[str, NextHop] = {}
    if any(t.startswith("vpce-") for t in targets):
        # All of the region's endpoints, unfiltered: few, and the id filter is not served
        # everywhere (the sandbox's moto answers it with HTTP 500).
        for ep in pages(ec2.describe_vpc_endpoints, "VpcEndpoints", MaxResults=PAGE_ENDPOINTS):
            if ep["VpcEndpointId"] in targets and ep.get("SubnetIds"):
                # A GWLB endpoint lives in exactly one subnet.
                hops[ep["VpcEndpointId"]] = NextHop(ep["VpcEndpointId"], ep["SubnetIds"][0])
    interfaces = [t for t in sorted(targets) if t.startswith("eni-")]
    for chunk in _chunks(interfaces):
        for eni in pages(
            ec2.describe_network_interfaces,
            "NetworkInterfaces",
            Filters=[{"Name": "network-interface-id", "Values": chunk}],
            MaxResults=PAGE_INTERFACES,
        ):
            hops[eni["NetworkInterfaceId"]] = NextHop(eni["NetworkInterfaceId"], eni["SubnetId"])
    return hops


def _chunks(items: list[str]) -> Iterable[list[str]]:
    return (items[i : i + _FILTER_VALUES] for i in range(0, len(items), _FILTER_VALUES))
