"""VPC routes to a transit gateway, a Gateway Load Balancer endpoint or a prefix list.

Real EC2: ``ReplaceRoute`` accepts every target ``CreateRoute`` does, ``VpcEndpointId`` (a GWLB
endpoint) included, and the route then reads back with the new target only. A ``CreateRoute`` or
``ReplaceRoute`` naming a transit gateway or destination prefix list that does not exist answers
``InvalidTransitGatewayID.NotFound`` / ``InvalidPrefixListID.NotFound``.

moto 5.2.5's ``ReplaceRoute`` drops ``VpcEndpointId`` (the route loses its target) and keeps a
GWLB endpoint target when the route is replaced by another target (the route then shows both);
both calls store a route without target or destination for an unknown transit gateway or prefix
list, and ``CreateRoute`` to a network interface drops ``DestinationPrefixListId`` (the route has
no destination at all).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.ec2.exceptions import InvalidTransitGatewayID, RouteNotSupportedError
from moto.ec2.utils import generate_route_id

from moto_fixtures.aws.exceptions import PrefixListNotFoundError

Method = Callable[..., Any]


def create_model(original: Method) -> Method:
    def create_route(self: Any, route_table_id: str, *args: Any, **kwargs: Any) -> Any:
        """CreateRoute: an unknown transit gateway or prefix list is an error (EC2)."""
        destination_prefix_list_id = kwargs.get("destination_prefix_list_id")
        if destination_prefix_list_id is None and len(args) >= 3:
            destination_prefix_list_id = args[2]
        _check_targets(self, kwargs.get("transit_gateway_id"), destination_prefix_list_id)
        route = original(self, route_table_id, *args, **kwargs)
        if destination_prefix_list_id and route.destination_prefix_list is None:
            _give_destination(self, route, destination_prefix_list_id)
        return route

    return create_route


def replace_model(original: Method) -> Method:
    def replace_route(
        self: Any, *args: Any, vpc_endpoint_id: str | None = None, **kwargs: Any
    ) -> Any:
        """ReplaceRoute: a GWLB endpoint target is kept, any earlier one is cleared (EC2)."""
        _check_targets(
            self, kwargs.get("transit_gateway_id"), kwargs.get("destination_prefix_list_id")
        )
        if vpc_endpoint_id:
            endpoint = self.describe_vpc_endpoints(vpc_end_point_ids=[vpc_endpoint_id])[0]
            # EC2 routes only to Gateway Load Balancer endpoints (as moto's CreateRoute checks).
            if endpoint.vpc_endpoint_type != "GatewayLoadBalancer":
                raise RouteNotSupportedError(vpc_endpoint_id)
        route = original(self, *args, **kwargs)
        route.vpc_endpoint_id = vpc_endpoint_id or None
        return route

    return replace_route


def replace_response(original: Method) -> Method:
    del original  # rewritten: moto's handler does not read VpcEndpointId

    def replace_route(self: Any) -> ActionResult:
        """ReplaceRoute: passes every target, VpcEndpointId included, to the model."""
        self.error_on_dryrun()
        self.ec2_backend.replace_route(
            route_table_id=self._get_param("RouteTableId"),
            destination_cidr_block=self._get_param("DestinationCidrBlock"),
            destination_ipv6_cidr_block=self._get_param("DestinationIpv6CidrBlock"),
            destination_prefix_list_id=self._get_param("DestinationPrefixListId"),
            nat_gateway_id=self._get_param("NatGatewayId"),
            egress_only_igw_id=self._get_param("EgressOnlyInternetGatewayId"),
            transit_gateway_id=self._get_param("TransitGatewayId"),
            gateway_id=self._get_param("GatewayId"),
            instance_id=self._get_param("InstanceId"),
            interface_id=self._get_param("NetworkInterfaceId"),
            vpc_peering_connection_id=self._get_param("VpcPeeringConnectionId"),
            vpc_endpoint_id=self._get_param("VpcEndpointId"),
        )
        return EmptyResult()

    return replace_route


def _give_destination(backend: Any, route: Any, prefix_list_id: str) -> None:
    """moto reads the destination prefix list only for routes that do not go to an ENI."""
    table = route.route_table
    table._routes.pop(route.id, None)
    route.destination_prefix_list = backend.managed_prefix_lists[prefix_list_id]
    route.id = generate_route_id(table.id, None, None, prefix_list_id)
    table._routes[route.id] = route


def _check_targets(
    backend: Any, transit_gateway_id: str | None, prefix_list_id: str | None
) -> None:
    if transit_gateway_id and transit_gateway_id not in backend.transit_gateways:
        raise InvalidTransitGatewayID(transit_gateway_id)
    if prefix_list_id and prefix_list_id not in backend.managed_prefix_lists:
        raise PrefixListNotFoundError(prefix_list_id)
