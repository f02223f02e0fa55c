"""Patches that bring moto 5.2.5's EC2 closer to real EC2 where eastwest depends on it.

In: nothing. Out: ``apply_patches()`` replaces a few moto methods, once per process; calling it
again does nothing. Always: every replacement carries a docstring naming the EC2 behaviour it
restores, and the table below is the whole list (docs/sandbox.md explains each entry).

Patches touch classes, not instances, so they hold for server mode and for ``mock_aws`` alike,
and they survive ``/moto-api/reset`` (which rebuilds backends, not classes).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from moto.ec2.models.elastic_network_interfaces import NetworkInterface, NetworkInterfaceBackend
from moto.ec2.models.instances import InstanceBackend
from moto.ec2.models.managed_prefixes import ManagedPrefixListBackend
from moto.ec2.models.nat_gateways import NatGateway
from moto.ec2.models.route_tables import RouteBackend
from moto.ec2.models.security_groups import (
    SecurityGroup,
    SecurityGroupBackend,
    SecurityGroupRule,
)
from moto.ec2.models.transit_gateway import TransitGateway, TransitGatewayBackend
from moto.ec2.models.transit_gateway_attachments import TransitGatewayAttachmentBackend
from moto.ec2.models.transit_gateway_route_tables import TransitGatewayRouteTableBackend
from moto.ec2.models.vpcs import VPCBackend
from moto.ec2.responses import EC2Response

from moto_fixtures.aws import authorize, pagination, prefix_lists, rule_descriptions, vpc_routes
from moto_fixtures.aws import network_interfaces as enis
from moto_fixtures.aws import transit_associations as tgw_associations
from moto_fixtures.aws import transit_gateways as tgw
from moto_fixtures.aws import transit_routes as tgw_routes
from moto_fixtures.aws import transit_tables as tgw_tables

_MARK = "__eastwest_patch__"


@dataclass(frozen=True)
class Patch:
    """Replace ``target.name`` with ``replace(original)``.

    ``original`` is None when moto lacks the method (the patch adds an action moto does not
    implement, e.g. ReplaceTransitGatewayRoute).
    """

    target: type
    name: str
    replace: Callable[[Any], Callable[..., Any]]


PATCHES: tuple[Patch, ...] = (
    Patch(
        TransitGatewayRouteTableBackend,
        "get_all_transit_gateway_route_tables",
        tgw_tables.filter_by_tags,
    ),
    Patch(EC2Response, "describe_vpcs", pagination.paginate("DescribeVpcs", "Vpcs")),
    Patch(EC2Response, "describe_subnets", pagination.paginate("DescribeSubnets", "Subnets")),
    Patch(
        EC2Response,
        "describe_security_groups",
        pagination.paginate("DescribeSecurityGroups", "SecurityGroups"),
    ),
    Patch(
        EC2Response,
        "describe_security_group_rules",
        pagination.paginate("DescribeSecurityGroupRules", "SecurityGroupRules"),
    ),
    Patch(
        EC2Response,
        "describe_managed_prefix_lists",
        pagination.paginate("DescribeManagedPrefixLists", "PrefixLists"),
    ),
    Patch(
        EC2Response,
        "get_managed_prefix_list_entries",
        pagination.paginate("GetManagedPrefixListEntries", "Entries"),
    ),
    Patch(EC2Response, "authorize_security_group_ingress", authorize.atomic("ingress")),
    Patch(EC2Response, "authorize_security_group_egress", authorize.atomic("egress")),
    Patch(EC2Response, "create_managed_prefix_list", prefix_lists.create_response),
    Patch(EC2Response, "modify_managed_prefix_list", prefix_lists.modify_response),
    Patch(ManagedPrefixListBackend, "create_managed_prefix_list", prefix_lists.create_model),
    Patch(ManagedPrefixListBackend, "modify_managed_prefix_list", prefix_lists.modify_model),
    Patch(SecurityGroupRule, "__init__", rule_descriptions.remember),
    Patch(SecurityGroup, "_flattened_rules", rule_descriptions.in_groups),
    Patch(
        SecurityGroupBackend,
        "describe_security_group_rules",
        rule_descriptions.in_rules,
    ),
    # Transit gateway and VPC routing (transit_*.py, vpc_routes.py).
    Patch(TransitGateway, "__init__", tgw.create_gateway),
    Patch(TransitGatewayBackend, "modify_transit_gateway", tgw.modify_gateway),
    Patch(
        TransitGatewayAttachmentBackend,
        "create_transit_gateway_vpc_attachment",
        tgw.create_vpc_attachment,
    ),
    Patch(
        TransitGatewayAttachmentBackend,
        "delete_transit_gateway_vpc_attachment",
        tgw.delete_vpc_attachment,
    ),
    Patch(
        TransitGatewayRouteTableBackend,
        "associate_transit_gateway_route_table",
        tgw_associations.associate,
    ),
    Patch(
        TransitGatewayRouteTableBackend,
        "disassociate_transit_gateway_route_table",
        tgw_associations.disassociate,
    ),
    Patch(
        TransitGatewayRouteTableBackend,
        "enable_transit_gateway_route_table_propagation",
        tgw_associations.enable_propagation,
    ),
    Patch(
        TransitGatewayRouteTableBackend,
        "disable_transit_gateway_route_table_propagation",
        tgw_associations.disable_propagation,
    ),
    Patch(
        TransitGatewayRouteTableBackend,
        "get_transit_gateway_route_table_associations",
        tgw_associations.known_table,
    ),
    Patch(
        TransitGatewayRouteTableBackend,
        "get_transit_gateway_route_table_propagations",
        tgw_associations.known_table,
    ),
    Patch(TransitGatewayRouteTableBackend, "create_transit_gateway_route", tgw_routes.create_model),
    Patch(
        TransitGatewayRouteTableBackend, "replace_transit_gateway_route", tgw_routes.replace_model
    ),
    Patch(TransitGatewayRouteTableBackend, "delete_transit_gateway_route", tgw_routes.delete_model),
    Patch(
        TransitGatewayRouteTableBackend, "search_transit_gateway_routes", tgw_routes.search_model
    ),
    Patch(EC2Response, "replace_transit_gateway_route", tgw_routes.replace_response),
    Patch(EC2Response, "search_transit_gateway_routes", tgw_routes.search_response),
    Patch(RouteBackend, "create_route", vpc_routes.create_model),
    Patch(RouteBackend, "replace_route", vpc_routes.replace_model),
    Patch(EC2Response, "replace_route", vpc_routes.replace_response),
    *(
        Patch(EC2Response, handler, pagination.paginate(action, result_key))
        for handler, action, result_key in (
            # moto's handlers answer these under camelCase keys; the serialiser maps them.
            (
                "describe_transit_gateway_route_tables",
                "DescribeTransitGatewayRouteTables",
                "transitGatewayRouteTables",
            ),
            (
                "describe_transit_gateway_attachments",
                "DescribeTransitGatewayAttachments",
                "TransitGatewayAttachments",
            ),
            (
                "describe_transit_gateway_vpc_attachments",
                "DescribeTransitGatewayVpcAttachments",
                "TransitGatewayVpcAttachments",
            ),
            (
                "get_transit_gateway_route_table_associations",
                "GetTransitGatewayRouteTableAssociations",
                "associations",
            ),
            (
                "get_transit_gateway_route_table_propagations",
                "GetTransitGatewayRouteTablePropagations",
                "transitGatewayRouteTablePropagations",
            ),
            ("describe_route_tables", "DescribeRouteTables", "RouteTables"),
            ("describe_vpc_endpoints", "DescribeVpcEndpoints", "VpcEndpoints"),
        )
    ),
    # Workload ENIs and their groups (network_interfaces.py).
    Patch(
        EC2Response,
        "describe_network_interfaces",
        lambda original: enis.ids_or_max_results(
            pagination.paginate("DescribeNetworkInterfaces", "NetworkInterfaces")(original)
        ),
    ),
    Patch(NetworkInterface, "group_set", enis.own_groups),
    Patch(NetworkInterface, "get_filter_value", enis.group_name_filter),
    Patch(NetworkInterfaceBackend, "modify_network_interface_attribute", enis.modify_model),
    Patch(NetworkInterfaceBackend, "create_network_interface", enis.create_model),
    Patch(InstanceBackend, "modify_instance_security_groups", enis.instance_groups_model),
    Patch(NatGateway, "__init__", enis.nat_gateway_model),
    Patch(VPCBackend, "create_vpc_endpoint", enis.vpc_endpoint_model),
)

_lock = threading.Lock()


def apply_patches() -> None:
    """Install every patch in ``PATCHES`` unless it is installed already."""
    with _lock:
        for patch in PATCHES:
            current = getattr(patch.target, patch.name, None)
            if getattr(current, _MARK, False):
                continue
            replacement = patch.replace(current)
            setattr(replacement, _MARK, True)
            replacement.__name__ = patch.name
            replacement.__qualname__ = f"{patch.target.__name__}.{patch.name}"
            setattr(patch.target, patch.name, replacement)


def patched() -> bool:
    """Whether every patch is installed (the server asserts this before it serves)."""
    return all(getattr(getattr(p.target, p.name, None), _MARK, False) for p in PATCHES)
