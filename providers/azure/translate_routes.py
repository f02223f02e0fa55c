"""ARM JSON ↔ neutral routing: UDRs, route tables, peerings. Pure, tested on literal payloads.

Ownership: Azure routes are named sub-resources of a route table, so a route is eastwest's when
its name is ``eastwest-<policy>-<destination>`` (``/`` written ``_``); everything else in the
table is somebody else's, whatever it looks like. A route table is eastwest's only when eastwest
created it (for member subnets that had none): tagged ``eastwest:managed``, ``eastwest:policy``
and ``eastwest:key`` (its route owner key). The digest of eastwest's routes in a table at the
last apply is the table's ``eastwest:routes-digest:<policy>`` tag.

Next hops: a neutral ``target`` is the appliance's IP (``VirtualAppliance``) or ``blackhole``
(``None``: Azure drops the traffic). A route of eastwest's whose content is not exactly what
eastwest writes reads back with a target saying so, so the plan rewrites it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from orchestrator.state import NetworkRoute, Scope
from orchestrator.state.names import owned_table_name
from orchestrator.state.routes import cidr_label, network_route_key, route_owner
from providers.azure import translate as tr
from providers.core.marks import Marks

BLACKHOLE = "blackhole"  # the compiler's word for a dropping route (hub_spoke.BLACKHOLE)
TAG_NETWORK = "eastwest:network"
ROUTES_PER_TABLE = 400  # Azure's limit of routes in one route table
_ROUTE_ECHOED = frozenset({"provisioningState", "hasBgpOverride"})

Payload = Mapping[str, Any]


def digest_tag(policy: str) -> str:
    return f"eastwest:routes-digest:{policy}"


def route_prefix(policy: str) -> str:
    return f"eastwest-{policy}-"


def route_name(policy: str, destination: str) -> str:
    return f"{route_prefix(policy)}{cidr_label(destination)}"


def owned_destination(policy: str, route: Payload) -> str | None:
    """The destination an eastwest route of ``policy`` is named after; None for other routes
    (another policy's ``eastwest-acme-prod-…`` is not ``eastwest-acme-…``'s)."""
    name = str(route.get("name", ""))
    if not name.startswith(route_prefix(policy)):
        return None
    label = name[len(route_prefix(policy)) :]
    try:
        net = ipaddress.ip_network(label.replace("_", "/"), strict=True)
    except ValueError:
        return None
    return net.with_prefixlen if cidr_label(net.with_prefixlen) == label else None


def route_properties(destination: str, target: str) -> dict[str, Any]:
    if target == BLACKHOLE:
        return {"addressPrefix": destination, "nextHopType": "None"}
    return {"addressPrefix": destination, "nextHopType": "VirtualAppliance",
            "nextHopIpAddress": target}  # fmt: skip


def route_target(route: Payload, destination: str) -> str:
    """What an eastwest route sends ``destination`` to, as the compiler would say it."""
    p = tr.props(route)
    kind = str(p.get("nextHopType", ""))
    if kind == "VirtualAppliance":
        target = str(p.get("nextHopIpAddress", ""))
    elif kind == "None":
        target = BLACKHOLE
    else:
        target = f"{kind or 'unknown'} (edited)"
    prefix = str(p.get("addressPrefix", ""))
    return target if prefix == destination else f"{target} (prefix edited to {prefix})"


def writable_route(route: Payload) -> dict[str, Any]:
    kept = {k: v for k, v in tr.props(route).items() if k not in _ROUTE_ECHOED}
    return {"name": route["name"], "properties": kept}


def same_route(route: Payload, properties: Mapping[str, Any]) -> bool:
    have = {k: v for k, v in tr.props(route).items() if k not in _ROUTE_ECHOED and v is not None}
    return have == {k: v for k, v in properties.items() if v is not None}


# -- route tables -----------------------------------------------------------------------------


def is_owned_table(table: Payload, policy: str, scope: Scope) -> bool:
    return Marks(policy, scope).owns(
        tr.tags_of(table), route_owner(scope, str(table.get("name", "")))
    )


def decoy_table(table: Payload, policy: str, scope: Scope) -> bool:
    """Named as eastwest's own table without all of its marks: neither it nor the routes in it
    named as eastwest's are eastwest's."""
    name = str(table.get("name", ""))
    return name.startswith(route_prefix(policy)) and not is_owned_table(table, policy, scope)


def owned_table_tags(policy: str, scope: Scope, name: str, network: str) -> dict[str, str]:
    return {
        tr.TAG_MANAGED: "true",
        tr.TAG_POLICY: policy,
        tr.TAG_KEY: route_owner(scope, name),
        TAG_NETWORK: network,
        tr.TAG_DESCRIPTION: f"eastwest: routes of policy {policy} for subnets of {network}",
    }


def table_subnet_ids(table: Payload) -> list[str]:
    return [str(ref["id"]) for ref in tr.props(table).get("subnets") or () if ref.get("id")]


def table_networks(table: Payload) -> list[str]:
    """The VNets whose subnets use ``table``, by name, sorted."""
    return sorted({tr.vnet_of_subnet_id(i) for i in table_subnet_ids(table)})


def associated_table(subnet: Payload) -> str | None:
    ref = tr.props(subnet).get("routeTable") or {}
    return str(ref["id"]) if ref.get("id") else None


def inside(subnet: Payload, prefixes: Sequence[str]) -> bool:
    blocks = [ipaddress.ip_network(p, strict=False) for p in tr.subnet_prefixes(subnet)]
    nets = [ipaddress.ip_network(p, strict=False) for p in prefixes]
    return bool(blocks) and all(
        any(b.version == n.version and b.subnet_of(n) for n in nets)  # type: ignore[arg-type]
        for b in blocks
    )


def owned_table_segment(
    name: str, policy: str, network: str, known: Mapping[str, Sequence[str]]
) -> str | None:
    """Which segment eastwest's table ``name`` serves, among the segments apply knows."""
    return next((s for s in sorted(known) if owned_table_name(policy, s, network) == name), None)


def unserved_members(vnet: Payload, prefixes: Sequence[str]) -> list[Payload]:
    """Subnets of ``vnet`` inside a segment's ``prefixes`` without a route table: they belong
    in eastwest's table for that segment."""
    return [
        s
        for s in tr.props(vnet).get("subnets") or ()
        if associated_table(s) is None and prefixes and inside(s, prefixes)
    ]


# -- observation --------------------------------------------------------------------------------


def observed_routes(
    scope: Scope,
    policy: str,
    table: Payload,
    vnets: Mapping[str, Payload],
    known: Mapping[str, Sequence[str]],
) -> list[tuple[NetworkRoute, str]]:
    """eastwest's routes in one table, with their native names. A route's network is the first
    VNet (by name) whose subnets use the table; for eastwest's own table, "" while a member
    subnet of that VNet is left without a table (so the plan shows the routes and apply
    associates the table again)."""
    name = str(table["name"])
    if decoy_table(table, policy, scope):
        return []
    networks = table_networks(table)
    network = networks[0] if networks else ""
    if is_owned_table(table, policy, scope):
        home = tr.tags_of(table).get(TAG_NETWORK, "")
        vnet = vnets.get(home)
        segment = owned_table_segment(name, policy, home, known)
        network = home if home in networks else ""
        if vnet is not None and segment and unserved_members(vnet, known[segment]):
            network = ""
    found = []
    for route in tr.props(table).get("routes") or ():
        destination = owned_destination(policy, route)
        if destination is None:
            continue
        key = network_route_key(scope, name, destination)
        target = route_target(route, destination)
        found.append((NetworkRoute(key, scope, name, network, destination, target), route["name"]))
    return found


def foreign_routes(table: Payload, policy: str, wanted: Iterable[NetworkRoute]) -> dict[str, str]:
    """Desired routes whose destination an unowned route of the table already holds."""
    others = {
        str(tr.props(r).get("addressPrefix", "")): str(r["name"])
        for r in tr.props(table).get("routes") or ()
        if owned_destination(policy, r) is None
    }
    return {
        w.key: f"route {others[w.destination]} ({w.destination}) in route table {w.table}"
        for w in wanted
        if w.destination in others
    }
