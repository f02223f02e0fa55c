"""Reading AWS transit routing: what compiling needs (never owned), and what eastwest owns.

In: an EC2 client, the scope, the policy name, the desired scope (which routes eastwest wants
where, to report unowned routes in their place as conflicts). Out: a ``TransitInventory``, or
the owned routing resources with their native ids, applied digests and conflicts.
Always: paginated at each call's largest page size; an owned transit gateway route table is one
tagged for this policy and scope (checked here too: moto ignores tag filters on those tables);
an owned VPC route is one the table's route record names (``route_records.py``); an
association of a wanted attachment with a table eastwest does not own is reported as
``ref:<table>`` when it is the transit gateway's default association table (eastwest moves it),
and as a conflict otherwise (eastwest leaves it).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from orchestrator.state import (
    ApplianceMode,
    DesiredScope,
    HubAssociation,
    HubInfo,
    HubPropagation,
    HubRoute,
    HubTable,
    NetworkRoute,
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
    routes_digest,
)
from providers.aws import translate as tr
from providers.aws import translate_routing as trr
from providers.aws.reader import PAGE_SUBNETS, owned_filters, pages
from providers.aws.route_records import PREFIX, read_record
from providers.aws.routing import PAGE_ROUTE_TABLES, PAGE_TRANSIT, next_hops_of, search_routes
from providers.core.transit import OwnedRouting, RawTable, add_hub_table

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

TAG_ROUTES_DIGEST = "eastwest:routes-digest"
_GONE = ("deleting", "deleted", "failed", "rejected", "failing")
_STATIC = {"Name": "type", "Values": ["static"]}


def read_transit_inventory(
    ec2: EC2Client, scope: Scope, next_hops: Sequence[str]
) -> TransitInventory:
    hubs = {
        t["TransitGatewayId"]: _hub_info(t)
        for t in pages(ec2.describe_transit_gateways, "TransitGateways", MaxResults=PAGE_TRANSIT)
        if t.get("State") not in _GONE
    }
    attachments = [
        trr.transit_attachment(a, None)
        for a in pages(
            ec2.describe_transit_gateway_vpc_attachments,
            "TransitGatewayVpcAttachments",
            MaxResults=PAGE_TRANSIT,
        )
        if a.get("State") not in _GONE
    ]
    subnets = pages(ec2.describe_subnets, "Subnets", MaxResults=PAGE_SUBNETS)
    tables = pages(ec2.describe_route_tables, "RouteTables", MaxResults=PAGE_ROUTE_TABLES)
    places = trr.subnet_places(list(subnets), list(tables))
    return TransitInventory(
        scope,
        hubs=hubs,
        attachments={a.id: a for a in attachments},
        subnet_tables={p.id: p.table for p in places if p.table},
        next_hops=next_hops_of(ec2, set(next_hops)),
    )


def _hub_info(tgw: Mapping[str, Any]) -> HubInfo:
    options = tgw.get("Options", {})
    association = options.get("AssociationDefaultRouteTableId")
    propagation = options.get("PropagationDefaultRouteTableId")
    return HubInfo(
        tgw["TransitGatewayId"],
        association if options.get("DefaultRouteTableAssociation") == "enable" else None,
        propagation if options.get("DefaultRouteTablePropagation") == "enable" else None,
    )


def read_owned_routing(
    ec2: EC2Client, scope: Scope, policy: str, desired: DesiredScope | None
) -> OwnedRouting:
    found = OwnedRouting()
    wanted = desired.resources if desired is not None else {}
    tables = _owned_tables(ec2, scope, policy)
    by_id = {found.native[t.key].id: t for t in _add_tables(found, tables)}
    for table_id, table in sorted(by_id.items()):
        _read_table(ec2, found, scope, table, table_id)
    wanted_assoc = {r.attachment: r for r in wanted.values() if isinstance(r, HubAssociation)}
    if by_id or wanted_assoc:
        _associations(ec2, found, scope, by_id, wanted_assoc)
    modes = [r for r in wanted.values() if isinstance(r, ApplianceMode)]
    if modes:
        _appliance_modes(ec2, found, modes)
    _network_routes(ec2, found, scope, policy, wanted)
    return found


def _owned_tables(ec2: EC2Client, scope: Scope, policy: str) -> list[Mapping[str, Any]]:
    raw = pages(
        ec2.describe_transit_gateway_route_tables,
        "TransitGatewayRouteTables",
        Filters=owned_filters(policy),
        MaxResults=PAGE_TRANSIT,
    )
    return [t for t in raw if t.get("State") not in _GONE and tr.is_owned(t, policy, scope)]


def _add_tables(found: OwnedRouting, raw: Iterable[Mapping[str, Any]]) -> list[HubTable]:
    return [
        add_hub_table(
            found,
            RawTable(
                tr.tags_of(t)[tr.TAG_KEY],
                t["TransitGatewayRouteTableId"],
                t["TransitGatewayId"],
                tr.tags_of(t).get("Name", ""),
                tr.tags_of(t).get(TAG_ROUTES_DIGEST),
            ),
        )
        for t in raw
    ]


def _read_table(
    ec2: EC2Client, found: OwnedRouting, scope: Scope, table: HubTable, table_id: str
) -> None:
    for p in pages(
        ec2.get_transit_gateway_route_table_propagations,
        "TransitGatewayRouteTablePropagations",
        TransitGatewayRouteTableId=table_id,
        MaxResults=PAGE_TRANSIT,
    ):
        if p.get("State") in ("enabled", "enabling"):
            attachment = p["TransitGatewayAttachmentId"]
            key = propagation_key(table.key, attachment)
            found.resources[key] = HubPropagation(
                key, scope, table.key, attachment, p.get("ResourceId", "")
            )
    for route in search_routes(ec2, table_id, extra=[_STATIC]):
        destination = route.get("DestinationCidrBlock")
        if not destination or route.get("Type") != "static":
            continue  # prefix-list references and propagated routes are not static routes
        targets = route.get("TransitGatewayAttachments", [])
        attachment = None
        if route.get("State") != "blackhole" and targets:
            attachment = targets[0]["TransitGatewayAttachmentId"]
        key = hub_route_key(table.key, destination)
        found.resources[key] = HubRoute(key, scope, table.key, destination, attachment)


def _associations(
    ec2: EC2Client,
    found: OwnedRouting,
    scope: Scope,
    owned: Mapping[str, HubTable],
    wanted: Mapping[str, HubAssociation],
) -> None:
    defaults: dict[str, str] | None = None
    for a in pages(
        ec2.describe_transit_gateway_attachments,
        "TransitGatewayAttachments",
        MaxResults=PAGE_TRANSIT,
    ):
        assoc = a.get("Association") or {}
        table_id = assoc.get("TransitGatewayRouteTableId")
        if not table_id or assoc.get("State") not in ("associated", "associating"):
            continue
        attachment = a["TransitGatewayAttachmentId"]
        key = association_key(scope, attachment)
        network = a.get("ResourceId", "")
        if table_id in owned:
            table = owned[table_id].key
            found.resources[key] = HubAssociation(key, scope, attachment, network, table)
        elif attachment in wanted:
            if defaults is None:
                defaults = _default_tables(ec2)
            if defaults.get(a["TransitGatewayId"]) == table_id:
                ref = f"ref:{table_id}"
                found.resources[key] = HubAssociation(key, scope, attachment, network, ref)
            else:
                found.foreign[key] = f"the association of {attachment} with {table_id}"


def _default_tables(ec2: EC2Client) -> dict[str, str]:
    """Transit gateway → the table new attachments join by default (when that is on)."""
    return {
        tgw: info.default_association
        for tgw, info in (
            (t["TransitGatewayId"], _hub_info(t))
            for t in pages(
                ec2.describe_transit_gateways, "TransitGateways", MaxResults=PAGE_TRANSIT
            )
        )
        if info.default_association
    }


def _appliance_modes(ec2: EC2Client, found: OwnedRouting, modes: list[ApplianceMode]) -> None:
    ids = sorted({m.attachment for m in modes})
    options = {
        a["TransitGatewayAttachmentId"]: a.get("Options", {})
        for a in pages(
            ec2.describe_transit_gateway_vpc_attachments,
            "TransitGatewayVpcAttachments",
            TransitGatewayAttachmentIds=ids,
            MaxResults=PAGE_TRANSIT,
        )
    }
    for mode in modes:
        if mode.attachment in options:
            enabled = options[mode.attachment].get("ApplianceModeSupport") == "enable"
            found.resources[mode.key] = ApplianceMode(
                mode.key, mode.scope, mode.attachment, mode.table, enabled
            )


def _network_routes(
    ec2: EC2Client,
    found: OwnedRouting,
    scope: Scope,
    policy: str,
    wanted: Mapping[str, Resource],
) -> None:
    """Owned routes of every table with a record; unowned routes where eastwest wants one."""
    wanted_tables = {r.table for r in wanted.values() if isinstance(r, NetworkRoute)}
    if wanted_tables:
        raw = pages(ec2.describe_route_tables, "RouteTables", MaxResults=PAGE_ROUTE_TABLES)
    else:
        raw = pages(
            ec2.describe_route_tables,
            "RouteTables",
            Filters=[{"Name": "tag-key", "Values": [f"{PREFIX}{policy}"]}],
            MaxResults=PAGE_ROUTE_TABLES,
        )
    for table in raw:
        table_id, vpc = table["RouteTableId"], table["VpcId"]
        record = read_record(tr.tags_of(table), policy)
        if record:
            found.applied[route_owner(scope, table_id)] = routes_digest(
                f"{d}={t}" for d, t in record.items()
            )
        for route in table.get("Routes", []):
            destination = route.get("DestinationCidrBlock")
            if not destination or route.get("Origin") == "CreateRouteTable":
                continue
            key = network_route_key(scope, table_id, destination)
            target = route_target(route)
            if destination in record:
                found.resources[key] = NetworkRoute(key, scope, table_id, vpc, destination, target)
            elif key in wanted:
                found.foreign[key] = f"the route {destination} → {target} in {table_id}"


def route_target(route: Mapping[str, Any]) -> str:
    """Where a VPC route sends traffic; DescribeRouteTables reports a route to a GWLB endpoint
    with the endpoint as GatewayId."""
    if route.get("State") == "blackhole":
        return "blackhole"
    for name in _TARGETS:
        if route.get(name):
            return str(route[name])
    return ""


_TARGETS = (
    "TransitGatewayId",
    "VpcEndpointId",
    "NetworkInterfaceId",
    "GatewayId",
    "NatGatewayId",
    "VpcPeeringConnectionId",
    "LocalGatewayId",
    "CarrierGatewayId",
    "EgressOnlyInternetGatewayId",
)
