"""Seed the local Azure with a hub-and-spoke network, through the ARM API like any other client.

In: a running ``AzureServer`` (empty). Out: a ``SeedReport`` of the ids created. Always:
subscription 00000000-0000-0000-0000-000000000001, resource group ``rg-net``, region eastus;
nothing carries an eastwest ownership marker, and some NSG rules look platform-injected
(``NRMS-…``, ``AllowAzureLoadBalancer…``): to eastwest, all of it is somebody else's and must
survive. Each write waits for its operation, so seeding also works with ``async_delay``.

What gets built: ``vnet-hub`` (10.0.0.0/16) with ``snet-nva`` and two NVA NICs (10.0.1.4/.5, IP
forwarding on) and an internal Standard load balancer ``lb-nva`` in front of them (frontend
10.0.1.10, pool ``nvas`` holding both NICs' IP configurations, TCP probe on 443, HA-ports rule
``ha-ports``: ``lb.py`` answers its backends' health); spokes ``vnet-web``/``vnet-app``/
``vnet-db`` (tag ``segment``) with a workload subnet each, behind NSG ``nsg-<segment>`` and
route table ``rt-<segment>`` (0.0.0.0/0 → the LB frontend) and a newer subnet
``snet-<segment>-2`` (10.x.2.0/24) with neither NSG nor route table: the one a policy can put
eastwest's NSG (and route table) on (``free_subnets``); peerings hub↔spoke both ways
(forwarded traffic allowed); workload NICs (``seed_workloads.py``): two VM NICs per spoke, one
with a hand-made permissive NSG and ASG, and the NVA NICs shown on their VMs. Deterministic:
two fresh servers seeded alike hold the same names, ids and prefixes.
"""

from __future__ import annotations

import json
import ssl
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from moto_fixtures.azure.credential import FAKE_TOKEN
from moto_fixtures.azure.seed_workloads import Scope, attach_nvas, seed_workloads
from moto_fixtures.azure.server import AzureServer

SUBSCRIPTION = "00000000-0000-0000-0000-000000000001"
GROUP = "rg-net"
REGION = "eastus"
API_VERSION = "2024-05-01"
SEGMENTS = {"web": "10.1.0.0/16", "app": "10.2.0.0/16", "db": "10.3.0.0/16"}
NVA_ADDRESSES = ("10.0.1.4", "10.0.1.5")
LB_FRONTEND_IP = "10.0.1.10"
LB_NAME, LB_POOL, LB_PROBE, LB_RULE, LB_FRONTEND = "lb-nva", "nvas", "nva-443", "ha-ports", "fe-nva"


@dataclass(frozen=True)
class SeedReport:
    subscription_id: str
    resource_group: str
    region: str
    vnets: Mapping[str, str]  # name → id
    subnets: Mapping[str, str]  # "vnet/subnet" → id, free subnets included
    nsgs: Mapping[str, str]
    route_tables: Mapping[str, str]
    nva_nics: Mapping[str, str]  # NIC name → private IP
    lb_frontend_ip: str
    unowned_rules: Mapping[str, tuple[str, ...]]  # NSG name → rules eastwest must not touch
    free_subnets: Mapping[str, str]  # "vnet/subnet" → id: spoke subnets without NSG or table
    workload_nics: Mapping[str, str]  # NIC name → id: the spokes' VM NICs (seed_workloads.py)
    excluded_nics: Mapping[str, str]  # NIC name → id: the NVAs' (IP forwarding), never a workload
    virtual_machines: Mapping[str, str]  # NIC name → the id of the VM it is attached to
    nic_nsgs: Mapping[str, str]  # hand-made NSGs on NICs (not subnets), name → id
    asgs: Mapping[str, str]  # hand-made application security groups, name → id
    load_balancer: str = ""  # the internal load balancer before the NVAs: its id


def seed_azure(server: AzureServer) -> SeedReport:
    api = _Api(server)
    vnets: dict[str, str] = {}
    subnets: dict[str, str] = {}
    nsgs: dict[str, str] = {}
    tables: dict[str, str] = {}
    unowned: dict[str, tuple[str, ...]] = {}
    free: dict[str, str] = {}
    hub_subnets = [_subnet("snet-nva", "10.0.1.0/24"), _subnet("GatewaySubnet", "10.0.255.0/27")]
    hub = api.put("virtualNetworks/vnet-hub", _vnet("10.0.0.0/16", {"role": "hub"}, hub_subnets))
    vnets["vnet-hub"] = hub["id"]
    subnets.update({f"vnet-hub/{s['name']}": s["id"] for s in hub["properties"]["subnets"]})
    nics, nva_ids = {}, {}
    for index, address in enumerate(NVA_ADDRESSES, start=1):
        name = f"nic-nva-{index}"
        nic = api.put(f"networkInterfaces/{name}", _nic(subnets["vnet-hub/snet-nva"], address))
        nics[name], nva_ids[name] = address, nic["id"]
    scope = Scope(SUBSCRIPTION, GROUP, REGION)
    nva_vms = attach_nvas(server.store, scope, nva_ids)
    balancer = api.put(
        f"loadBalancers/{LB_NAME}", _load_balancer(api.base, subnets["vnet-hub/snet-nva"])
    )
    pool = balancer["properties"]["backendAddressPools"][0]["id"]
    for name, address in nics.items():  # NIC-based pool: the NICs name it, as on a real NVA
        api.put(f"networkInterfaces/{name}", _nic(subnets["vnet-hub/snet-nva"], address, pool))
    for segment, cidr in SEGMENTS.items():
        rules = _rules(segment)
        nsg = api.put(f"networkSecurityGroups/nsg-{segment}",
                      {"location": REGION, "properties": {"securityRules": rules}})  # fmt: skip
        nsgs[nsg["name"]] = nsg["id"]
        unowned[nsg["name"]] = tuple(r["name"] for r in rules)
        table = api.put(f"routeTables/rt-{segment}", _route_table())
        tables[table["name"]] = table["id"]
        subnet = _subnet(f"snet-{segment}", cidr.replace(".0.0/16", ".1.0/24"))
        subnet["properties"]["networkSecurityGroup"] = {"id": nsg["id"]}
        subnet["properties"]["routeTable"] = {"id": table["id"]}
        # Added later by the workload team, before anyone wrote an NSG for it.
        newer = _subnet(f"snet-{segment}-2", cidr.replace(".0.0/16", ".2.0/24"))
        vnet = api.put(
            f"virtualNetworks/vnet-{segment}", _vnet(cidr, {"segment": segment}, [subnet, newer])
        )
        vnets[vnet["name"]] = vnet["id"]
        made = {f"{vnet['name']}/{s['name']}": s["id"] for s in vnet["properties"]["subnets"]}
        subnets.update(made)
        free[f"{vnet['name']}/{newer['name']}"] = made[f"{vnet['name']}/{newer['name']}"]
    for segment in SEGMENTS:
        spoke = f"vnet-{segment}"
        api.put(f"virtualNetworks/vnet-hub/virtualNetworkPeerings/hub-to-{segment}",
                _peering(vnets[spoke], gateway_transit=True))  # fmt: skip
        api.put(f"virtualNetworks/{spoke}/virtualNetworkPeerings/{segment}-to-hub",
                _peering(vnets["vnet-hub"], gateway_transit=False))  # fmt: skip
    workloads = seed_workloads(api.put, server.store, scope, subnets, tuple(SEGMENTS))
    unowned.update(workloads.nsg_rules)
    return SeedReport(
        subscription_id=SUBSCRIPTION,
        resource_group=GROUP,
        region=REGION,
        vnets=MappingProxyType(vnets),
        subnets=MappingProxyType(subnets),
        nsgs=MappingProxyType(nsgs),
        route_tables=MappingProxyType(tables),
        nva_nics=MappingProxyType(nics),
        lb_frontend_ip=LB_FRONTEND_IP,
        unowned_rules=MappingProxyType(unowned),
        free_subnets=MappingProxyType(free),
        workload_nics=MappingProxyType(workloads.nics),
        excluded_nics=MappingProxyType(nva_ids),
        virtual_machines=MappingProxyType({**nva_vms, **workloads.vms}),
        nic_nsgs=MappingProxyType(workloads.nic_nsgs),
        asgs=MappingProxyType(workloads.asgs),
        load_balancer=balancer["id"],
    )


class _Api:
    def __init__(self, server: AzureServer) -> None:
        self._base = f"{server.url}/subscriptions/{SUBSCRIPTION}/resourceGroups/{GROUP}"
        self.base = (
            f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{GROUP}/providers/Microsoft.Network"
        )
        self._tls = ssl.create_default_context(cafile=server.ca_bundle)

    def put(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        url = f"{self._base}/providers/Microsoft.Network/{path}?api-version={API_VERSION}"
        answer, headers = self._call("PUT", url, body)
        if answer["properties"]["provisioningState"] == "Succeeded":
            return answer  # done at once (no async delay): no need to poll, nor to read back
        status_url = headers.get("Azure-AsyncOperation")
        while status_url:
            status, _ = self._call("GET", status_url, None)
            if status["status"] != "InProgress":
                break
            time.sleep(0.01)
        return self._call("GET", url, None)[0]

    def _call(self, method: str, url: str, body: object) -> tuple[dict[str, Any], Any]:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 (https only)
        request.add_header("Authorization", f"Bearer {FAKE_TOKEN}")
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, context=self._tls) as response:  # noqa: S310
            return json.loads(response.read() or b"{}"), response.headers


def _vnet(cidr: str, tags: dict[str, str], subnets: list[dict[str, Any]]) -> dict[str, Any]:
    properties = {"addressSpace": {"addressPrefixes": [cidr]}, "subnets": subnets}
    return {"location": REGION, "tags": tags, "properties": properties}


def _subnet(name: str, cidr: str) -> dict[str, Any]:
    return {"name": name, "properties": {"addressPrefix": cidr}}


def _nic(subnet_id: str, address: str, pool: str = "") -> dict[str, Any]:
    config: dict[str, Any] = {"subnet": {"id": subnet_id}, "privateIPAddress": address,
                              "privateIPAllocationMethod": "Static", "primary": True}  # fmt: skip
    if pool:
        config["loadBalancerBackendAddressPools"] = [{"id": pool}]
    configs = [{"name": "ipconfig1", "properties": config}]
    properties = {"enableIPForwarding": True, "ipConfigurations": configs}
    return {"location": REGION, "tags": {"role": "nva"}, "properties": properties}


def _load_balancer(base: str, subnet_id: str) -> dict[str, Any]:
    """Internal, Standard, HA ports: the documented shape of a load balancer before NVAs."""
    lb_id = f"{base}/loadBalancers/{LB_NAME}"
    frontend = {"name": LB_FRONTEND, "properties": {
        "privateIPAddress": LB_FRONTEND_IP, "privateIPAllocationMethod": "Static",
        "subnet": {"id": subnet_id}}}  # fmt: skip
    probe = {
        "name": LB_PROBE,
        "properties": {"protocol": "Tcp", "port": 443, "intervalInSeconds": 5, "probeThreshold": 2},
    }
    rule = {"name": LB_RULE, "properties": {
        "frontendIPConfiguration": {"id": f"{lb_id}/frontendIPConfigurations/{LB_FRONTEND}"},
        "backendAddressPool": {"id": f"{lb_id}/backendAddressPools/{LB_POOL}"},
        "probe": {"id": f"{lb_id}/probes/{LB_PROBE}"},
        "protocol": "All", "frontendPort": 0, "backendPort": 0,
        "enableFloatingIP": True}}  # fmt: skip
    pool = {"name": LB_POOL}
    properties = {"frontendIPConfigurations": [frontend], "probes": [probe],
                  "backendAddressPools": [pool], "loadBalancingRules": [rule]}  # fmt: skip
    return {"location": REGION, "sku": {"name": "Standard", "tier": "Regional"},
            "tags": {"role": "nva"}, "properties": properties}  # fmt: skip


def _route_table() -> dict[str, Any]:
    route = {"name": "default-via-nva", "properties": {
        "addressPrefix": "0.0.0.0/0", "nextHopType": "VirtualAppliance",
        "nextHopIpAddress": LB_FRONTEND_IP}}  # fmt: skip
    return {"location": REGION, "properties": {"routes": [route]}}


def _peering(remote: str, *, gateway_transit: bool) -> dict[str, Any]:
    return {"properties": {"remoteVirtualNetwork": {"id": remote},
                           "allowVirtualNetworkAccess": True, "allowForwardedTraffic": True,
                           "allowGatewayTransit": gateway_transit}}  # fmt: skip


def _rules(segment: str) -> list[dict[str, Any]]:
    """Hand-made and platform-looking rules: unowned, so eastwest must leave them alone."""

    def rule(name: str, priority: int, access: str, source: str, port: str) -> dict[str, Any]:
        return {"name": name, "properties": {
            "protocol": "Tcp", "access": access, "direction": "Inbound", "priority": priority,
            "sourceAddressPrefix": source, "sourcePortRange": "*",
            "destinationAddressPrefix": "*", "destinationPortRange": port}}  # fmt: skip

    return [
        rule("NRMS-Rule-101", 101, "Allow", "CorpNetPublic", "443"),
        rule("NRMS-Rule-103", 103, "Allow", "CorpNetSaw", "*"),
        rule("AllowAzureLoadBalancerHealthProbe", 110, "Allow", "AzureLoadBalancer", "*"),
        rule(f"legacy-{segment}-admin", 300, "Allow", "10.99.0.0/16", "3389"),
    ]
