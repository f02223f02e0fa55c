"""The Azure module (azurerm): NSGs with standalone rules, their subnet associations, the
hub-spoke routes (UDRs) with eastwest's own route tables, and eastwest's hub-spoke peerings
(``hubs[].peerings: create``, one per direction), as Terraform JSON.

In: the Azure scopes of a ``DesiredState`` and the ``World`` (each account's resource group, the
VNets' subnets with their prefixes, each subnet's route table). Out: the ``azure/`` module, the
root's provider configurations and module call, import blocks and their ARM ids.
Always: exactly what ``providers/azure/{writer,route_writer,peering_writer}.py`` write (names,
tags, rule content, the two ``eastwest-deny-vnet-*`` rules, priorities as the adapter's
allocator gives them in a new NSG, route names ``eastwest-<policy>-<cidr>``, peering names
``eastwest-<policy>-<remote VNet>``); rules and routes are standalone
resources, never inline blocks (the provider's documentation: mixing the two overwrites rules);
VNets, subnets, the hub and route tables eastwest did not create are named by ARM id or name,
never declared. An address set is not a resource on Azure: its prefixes are inside the rules.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from orchestrator.diagnostics import Diagnostic
from orchestrator.state import (
    AddressSet,
    DesiredScope,
    FirewallGroup,
    FlowRule,
    NetworkRoute,
    ObservedScope,
    Scope,
    Subnet,
)
from orchestrator.state.names import owned_table_name
from orchestrator.state.resources import Direction, address_set_key
from orchestrator.state.routes import NetworkPeering, route_owner
from terraform import azure_names as az
from terraform.names import provider_alias, unique_names
from terraform.world import World

SOURCE = "hashicorp/azurerm"
# 4.x: ``subscription_id`` is required in the provider block; the arguments used here are the
# same from 2.x through 4.x. Not validated on this machine (no azurerm binary is installed).
VERSION = "~> 4.0"

Json = dict[str, Any]
Build = Callable[[Mapping[str, str]], Json]
Present = Callable[[ObservedScope, World], bool]


@dataclass(frozen=True, slots=True)
class Item:
    """One resource the module declares: its key (a neutral key, or a pseudo-key below one),
    type, ARM id (its import id), how to build its arguments once names are known, and how to
    tell from an observation that it already exists."""

    key: str
    scope: Scope
    rtype: str
    arm_id: str
    build: Build
    present: Present


def items(policy: str, scopes: Sequence[DesiredScope], world: World) -> list[Item]:
    found: list[Item] = []
    for desired in scopes:
        found.extend(_security(policy, desired, world))
        found.extend(_routing(policy, desired, world))
        found.extend(_peerings(desired, world))
    return sorted(found, key=lambda i: i.key)


def _base(scope: Scope, world: World) -> str:
    return (
        f"/subscriptions/{scope.account}/resourceGroups/{world.resource_group(scope)}"
        "/providers/Microsoft.Network"
    )


# -- NSGs ------------------------------------------------------------------------------------


def _security(policy: str, desired: DesiredScope, world: World) -> Iterator[Item]:
    scope, base = desired.scope, _base(desired.scope, world)
    rg = world.resource_group(scope)
    rules = desired.of_kind(FlowRule)
    for group in sorted(desired.of_kind(FirewallGroup), key=lambda g: g.key):
        nsg_id = f"{base}/networkSecurityGroups/{az.nsg_name(group)}"
        yield Item(
            group.key, scope, "azurerm_network_security_group", nsg_id,
            partial(_nsg, policy, group, rg), partial(_has, group.key),
        )  # fmt: skip
        mine = [r for r in rules if r.group == group.key]
        slots = az.new_nsg_priorities(mine)
        for rule in mine:
            yield Item(
                rule.key, scope, "azurerm_network_security_rule",
                f"{nsg_id}/securityRules/{az.rule_name(rule)}",
                partial(_rule, rule, slots[rule.key], _prefixes(desired, rule), rg),
                partial(_observed, rule.key),
            )  # fmt: skip
        for direction, name in az.DENY_NAMES.items():
            yield Item(
                f"{group.key}/deny/{direction}", scope, "azurerm_network_security_rule",
                f"{nsg_id}/securityRules/{name}", partial(_deny, group.key, direction, rg),
                partial(_lacks, group.key, (f"deny rule {name} is missing",)),
            )  # fmt: skip
        # attach: none associates nothing (the user's tooling does).
        subnets = _members(desired, group.network, group.segment, world)
        for subnet in subnets if group.attach != "none" else ():
            yield Item(
                f"{group.key}/subnet/{subnet.id}", scope,
                "azurerm_subnet_network_security_group_association",
                f"{base}/virtualNetworks/{group.network}/subnets/{subnet.id}",
                partial(_nsg_association, group.key, f"{base}/virtualNetworks/{group.network}"
                        f"/subnets/{subnet.id}"),
                partial(_lacks, group.key, (f"subnet {subnet.id} is not associated",
                                            f"subnet {subnet.id} has NSG")),
            )  # fmt: skip


def _members(desired: DesiredScope, network: str, segment: str, world: World) -> list[Subnet]:
    """The VNet's subnets inside the segment's prefixes (``translate.member_subnets``). Without
    the segment's address set in the scope the adapter knows no prefixes and associates none."""
    aset = desired.resources.get(address_set_key(desired.scope, segment))
    inventory = world.inventory.get(desired.scope)
    if not isinstance(aset, AddressSet) or inventory is None:
        return []
    nets = [ipaddress.ip_network(c, strict=False) for c in aset.cidrs]
    subnets = inventory.subnets_of(network)
    inside = [s for s in subnets if s.cidrs and all(_inside(c, nets) for c in s.cidrs)]
    return sorted(inside, key=lambda s: s.id)


def _inside(cidr: str, nets: list[Any]) -> bool:
    block = ipaddress.ip_network(cidr, strict=False)
    return any(block.version == n.version and block.subnet_of(n) for n in nets)


def _prefixes(desired: DesiredScope, rule: FlowRule) -> list[str]:
    kind, _, value = rule.peer.partition(":")
    if kind == "cidr":
        return [value]
    aset = desired.resources.get(address_set_key(desired.scope, value))
    if kind != "set" or not isinstance(aset, AddressSet) or not aset.cidrs:
        raise ValueError(f"{rule.key}: no address prefixes are known for {rule.peer}")
    return sorted(aset.cidrs)


def _nsg(policy: str, group: FirewallGroup, rg: str, where: Mapping[str, str]) -> Json:
    return {
        "name": az.nsg_name(group),
        "location": group.scope.region,
        "resource_group_name": rg,
        "tags": az.ownership_tags(policy, group),
        "lifecycle": {"ignore_changes": [f'tags["{az.TAG_RULES_DIGEST}"]']},
    }


def _rule(
    rule: FlowRule, priority: int, prefixes: list[str], rg: str, where: Mapping[str, str]
) -> Json:
    protocol = az.ARM_PROTOCOL.get(rule.protocol)
    if protocol is None or (rule.protocol == "icmp" and rule.from_port != -1):
        raise ValueError(f"{rule.key}: an NSG rule cannot express protocol {rule.ports!r}")
    ports = "*" if rule.protocol in ("all", "icmp") else _port_range(rule.from_port, rule.to_port)
    sides = ("source", "destination")
    peer, local = sides if rule.direction == "ingress" else sides[::-1]
    return {
        "name": az.rule_name(rule),
        "resource_group_name": rg,
        "network_security_group_name": f"${{{where[rule.group]}.name}}",
        "description": az.rule_description(rule),
        "protocol": protocol,
        "source_port_range": "*",
        "destination_port_range": ports,
        f"{peer}_address_prefixes": prefixes,
        f"{local}_address_prefix": "*",
        "access": "Allow",
        "priority": priority,
        "direction": az.ARM_DIRECTION[rule.direction],
    }


def _port_range(lo: int, hi: int) -> str:
    return str(lo) if lo == hi else f"{lo}-{hi}"


def _deny(group: str, direction: Direction, rg: str, where: Mapping[str, str]) -> Json:
    return {
        "name": az.DENY_NAMES[direction],
        "resource_group_name": rg,
        "network_security_group_name": f"${{{where[group]}.name}}",
        "description": az.DENY_DESCRIPTION,
        "protocol": "*",
        "source_port_range": "*",
        "destination_port_range": "*",
        "source_address_prefix": "VirtualNetwork",
        "destination_address_prefix": "VirtualNetwork",
        "access": "Deny",
        "priority": az.HIGHEST,
        "direction": az.ARM_DIRECTION[direction],
    }


def _nsg_association(group: str, subnet_id: str, where: Mapping[str, str]) -> Json:
    return {"subnet_id": subnet_id, "network_security_group_id": f"${{{where[group]}.id}}"}


# -- routes (UDRs) and eastwest's own route tables --------------------------------------------


def _routing(policy: str, desired: DesiredScope, world: World) -> Iterator[Item]:
    scope, base = desired.scope, _base(desired.scope, world)
    rg = world.resource_group(scope)
    found = [r for r in desired.resources.values() if isinstance(r, NetworkRoute)]
    routes = sorted(found, key=lambda r: r.key)
    owned = sorted({(r.table, r.network) for r in routes if _is_owned(policy, r.table)})
    for route in routes:
        table_id = f"{base}/routeTables/{route.table}"
        yield Item(
            route.key, scope, "azurerm_route",
            f"{table_id}/routes/{az.route_name(policy, route.destination)}",
            partial(_route, policy, route, rg, _is_owned(policy, route.table)),
            partial(_observed, route.key),
        )  # fmt: skip
    for table, network in owned:
        owner = route_owner(scope, table)
        yield Item(
            owner, scope, "azurerm_route_table", f"{base}/routeTables/{table}",
            partial(_route_table, policy, scope, table, network, rg=rg),
            partial(_has_routes, table),
        )  # fmt: skip
        for subnet in _unserved(policy, desired, table, network, world):
            subnet_id = f"{base}/virtualNetworks/{network}/subnets/{subnet.id}"
            yield Item(
                f"{owner}/subnet/{network}/{subnet.id}", scope,
                "azurerm_subnet_route_table_association", subnet_id,
                partial(_table_association, owner, subnet_id),
                partial(_served, table, f"{network}/{subnet.id}"),
            )  # fmt: skip


def _is_owned(policy: str, table: str) -> bool:
    """As the adapter tells them: a route table of eastwest's name is eastwest's own."""
    return table.startswith(az.route_prefix(policy))


def _unserved(
    policy: str, desired: DesiredScope, table: str, network: str, world: World
) -> list[Subnet]:
    """The subnets the adapter gives its table: the segment's subnets of the VNet that have no
    route table (or have this one already)."""
    segments = sorted(a.segment for a in desired.of_kind(AddressSet))
    segment = next((s for s in segments if owned_table_name(policy, s, network) == table), None)
    if segment is None:
        return []
    tables = world.subnet_tables.get(desired.scope, {})
    return [
        s
        for s in _members(desired, network, segment, world)
        if tables.get(f"{network}/{s.id}") in (None, table)
    ]


def _route(
    policy: str, route: NetworkRoute, rg: str, owned: bool, where: Mapping[str, str]
) -> Json:
    table = f"${{{where[route_owner(route.scope, route.table)]}.name}}" if owned else route.table
    body: Json = {
        "name": az.route_name(policy, route.destination),
        "resource_group_name": rg,
        "route_table_name": table,
        "address_prefix": route.destination,
    }
    if route.target == az.BLACKHOLE:
        return body | {"next_hop_type": "None"}
    ipaddress.ip_address(route.target)  # a ValueError for anything but an appliance address
    return body | {"next_hop_type": "VirtualAppliance", "next_hop_in_ip_address": route.target}


def _route_table(
    policy: str, scope: Scope, table: str, network: str, where: Mapping[str, str], *, rg: str
) -> Json:
    return {
        "name": table,
        "location": scope.region,
        "resource_group_name": rg,
        "tags": az.owned_table_tags(policy, scope, table, network),
        "lifecycle": {"ignore_changes": [f'tags["{az.digest_tag(policy)}"]']},
    }


def _table_association(owner: str, subnet_id: str, where: Mapping[str, str]) -> Json:
    return {"subnet_id": subnet_id, "route_table_id": f"${{{where[owner]}.id}}"}


# -- hub-spoke peerings (``hubs[].peerings: create``) ------------------------------------------


def _peerings(desired: DesiredScope, world: World) -> Iterator[Item]:
    """One peering per direction, named as the neutral resource says (eastwest's by name)."""
    scope, base = desired.scope, _base(desired.scope, world)
    rg = world.resource_group(scope)
    found = [r for r in desired.resources.values() if isinstance(r, NetworkPeering)]
    for peering in sorted(found, key=lambda r: r.key):
        yield Item(
            peering.key, scope, "azurerm_virtual_network_peering",
            f"{base}/virtualNetworks/{peering.network}/virtualNetworkPeerings/{peering.name}",
            partial(_peering, peering, rg, base),
            partial(_observed, peering.key),
        )  # fmt: skip


def _peering(peering: NetworkPeering, rg: str, base: str, where: Mapping[str, str]) -> Json:
    return {
        "name": peering.name,
        "resource_group_name": rg,
        "virtual_network_name": peering.network,
        "remote_virtual_network_id": f"{base}/virtualNetworks/{peering.remote}",
        "allow_virtual_network_access": peering.network_access,
        "allow_forwarded_traffic": peering.forwarded,
        "allow_gateway_transit": False,
        "use_remote_gateways": False,
    }


# -- what exists (for import blocks) ------------------------------------------------------------


def _has(key: str, seen: ObservedScope, world: World) -> bool:
    return key in seen.native


def _observed(key: str, seen: ObservedScope, world: World) -> bool:
    return key in seen.resources


def _lacks(group: str, problems: tuple[str, ...], seen: ObservedScope, world: World) -> bool:
    """The group exists and its observed description reports none of ``problems`` (how the
    reader says a deny rule or a subnet association is missing)."""
    found = seen.resources.get(group)
    if not isinstance(found, FirewallGroup) or group not in seen.native:
        return False
    return not any(p in found.description for p in problems)


def _has_routes(table: str, seen: ObservedScope, world: World) -> bool:
    """eastwest's table exists while it holds one of eastwest's routes (it is deleted with
    the last one)."""
    return any(isinstance(r, NetworkRoute) and r.table == table for r in seen.resources.values())


def _served(table: str, subnet: str, seen: ObservedScope, world: World) -> bool:
    return world.subnet_tables.get(seen.scope, {}).get(subnet) == table


# -- the module ----------------------------------------------------------------------------------


def addresses(policy: str, scopes: Sequence[DesiredScope], world: World) -> dict[str, str]:
    found = items(policy, scopes, world)
    names = unique_names((i.key, i.scope) for i in found)
    return {i.key: f"{i.rtype}.{names[i.key]}" for i in found}


def module(policy: str, scopes: list[DesiredScope], world: World | None = None) -> Json:
    world = world or World()
    found = items(policy, scopes, world)
    where = addresses(policy, scopes, world)
    resources: dict[str, dict[str, Json]] = {}
    for item in found:
        rtype, name = where[item.key].split(".", 1)
        body = {"provider": f"azurerm.{provider_alias(item.scope)}"} | item.build(where)
        resources.setdefault(rtype, {})[name] = body
    return {
        "terraform": {"required_providers": {"azurerm": _requirement(scopes)}},
        "resource": resources,
        "output": _outputs(found, where),
    }


def _requirement(scopes: list[DesiredScope]) -> Json:
    aliases = sorted({f"azurerm.{provider_alias(d.scope)}" for d in scopes})
    return {"source": SOURCE, "version": VERSION, "configuration_aliases": aliases}


def _outputs(found: list[Item], where: Mapping[str, str]) -> Json:
    def ids(rtype: str) -> Json:
        return {i.key: f"${{{where[i.key]}.id}}" for i in found if i.rtype == rtype}

    return {
        "network_security_group_ids": {"value": ids("azurerm_network_security_group")},
        "route_table_ids": {"value": ids("azurerm_route_table")},
    }


def providers(scopes: list[DesiredScope]) -> list[Json]:
    """One configuration per subscription and region (the region only names it: resources
    carry their ``location``); ``subscription_id`` pins the subscription, as ARM's URLs do."""
    return [
        {"alias": provider_alias(d.scope), "subscription_id": d.scope.account, "features": [{}]}
        for d in sorted(scopes, key=lambda d: d.scope)
    ]


def module_call(scopes: list[DesiredScope]) -> Json:
    aliases = sorted({f"azurerm.{provider_alias(d.scope)}" for d in scopes})
    return {"source": "./azure", "providers": {alias: alias for alias in aliases}}


def import_blocks(
    policy: str, scopes: list[DesiredScope], native: Mapping[str, str], world: World | None = None
) -> list[Json]:
    where = addresses(policy, scopes, world or World())
    return [
        {"to": f"module.azure.{where[key]}", "id": native[key]}
        for key in sorted(where)
        if key in native
    ]


def import_ids(
    policy: str, desired: DesiredScope, seen: ObservedScope, world: World | None = None
) -> dict[str, str]:
    """Key → ARM id of every declared resource the observation shows already there. Every
    Azure import id is an ARM id built from names, so none comes from the adapter directly."""
    world = world or World()
    return {i.key: i.arm_id for i in items(policy, [desired], world) if i.present(seen, world)}


def caveats(scopes: list[DesiredScope]) -> list[Diagnostic]:
    return []


def sandbox_override(scopes: list[DesiredScope], sandbox: Mapping[str, Any]) -> Json:
    """None: the azurerm provider has no setting that aims it at the sandbox's fake ARM."""
    return {}
