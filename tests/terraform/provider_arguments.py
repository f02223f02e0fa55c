"""The argument names the azurerm, alicloud and panos modules rely on, and where each is
documented.

No azurerm, alicloud or panos provider binary can be installed on these machines (no internet), so
``terraform validate`` cannot check the Azure and Alibaba output. This table stands in for the
providers' schemas: per resource type, the required arguments, the optional ones eastwest uses,
and the documentation page they were read from. ``test_provider_arguments.py`` checks every
generated resource against it: each required argument present, no argument outside the table.

Sources: the providers' own documentation sources (``website/docs/r/<name>.html.markdown``),
which the Terraform Registry renders at the URL given. azurerm pages were read at the commits
named (the argument names used have not changed from 2.x to 4.x; ``disable_bgp_route_propagation``,
renamed in 4.0, is deliberately not used). alicloud pages were read at
aliyun/terraform-provider-alicloud@81c43b6727a0 (1.290.0 unreleased, after 1.289.0), and the
import id formats in ``terraform/alibaba.py`` from that commit's resource code
(``d.SetId(...)`` of each resource). The ``docs`` search corpus holds the alicloud pages too
(help.aliyun.com/zh/terraform/alicloud-security-group-rule,
help.aliyun.com/document_detail/2589050.html for the TR route table); it holds no
registry.terraform.io page for azurerm, so the azurerm names come from the provider repository's
documentation sources only.
"""

from __future__ import annotations

from dataclasses import dataclass

# Terraform's own meta-arguments, allowed in every resource.
META = frozenset({"provider", "lifecycle", "depends_on", "count", "for_each"})

_AZURERM = "https://registry.terraform.io/providers/hashicorp/azurerm/latest/docs/resources/"
_ALICLOUD = "https://registry.terraform.io/providers/aliyun/alicloud/latest/docs/resources/"
_AZ_SRC = "hashicorp/terraform-provider-azurerm:website/docs/r/"
_ALI_SRC = "aliyun/terraform-provider-alicloud@81c43b6727a0:website/docs/r/"
# The panos provider (2.x) documents its schema in docs/resources/<name>.md, read at v2.0.12.
_PANOS = "https://registry.terraform.io/providers/PaloAltoNetworks/panos/latest/docs/resources/"
_PANOS_SRC = "PaloAltoNetworks/terraform-provider-panos@c97b175a:docs/resources/"


@dataclass(frozen=True)
class Arguments:
    required: frozenset[str]
    optional: frozenset[str]
    url: str
    source: str
    blocks: tuple[tuple[str, frozenset[str]], ...] = ()  # nested block → its argument names


def _args(required: str, optional: str, url: str, source: str, **blocks: str) -> Arguments:
    return Arguments(
        frozenset(required.split()),
        frozenset(optional.split()),
        url,
        source,
        tuple((name, frozenset(names.split())) for name, names in blocks.items()),
    )


PROVIDER_ARGUMENTS: dict[str, Arguments] = {
    # -- azurerm ---------------------------------------------------------------------------
    "azurerm_network_security_group": _args(
        "name resource_group_name location",
        "tags",  # security_rule (inline) deliberately unused: standalone rules only
        _AZURERM + "network_security_group",
        _AZ_SRC + "network_security_group.html.markdown@00588f6fb7ad",
    ),
    "azurerm_network_security_rule": _args(
        "name resource_group_name network_security_group_name protocol access priority direction",
        "description source_port_range destination_port_range source_address_prefix "
        "source_address_prefixes destination_address_prefix destination_address_prefixes",
        _AZURERM + "network_security_rule",
        _AZ_SRC + "network_security_rule.html.markdown@083745c2bded",
    ),
    "azurerm_subnet_network_security_group_association": _args(
        "subnet_id network_security_group_id",
        "",
        _AZURERM + "subnet_network_security_group_association",
        _AZ_SRC + "subnet_network_security_group_association.html.markdown@06f4d667cafc",
    ),
    "azurerm_route_table": _args(
        "name resource_group_name location",
        "tags",  # route (inline) deliberately unused: standalone routes only
        _AZURERM + "route_table",
        _AZ_SRC + "route_table.html.markdown@0177a6ca6e8b",
    ),
    "azurerm_route": _args(
        "name resource_group_name route_table_name address_prefix next_hop_type",
        "next_hop_in_ip_address",
        _AZURERM + "route",
        _AZ_SRC + "route.html.markdown@07c381936534",
    ),
    "azurerm_subnet_route_table_association": _args(
        "subnet_id route_table_id",
        "",
        _AZURERM + "subnet_route_table_association",
        _AZ_SRC + "subnet_route_table_association.html.markdown@06f4d667cafc",
    ),
    "azurerm_virtual_network_peering": _args(
        "name resource_group_name virtual_network_name remote_virtual_network_id",
        "allow_virtual_network_access allow_forwarded_traffic allow_gateway_transit "
        "use_remote_gateways",
        _AZURERM + "virtual_network_peering",
        _AZ_SRC + "virtual_network_peering.html.markdown@06a7088c68e9",
    ),
    # -- alicloud --------------------------------------------------------------------------
    "alicloud_security_group": _args(
        "",
        "security_group_name description vpc_id security_group_type tags",
        _ALICLOUD + "security_group",
        _ALI_SRC + "security_group.html.markdown",
    ),
    "alicloud_security_group_rule": _args(
        "security_group_id type ip_protocol",
        "policy priority cidr_ip ipv6_cidr_ip prefix_list_id port_range nic_type description",
        _ALICLOUD + "security_group_rule",
        _ALI_SRC + "security_group_rule.html.markdown",
    ),
    "alicloud_vpc_prefix_list": _args(
        "",
        "entrys ip_version max_entries prefix_list_description prefix_list_name tags",
        _ALICLOUD + "vpc_prefix_list",
        _ALI_SRC + "vpc_prefix_list.html.markdown",
        entrys="cidr description",
    ),
    "alicloud_route_entry": _args(
        "route_table_id",
        "destination_cidrblock nexthop_type nexthop_id name description",
        _ALICLOUD + "route_entry",
        _ALI_SRC + "route_entry.html.markdown",
    ),
    "alicloud_cen_transit_router_route_table": _args(
        "transit_router_id",
        "transit_router_route_table_name transit_router_route_table_description tags",
        _ALICLOUD + "cen_transit_router_route_table",
        _ALI_SRC + "cen_transit_router_route_table.html.markdown",
    ),
    "alicloud_cen_transit_router_route_table_association": _args(
        "transit_router_attachment_id transit_router_route_table_id",
        "",
        _ALICLOUD + "cen_transit_router_route_table_association",
        _ALI_SRC + "cen_transit_router_route_table_association.html.markdown",
    ),
    "alicloud_cen_transit_router_route_table_propagation": _args(
        "transit_router_route_table_id transit_router_attachment_id",
        "",
        _ALICLOUD + "cen_transit_router_route_table_propagation",
        _ALI_SRC + "cen_transit_router_route_table_propagation.html.markdown",
    ),
    "alicloud_cen_transit_router_route_entry": _args(
        "transit_router_route_table_id transit_router_route_entry_destination_cidr_block "
        "transit_router_route_entry_next_hop_type",
        "transit_router_route_entry_name transit_router_route_entry_description "
        "transit_router_route_entry_next_hop_id",
        _ALICLOUD + "cen_transit_router_route_entry",
        _ALI_SRC + "cen_transit_router_route_entry.html.markdown",
    ),
    # -- panos (location, protocol, schedule_type, position: nested attributes, not lists) --
    "panos_administrative_tag": _args(
        "location name",
        "color",
        _PANOS + "administrative_tag",
        _PANOS_SRC + "administrative_tag.md",
    ),
    "panos_address": _args(
        "location name",
        "description ip_netmask tags",
        _PANOS + "address",
        _PANOS_SRC + "address.md",
    ),
    "panos_address_group": _args(
        "location name",
        "description static dynamic tag",
        _PANOS + "address_group",
        _PANOS_SRC + "address_group.md",
    ),
    # The 2.x page (PaloAltoNetworks/terraform-provider-panos v2.0.12 docs/resources/ip_tag.md)
    # is not in the stored snapshot, which holds the 1.x page; the 2.x schema (location, ip,
    # tags) as the provider's Pulumi bridge publishes it for 2.0.12:
    # https://www.pulumi.com/registry/packages/panos/api-docs/iptag/
    "panos_ip_tag": _args("location ip", "tags", _PANOS + "ip_tag", _PANOS_SRC + "ip_tag.md"),
    "panos_service": _args(
        "location name",
        "description protocol tags",
        _PANOS + "service",
        _PANOS_SRC + "service.md",
    ),
    "panos_schedule": _args(
        "location name", "schedule_type", _PANOS + "schedule", _PANOS_SRC + "schedule.md"
    ),
    "panos_security_policy_rules": _args(
        "location position rules",
        "",
        _PANOS + "security_policy_rules",
        _PANOS_SRC + "security_policy_rules.md",
        rules="name action applications category description destination_addresses "
        "destination_zones log_end profile_setting schedule services source_addresses "
        "source_users source_zones tag",
    ),
}
