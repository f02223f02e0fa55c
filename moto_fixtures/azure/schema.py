"""Request bodies checked against the Microsoft.Network 2024-05-01 swagger.

In: a kind's segment (``securityRules``…), the JSON body of a PUT and the id being written. Out:
the writable ``properties`` to store, enum values in their canonical casing. Always: a body that
does not fit raises the ``ArmError`` ARM answers; readOnly and unknown properties are dropped (ARM
ignores both); nothing here touches state. The property tables mirror the swagger definitions
named beside them (``tests/moto_fixtures/azure/test_schema.py`` checks them against the files).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from moto_fixtures.azure.errors import (
    InvalidRequestFormatError,
    InvalidRouteNextHopError,
    SecurityRuleInvalidPriorityError,
)

PROTOCOLS = ("Tcp", "Udp", "Icmp", "Esp", "*", "Ah")  # SecurityRuleProtocol
ACCESS = ("Allow", "Deny")  # SecurityRuleAccess
DIRECTIONS = ("Inbound", "Outbound")  # SecurityRuleDirection
NEXT_HOP_TYPES = ("VirtualNetworkGateway", "VnetLocal", "Internet", "VirtualAppliance", "None")
ALLOCATION = ("Static", "Dynamic")  # IPAllocationMethod
PRIORITY_RANGE = (100, 4096)  # not in the swagger: NRP's own check (SecurityRuleInvalidPriority)


@dataclass(frozen=True)
class Prop:
    """One writable property: ``kind`` is str, int, bool, enum, ref ({id}), refs, strs or obj."""

    kind: str
    enum: tuple[str, ...] = ()
    enum_name: str = ""
    required: bool = False


_S, _I, _B, _REF, _REFS, _STRS, _OBJ = (
    Prop(k) for k in ("str", "int", "bool", "ref", "refs", "strs", "obj")
)

# SecurityRulePropertiesFormat
SECURITY_RULE: Mapping[str, Prop] = {
    "description": _S,
    "protocol": Prop("enum", PROTOCOLS, "SecurityRuleProtocol", required=True),
    "sourcePortRange": _S,
    "destinationPortRange": _S,
    "sourceAddressPrefix": _S,
    "sourceAddressPrefixes": _STRS,
    "sourceApplicationSecurityGroups": _REFS,
    "destinationAddressPrefix": _S,
    "destinationAddressPrefixes": _STRS,
    "destinationApplicationSecurityGroups": _REFS,
    "sourcePortRanges": _STRS,
    "destinationPortRanges": _STRS,
    "access": Prop("enum", ACCESS, "SecurityRuleAccess", required=True),
    "priority": Prop("int", required=True),
    "direction": Prop("enum", DIRECTIONS, "SecurityRuleDirection", required=True),
}
# RoutePropertiesFormat
ROUTE: Mapping[str, Prop] = {
    "addressPrefix": _S,
    "nextHopType": Prop("enum", NEXT_HOP_TYPES, "RouteNextHopType", required=True),
    "nextHopIpAddress": _S,
}
# SubnetPropertiesFormat (the parts eastwest reads or writes)
SUBNET: Mapping[str, Prop] = {
    "addressPrefix": _S,
    "addressPrefixes": _STRS,
    "networkSecurityGroup": _REF,
    "routeTable": _REF,
    "natGateway": _REF,
    "serviceEndpoints": _OBJ,
    "delegations": _OBJ,
    "defaultOutboundAccess": _B,
    "privateEndpointNetworkPolicies": Prop(
        "enum", ("Enabled", "Disabled", "NetworkSecurityGroupEnabled", "RouteTableEnabled")
    ),
    "privateLinkServiceNetworkPolicies": Prop("enum", ("Enabled", "Disabled")),
}
# VirtualNetworkPeeringPropertiesFormat
PEERING: Mapping[str, Prop] = {
    "allowVirtualNetworkAccess": _B,
    "allowForwardedTraffic": _B,
    "allowGatewayTransit": _B,
    "useRemoteGateways": _B,
    "remoteVirtualNetwork": _REF,
    "doNotVerifyRemoteGateways": _B,
    "peerCompleteVnets": _B,
    "enableOnlyIPv6Peering": _B,
    "localSubnetNames": _STRS,
    "remoteSubnetNames": _STRS,
}
NSG: Mapping[str, Prop] = {"flushConnection": _B}  # securityRules: children
ROUTE_TABLE: Mapping[str, Prop] = {"disableBgpRoutePropagation": _B}  # routes: children
VNET: Mapping[str, Prop] = {  # subnets, virtualNetworkPeerings: children
    "addressSpace": _OBJ,
    "dhcpOptions": _OBJ,
    "flowTimeoutInMinutes": _I,
    "enableDdosProtection": _B,
    "enableVmProtection": _B,
}
ASG: Mapping[str, Prop] = {}
# NetworkInterfacePropertiesFormat (the writable parts a workload NIC uses)
NIC: Mapping[str, Prop] = {
    "networkSecurityGroup": _REF,
    "ipConfigurations": _OBJ,
    "enableIPForwarding": _B,
    "enableAcceleratedNetworking": _B,
    "disableTcpStateTracking": _B,
    "nicType": Prop("enum", ("Standard", "Elastic"), "NetworkInterfaceNicType"),
}
# NetworkInterfaceIPConfigurationPropertiesFormat
IP_CONFIGURATION: Mapping[str, Prop] = {
    "privateIPAddress": _S,
    "privateIPAllocationMethod": Prop("enum", ALLOCATION, "IPAllocationMethod"),
    "privateIPAddressVersion": Prop("enum", ("IPv4", "IPv6"), "IPVersion"),
    "subnet": _REF,
    "primary": _B,
    "applicationSecurityGroups": _REFS,
    "loadBalancerBackendAddressPools": _REFS,
}
# Load balancers (loadBalancer.json): the parts an internal load balancer before NVAs uses.
IP_VERSION = ("IPv4", "IPv6")
TRANSPORT = ("Udp", "Tcp", "All")  # TransportProtocol
PROBE_PROTOCOLS = ("Http", "Tcp", "Https")  # ProbeProtocol
ADMIN_STATES = ("None", "Up", "Down")  # LoadBalancerBackendAddressAdminState
LOAD_BALANCER: Mapping[str, Prop] = {}  # children embedded; NAT and outbound rules not modelled
# FrontendIPConfigurationPropertiesFormat
FRONTEND: Mapping[str, Prop] = {
    "privateIPAddress": _S,
    "privateIPAllocationMethod": Prop("enum", ALLOCATION, "IPAllocationMethod"),
    "privateIPAddressVersion": Prop("enum", IP_VERSION, "IPVersion"),
    "subnet": _REF,
    "gatewayLoadBalancer": _REF,
}
# BackendAddressPoolPropertiesFormat
BACKEND_POOL: Mapping[str, Prop] = {
    "location": _S,
    "loadBalancerBackendAddresses": _OBJ,  # each checked against BACKEND_ADDRESS below
    "drainPeriodInSeconds": _I,
    "virtualNetwork": _REF,
    "syncMode": Prop("enum", ("Automatic", "Manual"), "SyncMode"),
}
# LoadBalancerBackendAddressPropertiesFormat
BACKEND_ADDRESS: Mapping[str, Prop] = {
    "virtualNetwork": _REF,
    "subnet": _REF,
    "ipAddress": _S,
    "loadBalancerFrontendIPConfiguration": _REF,
    "adminState": Prop("enum", ADMIN_STATES, "LoadBalancerBackendAddressAdminState"),
}
# LoadBalancingRulePropertiesFormat
LB_RULE: Mapping[str, Prop] = {
    "frontendIPConfiguration": _REF,
    "backendAddressPool": _REF,
    "backendAddressPools": _REFS,
    "probe": _REF,
    "protocol": Prop("enum", TRANSPORT, "TransportProtocol", required=True),
    "loadDistribution": Prop(
        "enum", ("Default", "SourceIP", "SourceIPProtocol"), "LoadDistribution"
    ),
    "frontendPort": Prop("int", required=True),
    "backendPort": _I,
    "idleTimeoutInMinutes": _I,
    "enableFloatingIP": _B,
    "enableTcpReset": _B,
    "disableOutboundSnat": _B,
}
# ProbePropertiesFormat
PROBE: Mapping[str, Prop] = {
    "protocol": Prop("enum", PROBE_PROTOCOLS, "ProbeProtocol", required=True),
    "port": Prop("int", required=True),
    "intervalInSeconds": _I,
    "noHealthyBackendsBehavior": Prop(
        "enum", ("AllProbedDown", "AllProbedUp"), "ProbeNoHealthyBackendsBehavior"
    ),
    "numberOfProbes": _I,
    "probeThreshold": _I,
    "requestPath": _S,
}

# Network Watcher (networkWatcher.json, not in the shipped swagger: the names and the
# required ones are azure-mgmt-network's FlowLogPropertiesFormat, whose writable fields these
# are; tests/moto_fixtures/azure/test_network_watcher.py checks them against the SDK).
NETWORK_WATCHER: Mapping[str, Prop] = {}
FLOW_LOG: Mapping[str, Prop] = {
    "targetResourceId": Prop("str", required=True),
    "storageId": Prop("str", required=True),
    "enabledFilteringCriteria": _S,
    "recordTypes": _S,
    "enabled": _B,
    "retentionPolicy": _OBJ,
    "format": _OBJ,
    "flowAnalyticsConfiguration": _OBJ,
}

_TABLES: Mapping[str, Mapping[str, Prop]] = {
    "networkSecurityGroups": NSG,
    "securityRules": SECURITY_RULE,
    "applicationSecurityGroups": ASG,
    "routeTables": ROUTE_TABLE,
    "routes": ROUTE,
    "virtualNetworks": VNET,
    "subnets": SUBNET,
    "virtualNetworkPeerings": PEERING,
    "networkInterfaces": NIC,
    "loadBalancers": LOAD_BALANCER,
    "frontendIPConfigurations": FRONTEND,
    "backendAddressPools": BACKEND_POOL,
    "loadBalancingRules": LB_RULE,
    "probes": PROBE,
    "networkWatchers": NETWORK_WATCHER,
    "flowLogs": FLOW_LOG,
}


def properties(segment: str, body: object, resource_id: str, path: str = "") -> dict[str, Any]:
    """Validate ``body`` (a resource's JSON) for the kind ``segment``; return its properties."""
    if not isinstance(body, dict):
        raise InvalidRequestFormatError("The request body must be a JSON object.", path or "$")
    raw = body.get("properties", {})
    where = f"{path}properties"
    if not isinstance(raw, dict):
        raise InvalidRequestFormatError("Expected a JSON object.", where)
    props = _check(_TABLES[segment], raw, where)
    extra = _EXTRA_CHECKS.get(segment)
    if extra is not None:
        extra(props, resource_id)
    if segment == "networkInterfaces":
        props["ipConfigurations"] = _ip_configurations(props.get("ipConfigurations", []), where)
    if "loadBalancerBackendAddresses" in props:
        props["loadBalancerBackendAddresses"] = _named(
            props["loadBalancerBackendAddresses"], BACKEND_ADDRESS,
            f"{where}.loadBalancerBackendAddresses",
        )  # fmt: skip
    return props


def _check(table: Mapping[str, Prop], raw: Mapping[str, Any], where: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, prop in table.items():
        path = f"{where}.{name}"
        if name not in raw or raw[name] is None:
            if prop.required:
                raise InvalidRequestFormatError(
                    f"Required property '{name}' not found in JSON.", path
                )
            continue
        out[name] = _value(prop, raw[name], path)
    return out


def check_value(prop: Prop, value: Any, path: str) -> Any:
    """One value against its property: the value to store (an enum in its canonical casing)."""
    return _value(prop, value, path)


def _value(prop: Prop, value: Any, path: str) -> Any:
    ok: bool
    if prop.kind == "enum":
        # ARM's deserialiser matches enum names case-insensitively and stores the canonical name.
        for allowed in prop.enum:
            if isinstance(value, str) and value.lower() == allowed.lower():
                return allowed
        type_name = prop.enum_name or "String"
        raise InvalidRequestFormatError(
            f"Error converting value {value!r} to type '{type_name}'.", path
        )
    if prop.kind == "int":
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif prop.kind == "bool":
        ok = isinstance(value, bool)
    elif prop.kind == "str":
        ok = isinstance(value, str)
    elif prop.kind == "strs":
        ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
    elif prop.kind == "ref":
        ok = isinstance(value, dict) and isinstance(value.get("id"), str)
        value = {"id": value["id"]} if ok else value
    elif prop.kind == "refs":
        ok = isinstance(value, list) and all(
            isinstance(v, dict) and isinstance(v.get("id"), str) for v in value
        )
        value = [{"id": v["id"]} for v in value] if ok else value
    else:
        ok = isinstance(value, (dict, list))
    if not ok:
        raise InvalidRequestFormatError(f"Unexpected value {value!r} for a {prop.kind}.", path)
    return value


def _security_rule(props: dict[str, Any], rule_id: str) -> None:
    low, high = PRIORITY_RANGE
    if not low <= props["priority"] <= high:
        raise SecurityRuleInvalidPriorityError(rule_id, props["priority"])


def _route(props: dict[str, Any], route_id: str) -> None:
    appliance = props["nextHopType"] == "VirtualAppliance"
    if appliance and not props.get("nextHopIpAddress"):
        raise InvalidRouteNextHopError(
            route_id, "nextHopIpAddress is required when nextHopType is VirtualAppliance."
        )
    if not appliance and props.get("nextHopIpAddress"):
        raise InvalidRouteNextHopError(
            route_id, "nextHopIpAddress is allowed only when nextHopType is VirtualAppliance."
        )
    if "addressPrefix" not in props:
        raise InvalidRequestFormatError(
            "Required property 'addressPrefix' not found in JSON.", "properties.addressPrefix"
        )


def _ip_configurations(raw: object, where: str) -> list[dict[str, Any]]:
    return _named(raw, IP_CONFIGURATION, f"{where}.ipConfigurations")


def _named(raw: object, table: Mapping[str, Prop], path: str) -> list[dict[str, Any]]:
    """A list of ``{name, properties}`` items (IP configurations, backend addresses)."""
    if not isinstance(raw, list):
        raise InvalidRequestFormatError("Expected a JSON array.", path)
    out = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise InvalidRequestFormatError(
                "Required property 'name' not found in JSON.", f"{path}[{index}]"
            )
        inner = item.get("properties", {})
        out.append(
            {
                "name": item["name"],
                "properties": _check(table, inner, f"{path}[{index}].properties"),
            }
        )
    return out


_EXTRA_CHECKS: Mapping[str, Callable[[dict[str, Any], str], None]] = {
    "securityRules": _security_rule,
    "routes": _route,
}
