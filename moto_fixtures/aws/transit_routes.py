"""Transit gateway routes as EC2 keeps them: static, blackhole and propagated.

Real EC2:

- A static route names its target attachment in ``TransitGatewayAttachments`` (id, resource id,
  type); a blackhole route names none. A second static route for the same CIDR answers
  ``RouteAlreadyExists``; deleting or replacing an absent one answers ``InvalidRoute.NotFound``.
  A static route whose attachment is deleted turns ``blackhole``.
- ``ReplaceTransitGatewayRoute`` points a static route at another attachment or makes it a
  blackhole.
- An enabled propagation puts the CIDRs of the attachment's VPC into the table as ``propagated``
  routes; they go when the propagation (or the attachment) does. A static route for the same CIDR
  wins: only the static one is listed.
- ``SearchTransitGatewayRoutes`` filters on ``type``, ``state``, ``prefix-list-id``, the
  ``attachment.*`` fields and the four ``route-search.*`` CIDR relations; it answers at most
  ``MaxResults`` routes (5-1000, default 1000) and sets ``AdditionalRoutesAvailable`` when more
  matched. There is no ``NextToken`` for it.

moto 5.2.5 reports ``TransitGatewayAttachments: []`` for static routes, has no
``ReplaceTransitGatewayRoute`` (HTTP 500), never creates propagated routes, overwrites a route
created twice, crashes on unknown tables and absent routes, and its search knows three filters and
always answers ``AdditionalRoutesAvailable: false``.

Static routes stay in moto's ``routes`` dict (moto's own shape); propagated routes are computed on
every read from the table's propagations, so they can never go stale.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from typing import Any

from moto.core.responses import ActionResult
from moto.utilities.utils import str2bool

from moto_fixtures.aws import transit_associations as associations
from moto_fixtures.aws.exceptions import (
    InvalidParameterValueError,
    TransitGatewayRouteAlreadyExistsError,
    TransitGatewayRouteNotFoundError,
)

Method = Callable[..., Any]
Route = dict[str, Any]
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# SearchTransitGatewayRoutes' MaxResults: bounds of botocore's model; EC2 answers 1000 without it.
_MAX_RESULTS = (5, 1000)

_ATTRIBUTE_FILTERS: dict[str, Callable[[Route], set[str]]] = {
    "type": lambda route: {route["Type"]},
    "state": lambda route: {route["State"]},
    "prefix-list-id": lambda route: {route["PrefixListId"]} if route.get("PrefixListId") else set(),
    "attachment.transit-gateway-attachment-id": lambda route: _targets(
        route, "TransitGatewayAttachmentId"
    ),
    "attachment.resource-id": lambda route: _targets(route, "ResourceId"),
    "attachment.resource-type": lambda route: _targets(route, "ResourceType"),
}
_CIDR_FILTERS: dict[str, Callable[[Network, Network], bool]] = {
    "route-search.exact-match": lambda route, value: route == value,
    "route-search.subnet-of-match": lambda route, value: route.subnet_of(value),  # type: ignore[arg-type]
    "route-search.supernet-of-match": lambda route, value: route.supernet_of(value),  # type: ignore[arg-type]
}
_LONGEST_PREFIX = "route-search.longest-prefix-match"


def create_model(original: Method) -> Method:
    del original  # rewritten: moto drops the target and overwrites an existing route

    def create_transit_gateway_route(
        self: Any,
        transit_gateway_route_table_id: str,
        destination_cidr_block: str,
        transit_gateway_attachment_id: str | None = None,
        blackhole: bool = False,
    ) -> Route:
        """CreateTransitGatewayRoute: the route names its attachment; no second one per CIDR."""
        table = associations.route_table(self, transit_gateway_route_table_id)
        cidr = str(_network(destination_cidr_block))
        if cidr in table.routes:
            raise TransitGatewayRouteAlreadyExistsError(cidr, table.id)
        table.routes[cidr] = _static(self, cidr, transit_gateway_attachment_id, blackhole)
        return _static_view(self, table.routes[cidr])

    return create_transit_gateway_route


def replace_model(original: Method | None) -> Method:
    del original  # moto 5.2.5 has no ReplaceTransitGatewayRoute

    def replace_transit_gateway_route(
        self: Any,
        transit_gateway_route_table_id: str,
        destination_cidr_block: str,
        transit_gateway_attachment_id: str | None = None,
        blackhole: bool = False,
    ) -> Route:
        """ReplaceTransitGatewayRoute: a static route gets another attachment or blackholes."""
        table = associations.route_table(self, transit_gateway_route_table_id)
        cidr = str(_network(destination_cidr_block))
        if cidr not in table.routes:
            raise TransitGatewayRouteNotFoundError(cidr, table.id)
        table.routes[cidr] = _static(self, cidr, transit_gateway_attachment_id, blackhole)
        return _static_view(self, table.routes[cidr])

    return replace_transit_gateway_route


def delete_model(original: Method) -> Method:
    del original  # rewritten: moto crashes on an absent route

    def delete_transit_gateway_route(
        self: Any, transit_gateway_route_table_id: str, destination_cidr_block: str
    ) -> Route:
        """DeleteTransitGatewayRoute: an absent route answers InvalidRoute.NotFound."""
        table = associations.route_table(self, transit_gateway_route_table_id)
        cidr = str(_network(destination_cidr_block))
        if cidr not in table.routes:
            raise TransitGatewayRouteNotFoundError(cidr, table.id)
        view = _static_view(self, table.routes.pop(cidr))
        view["State"] = "deleted"
        return view

    return delete_transit_gateway_route


def search_model(original: Method) -> Method:
    del original  # rewritten: moto knows three filters and no propagated routes

    def search_transit_gateway_routes(
        self: Any,
        transit_gateway_route_table_id: str,
        filters: Any,
        max_results: int | None = None,
    ) -> list[Route]:
        """SearchTransitGatewayRoutes: static and propagated routes, every documented filter."""
        table = associations.route_table(self, transit_gateway_route_table_id)
        found = _search(routes_of(self, table), dict(filters or {}))
        return found if max_results is None else found[: int(max_results)]

    return search_transit_gateway_routes


def search_response(original: Method) -> Method:
    del original  # rewritten: moto always answers AdditionalRoutesAvailable false

    def search_transit_gateway_routes(self: Any) -> ActionResult:
        """SearchTransitGatewayRoutes: MaxResults 5-1000 (default 1000), the overflow flag."""
        limit = _max_results(self._get_param("MaxResults"))
        found = self.ec2_backend.search_transit_gateway_routes(
            transit_gateway_route_table_id=self._get_param("TransitGatewayRouteTableId"),
            filters=self._filters_from_querystring(),
        )
        return ActionResult(
            {"Routes": found[:limit], "AdditionalRoutesAvailable": len(found) > limit}
        )

    return search_transit_gateway_routes


def replace_response(original: Method | None) -> Method:
    del original  # moto 5.2.5 has no ReplaceTransitGatewayRoute

    def replace_transit_gateway_route(self: Any) -> ActionResult:
        """ReplaceTransitGatewayRoute (moto answered HTTP 500: not implemented)."""
        self.error_on_dryrun()
        route = self.ec2_backend.replace_transit_gateway_route(
            transit_gateway_route_table_id=self._get_param("TransitGatewayRouteTableId"),
            destination_cidr_block=self._get_param("DestinationCidrBlock"),
            transit_gateway_attachment_id=self._get_param("TransitGatewayAttachmentId"),
            blackhole=str2bool(self._get_param("Blackhole")) or False,
        )
        return ActionResult({"Route": route})

    return replace_transit_gateway_route


def routes_of(backend: Any, table: Any) -> list[Route]:
    """Every route of ``table`` as EC2 lists it: static ones, then propagated ones not shadowed."""
    static = [_static_view(backend, stored) for stored in table.routes.values()]
    taken = {route["DestinationCidrBlock"] for route in static}
    propagated: list[Route] = []
    for propagation in table.route_table_propagation:
        target = backend.transit_gateway_attachments.get(propagation.transitGatewayAttachmentId)
        if target is None or target.state == "deleted":
            continue
        for cidr in _propagated_cidrs(backend, target):
            # A static route for the CIDR wins; of two attachments propagating one CIDR, EC2
            # keeps one route (the fake: the first propagation enabled).
            if cidr not in taken:
                taken.add(cidr)
                propagated.append(_propagated_view(target, cidr))
    return sorted(static + propagated, key=lambda r: _sort_key(r["DestinationCidrBlock"]))


def _static(backend: Any, cidr: str, attachment_id: str | None, blackhole: bool) -> Route:
    stored: Route = {
        "destinationCidrBlock": cidr,
        "prefixListId": None,
        "state": "blackhole" if blackhole else "active",
        "type": "static",
    }
    if not blackhole:
        # EC2 requires one of the two; a route without either is refused by the real API.
        if not attachment_id:
            raise InvalidParameterValueError(
                "Either TransitGatewayAttachmentId or Blackhole must be specified."
            )
        target = associations.attachment(backend, attachment_id)
        stored["transitGatewayAttachments"] = {
            "resourceId": target.resource_id,
            "resourceType": target.resource_type,
            "transitGatewayAttachmentId": target.id,
        }
    return stored


def _static_view(backend: Any, stored: Route) -> Route:
    view: Route = {
        "DestinationCidrBlock": stored["destinationCidrBlock"],
        "Type": "static",
        "State": stored["state"],
    }
    target = stored.get("transitGatewayAttachments")
    if target:
        view["TransitGatewayAttachments"] = [
            {
                "ResourceId": target["resourceId"],
                "TransitGatewayAttachmentId": target["transitGatewayAttachmentId"],
                "ResourceType": target["resourceType"],
            }
        ]
        attachment = backend.transit_gateway_attachments.get(target["transitGatewayAttachmentId"])
        if attachment is None or attachment.state == "deleted":
            view["State"] = "blackhole"
    return view


def _propagated_view(target: Any, cidr: str) -> Route:
    return {
        "DestinationCidrBlock": cidr,
        "TransitGatewayAttachments": [
            {
                "ResourceId": target.resource_id,
                "TransitGatewayAttachmentId": target.id,
                "ResourceType": target.resource_type,
            }
        ],
        "Type": "propagated",
        "State": "active",
    }


def _propagated_cidrs(backend: Any, target: Any) -> list[str]:
    # Only VPC attachments propagate in the sandbox; IPv6 CIDRs are left out (EC2 propagates them
    # only with Ipv6Support on, which eastwest does not use).
    if target.resource_type != "vpc":
        return []
    vpc = backend.vpcs.get(target.resource_id)
    if vpc is None:
        return []
    return [str(c["cidr_block"]) for c in vpc.get_cidr_block_association_set(ipv6=False)]


def _search(routes: list[Route], filters: dict[str, list[str]]) -> list[Route]:
    for name, values in filters.items():
        wanted = [str(v) for v in values]
        if name in _ATTRIBUTE_FILTERS:
            routes = [r for r in routes if _ATTRIBUTE_FILTERS[name](r) & set(wanted)]
        elif name in _CIDR_FILTERS:
            routes = [r for r in routes if _relates(r, wanted, _CIDR_FILTERS[name])]
        elif name == _LONGEST_PREFIX:
            routes = _longest_prefix(routes, [_network(v) for v in wanted])
        else:
            raise InvalidParameterValueError(f"The filter '{name}' is invalid")
    return routes


def _relates(
    route: Route, wanted: Iterable[str], relation: Callable[[Network, Network], bool]
) -> bool:
    network = _network(route["DestinationCidrBlock"])
    for value in wanted:
        other = _network(value)
        if other.version == network.version and relation(network, other):
            return True
    return False


def _longest_prefix(routes: list[Route], wanted: list[Network]) -> list[Route]:
    """Per searched CIDR, the routes covering it with the longest prefix."""
    keep: set[str] = set()
    for value in wanted:
        covering = [
            r
            for r in routes
            if (n := _network(r["DestinationCidrBlock"])).version == value.version
            and value.subnet_of(n)  # type: ignore[arg-type]
        ]
        if covering:
            longest = max(_network(r["DestinationCidrBlock"]).prefixlen for r in covering)
            keep.update(
                r["DestinationCidrBlock"]
                for r in covering
                if _network(r["DestinationCidrBlock"]).prefixlen == longest
            )
    return [r for r in routes if r["DestinationCidrBlock"] in keep]


def _targets(route: Route, key: str) -> set[str]:
    return {str(target[key]) for target in route.get("TransitGatewayAttachments") or []}


def _network(cidr: Any) -> Network:
    try:
        return ipaddress.ip_network(str(cidr), strict=False)
    except ValueError:
        raise InvalidParameterValueError(f"Invalid CIDR: {cidr}") from None


def _sort_key(cidr: str) -> tuple[int, int, int]:
    network = _network(cidr)
    return network.version, int(network.network_address), network.prefixlen


def _max_results(raw: Any) -> int:
    low, high = _MAX_RESULTS
    if raw is None:
        return high
    try:
        value = int(raw)
    except (TypeError, ValueError):
        value = 0
    if not low <= value <= high:
        raise InvalidParameterValueError(
            f"Value ( {raw} ) for parameter maxResults is invalid. "
            f"Expecting a value between {low} and {high}."
        )
    return value
