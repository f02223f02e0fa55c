"""Resources as ARM's JSON: the bodies of GET, PUT and list answers.

In: a ``Resource`` and the ``Store`` it lives in (for children and back-references). Out: the
swagger's shape: ``id``, ``name``, ``type``, ``etag``, ``location``/``tags`` for top-level
resources, and ``properties`` with the readOnly fields filled the way NRP fills them
(``provisioningState``, ``resourceGuid``, ``defaultSecurityRules``, ``subnets`` and
``networkInterfaces`` back-references, ``peeringState``…). Always: pure reads of state.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from moto_fixtures.azure.state import Resource, Store

# (name, direction, priority, access, source, destination, description): what Azure adds to
# every NSG; they cannot be changed, only outranked (priorities 65000+ are out of users' reach).
DEFAULT_RULES = (
    ("AllowVnetInBound", "Inbound", 65000, "Allow", "VirtualNetwork", "VirtualNetwork",
     "Allow inbound traffic from all VMs in VNET"),
    ("AllowAzureLoadBalancerInBound", "Inbound", 65001, "Allow", "AzureLoadBalancer", "*",
     "Allow inbound traffic from azure load balancer"),
    ("DenyAllInBound", "Inbound", 65500, "Deny", "*", "*", "Deny all inbound traffic"),
    ("AllowVnetOutBound", "Outbound", 65000, "Allow", "VirtualNetwork", "VirtualNetwork",
     "Allow outbound traffic from all VMs to all VMs in VNET"),
    ("AllowInternetOutBound", "Outbound", 65001, "Allow", "*", "Internet",
     "Allow outbound traffic from all VMs to Internet"),
    ("DenyAllOutBound", "Outbound", 65500, "Deny", "*", "*", "Deny all outbound traffic"),
)  # fmt: skip


# Writable properties the server renders itself from what was stored (ids, defaults added).
_ENRICHED = frozenset({"ipConfigurations"})


def render(resource: Resource, store: Store) -> dict[str, Any]:
    """The JSON ARM answers for ``resource``."""
    body: dict[str, Any] = {
        "name": resource.name,
        "id": resource.id,
        "etag": resource.etag,
        "type": resource.kind.type,
    }
    if resource.kind.tracked:
        body["location"] = resource.location
        if resource.tags:
            body["tags"] = dict(resource.tags)
    if resource.sku is not None:
        body["sku"] = dict(resource.sku)
    props: dict[str, Any] = {"provisioningState": resource.provisioning_state}
    props.update(_FILLERS.get(resource.kind.segment, _nothing)(resource, store))
    props.update({k: v for k, v in resource.properties.items() if k not in _ENRICHED})
    body["properties"] = props
    return body


def default_rules(nsg: Resource) -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "id": f"{nsg.id}/defaultSecurityRules/{name}",
            "etag": nsg.etag,
            "type": "Microsoft.Network/networkSecurityGroups/defaultSecurityRules",
            "properties": {
                "provisioningState": "Succeeded",
                "description": description,
                "protocol": "*",
                "sourcePortRange": "*",
                "destinationPortRange": "*",
                "sourceAddressPrefix": source,
                "destinationAddressPrefix": destination,
                "access": access,
                "priority": priority,
                "direction": direction,
                **_EMPTY_RULE_LISTS,
            },
        }
        for name, direction, priority, access, source, destination, description in DEFAULT_RULES
    ]


_EMPTY_RULE_LISTS: Mapping[str, list[str]] = {
    "sourcePortRanges": [],
    "destinationPortRanges": [],
    "sourceAddressPrefixes": [],
    "destinationAddressPrefixes": [],
}


def _nothing(resource: Resource, store: Store) -> dict[str, Any]:
    return {}


def _children(resource: Resource, store: Store, segment: str) -> list[dict[str, Any]]:
    return [render(child, store) for child in store.children(resource.key, segment)]


def _referrers(resource: Resource, store: Store, segment: str, prop: str) -> list[dict[str, str]]:
    """Ids of the ``segment`` resources whose ``prop`` points at ``resource``."""
    return [
        {"id": other.id}
        for other in store.all()
        if other.kind.segment == segment
        and str(other.properties.get(prop, {}).get("id", "")).lower() == resource.key
    ]


def _nsg(resource: Resource, store: Store) -> dict[str, Any]:
    out: dict[str, Any] = {
        "resourceGuid": resource.guid,
        "securityRules": _children(resource, store, "securityRules"),
        "defaultSecurityRules": default_rules(resource),
    }
    for segment, prop, field in (
        ("subnets", "networkSecurityGroup", "subnets"),
        ("networkInterfaces", "networkSecurityGroup", "networkInterfaces"),
    ):
        if refs := _referrers(resource, store, segment, prop):
            out[field] = refs
    return out


def _security_rule(resource: Resource, store: Store) -> dict[str, Any]:
    return dict(_EMPTY_RULE_LISTS)


def _route_table(resource: Resource, store: Store) -> dict[str, Any]:
    out: dict[str, Any] = {
        "resourceGuid": resource.guid,
        "disableBgpRoutePropagation": False,
        "routes": _children(resource, store, "routes"),
    }
    if refs := _referrers(resource, store, "subnets", "routeTable"):
        out["subnets"] = refs
    return out


def _vnet(resource: Resource, store: Store) -> dict[str, Any]:
    return {
        "resourceGuid": resource.guid,
        "subnets": _children(resource, store, "subnets"),
        "virtualNetworkPeerings": _children(resource, store, "virtualNetworkPeerings"),
        "enableDdosProtection": False,
    }


def _configs_where(store: Store, wanted: Callable[[dict[str, Any]], bool]) -> list[dict[str, str]]:
    """References to the NICs' IP configurations whose properties are ``wanted``."""
    return [
        {"id": f"{nic.id}/ipConfigurations/{config['name']}"}
        for nic in store.all()
        if nic.kind.segment == "networkInterfaces"
        for config in nic.properties.get("ipConfigurations", [])
        if wanted(config["properties"])
    ]


def _subnet(resource: Resource, store: Store) -> dict[str, Any]:
    configs = _configs_where(
        store, lambda props: str(props.get("subnet", {}).get("id", "")).lower() == resource.key
    )
    out: dict[str, Any] = {
        "privateEndpointNetworkPolicies": "Disabled",
        "privateLinkServiceNetworkPolicies": "Enabled",
    }
    if configs:
        out["ipConfigurations"] = configs
    return out


def _peering(resource: Resource, store: Store) -> dict[str, Any]:
    remote_id = str(resource.properties.get("remoteVirtualNetwork", {}).get("id", ""))
    remote = store.get(remote_id)
    # Connected once the remote VNet peers back; until then Initiated (as NRP reports it).
    back = remote is not None and any(
        str(p.properties.get("remoteVirtualNetwork", {}).get("id", "")).lower() == resource.parent
        for p in store.children(remote.key, "virtualNetworkPeerings")
    )
    out: dict[str, Any] = {
        "resourceGuid": resource.guid,
        "peeringState": "Connected" if back else "Initiated",
        "peeringSyncLevel": "FullyInSync",
        "allowVirtualNetworkAccess": True,
        "allowForwardedTraffic": False,
        "allowGatewayTransit": False,
        "useRemoteGateways": False,
    }
    if remote is not None and "addressSpace" in remote.properties:
        out["remoteAddressSpace"] = remote.properties["addressSpace"]
        out["remoteVirtualNetworkAddressSpace"] = remote.properties["addressSpace"]
    return out


def _nic(resource: Resource, store: Store) -> dict[str, Any]:
    configs = [
        {
            "name": config["name"],
            "id": f"{resource.id}/ipConfigurations/{config['name']}",
            "etag": resource.etag,
            "type": "Microsoft.Network/networkInterfaces/ipConfigurations",
            "properties": {
                "provisioningState": resource.provisioning_state,
                "privateIPAddressVersion": "IPv4",
                "privateIPAllocationMethod": "Dynamic",
                **config["properties"],
            },
        }
        for config in resource.properties.get("ipConfigurations", [])
    ]
    out: dict[str, Any] = {
        "resourceGuid": resource.guid,
        "enableIPForwarding": False,
        "enableAcceleratedNetworking": False,
        "disableTcpStateTracking": False,
        "nicType": "Standard",
        "vnetEncryptionSupported": False,
        "dnsSettings": {"dnsServers": [], "appliedDnsServers": []},
        "hostedWorkloads": [],
        "tapConfigurations": [],
        "ipConfigurations": configs,
    }
    if "virtualMachine" in resource.properties:
        out["primary"] = True  # the fake's VMs have one NIC each
    return out


def _asg(resource: Resource, store: Store) -> dict[str, Any]:
    return {"resourceGuid": resource.guid}


def _load_balancer(resource: Resource, store: Store) -> dict[str, Any]:
    parts = {s: _children(resource, store, s) for s in resource.kind.children}
    return {"resourceGuid": resource.guid, **parts, "inboundNatRules": [],
            "inboundNatPools": [], "outboundRules": []}  # fmt: skip


def _rules_using(resource: Resource, store: Store) -> dict[str, Any]:
    """A part's ``loadBalancingRules``: the rules of its load balancer that name it."""
    refs = [
        {"id": rule.id}
        for rule in store.children(str(resource.parent), "loadBalancingRules")
        if _refers_to_key(rule.properties, resource.key)
    ]
    return {"loadBalancingRules": refs} if refs else {}


def _refers_to_key(props: Mapping[str, Any], key: str) -> bool:
    values = [
        v for value in props.values() for v in (value if isinstance(value, list) else [value])
    ]
    return any(isinstance(v, dict) and str(v.get("id", "")).lower() == key for v in values)


def _frontend(resource: Resource, store: Store) -> dict[str, Any]:
    return {"privateIPAddressVersion": "IPv4", **_rules_using(resource, store)}


def _backend_pool(resource: Resource, store: Store) -> dict[str, Any]:
    configs = _configs_where(store, lambda props: _refers_to_key(props, resource.key))
    out = {"loadBalancerBackendAddresses": [], **_rules_using(resource, store)}
    if configs:
        out["backendIPConfigurations"] = configs
    return out


def _lb_rule(resource: Resource, store: Store) -> dict[str, Any]:
    # NRP's defaults, as a GET shows them; an HA-ports rule (All, 0) keeps backendPort 0.
    return {"loadDistribution": "Default", "idleTimeoutInMinutes": 4, "enableFloatingIP": False,
            "enableTcpReset": False, "disableOutboundSnat": False,
            "backendPort": resource.properties.get("frontendPort", 0)}  # fmt: skip


def _probe(resource: Resource, store: Store) -> dict[str, Any]:
    return {"intervalInSeconds": 15, "numberOfProbes": 1, "probeThreshold": 1,
            **_rules_using(resource, store)}  # fmt: skip


def _flow_log(resource: Resource, store: Store) -> dict[str, Any]:
    target = store.get(str(resource.properties.get("targetResourceId", "")).lower())
    return {"targetResourceGuid": target.guid} if target is not None else {}


_FILLERS: Mapping[str, Callable[[Resource, Store], dict[str, Any]]] = {
    "flowLogs": _flow_log,
    "networkSecurityGroups": _nsg,
    "securityRules": _security_rule,
    "applicationSecurityGroups": _asg,
    "routeTables": _route_table,
    "routes": lambda resource, store: {"hasBgpOverride": False},
    "virtualNetworks": _vnet,
    "subnets": _subnet,
    "virtualNetworkPeerings": _peering,
    "networkInterfaces": _nic,
    "loadBalancers": _load_balancer,
    "frontendIPConfigurations": _frontend,
    "backendAddressPools": _backend_pool,
    "loadBalancingRules": _lb_rule,
    "probes": _probe,
}
