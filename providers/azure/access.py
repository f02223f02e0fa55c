"""Reading effective access on Azure: the NSG of each workload NIC's subnet and the NSG of the NIC
itself, eastwest's or not, each with its default rules, as neutral ``RuleSet``s.

Read-only, each list every page: NICs, NSGs (``securityRules`` and ``defaultSecurityRules``
inline), VNets (subnets and peerings inline), route tables, application security groups come
with the NICs' IP configurations. Through ``shared`` (the scope's ``ScopeReads``), the NSGs,
VNets and route tables the plan's inventory and observation read are used rather than read
again: only the NICs are read here. Inbound a packet passes the subnet's NSG, then the NIC's;
outbound the NIC's, then the subnet's; each decides by priority, lowest first, the default rules
(AllowVnetInBound 65000, AllowAzureLoadBalancerInBound 65001, DenyAllInBound 65500 and the
outbound three) last. Service tags: ``VirtualNetwork`` is the NIC's VNet address space, its
peered VNets' and the prefixes of the UDRs on its VNet's subnets (as Azure defines it);
``AzureLoadBalancer`` is 168.63.129.16; ``Internet`` holds no private address (never a
workload here); ``*`` is everything. An application security group stands for the addresses
of the NICs in it. A rule whose local side (destination inbound, source outbound) does not hold
the NIC's address does not apply to it. Workloads are NICs without IP forwarding (not an NVA).
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from orchestrator.state import Scope
from orchestrator.state.access import (
    AccessModel,
    Combine,
    EffectiveRule,
    RuleSet,
    SubnetSets,
    Workload,
)
from orchestrator.state.addresses import within
from providers.azure import translate as tr
from providers.azure.reader import as_payloads, list_nsgs, list_vnets
from providers.azure.routing import list_route_tables
from providers.core.reads import UNSHARED, Shared

if TYPE_CHECKING:
    from azure.mgmt.network import NetworkManagementClient

Payload = Mapping[str, Any]
_EVERYWHERE = ("0.0.0.0/0",)
_TAGS = {"*": _EVERYWHERE, "Internet": (), "AzureLoadBalancer": ("168.63.129.16/32",)}


@dataclass(frozen=True)
class _Nic:
    id: str
    vnet: str
    subnet: str  # "<vnet>/<subnet>"
    address: str
    nsg: str  # the NIC's own NSG name, "" for none
    asgs: tuple[str, ...]


def read_access(
    client: NetworkManagementClient,
    group: str,
    scope: Scope,
    shared: Shared = UNSHARED,
    *,
    networks: Collection[str] | None = None,
    across: Shared = UNSHARED,
) -> AccessModel:
    """The NICs and subnets of the VNets ``networks`` (None: all). ``across`` shares the NIC
    list between the adapter's regions (ARM lists a resource group's NICs, not a region's)."""
    listed = across("nics", lambda: list(as_payloads(client.network_interfaces.list(group))))
    every = [n for raw in listed for n in _nics(raw)]
    # Not every NIC of the list is in this region or a judged VNet: an application security
    # group still stands for all of its NICs, judged or not.
    members = _asg_members(every)
    nsgs = {str(n["name"]): n for n in list_nsgs(client, group, shared)}
    vnets = list_vnets(client, group, scope.region, shared)
    subnet_nsg = {
        f"{v['name']}/{s['name']}": tr.name_of_id(str(tr.props(s)["networkSecurityGroup"]["id"]))
        for v in vnets
        for s in tr.props(v).get("subnets") or ()
        if tr.props(s).get("networkSecurityGroup")
    }
    spaces = _virtual_network(vnets, list_route_tables(client, group, scope.region, shared))
    local = [v for v in vnets if networks is None or v["name"] in networks]
    judged = {str(v["name"]) for v in local}
    nics = [n for n in every if n.vnet in judged]

    def sets_of(nic: _Nic) -> tuple[RuleSet, ...]:
        tags = {**_TAGS, "VirtualNetwork": spaces.get(nic.vnet, ())}
        names = (subnet_nsg.get(nic.subnet, ""), nic.nsg)
        return tuple(_rule_set(nsgs[n], nic, tags, members) for n in names if n in nsgs)

    workloads = tuple(Workload(n.id, n.vnet, n.subnet, n.address, sets_of(n)) for n in nics)
    subnets = tuple(SubnetSets(s.subnet, s.vnet, cidr, sets_of(s)) for s, cidr in _stand_ins(local))
    # A NIC without an NSG of its own passes what its subnet's NSG lets through (no NSG: all).
    return AccessModel(scope, workloads, subnets, subnets_decide=True)


def _stand_ins(vnets: Sequence[Payload]) -> list[tuple[_Nic, str]]:
    """Per subnet, a NIC without an NSG at its first host: what a member VNet without NICs
    is judged on (the subnet's NSG, as it applies to that address)."""
    found = []
    for v in vnets:
        for s in tr.props(v).get("subnets") or ():
            cidr = str(tr.props(s).get("addressPrefix") or "")
            if not cidr:
                continue
            net = ipaddress.ip_network(cidr, strict=False)
            host = str(net.network_address + 1 if net.num_addresses > 1 else net.network_address)
            subnet = f"{v['name']}/{s['name']}"
            found.append((_Nic(subnet, str(v["name"]), subnet, host, "", ()), cidr))
    return found


def _nics(raw: Payload) -> list[_Nic]:
    props = tr.props(raw)
    if props.get("enableIPForwarding"):
        return []  # an appliance, not a workload
    nsg = tr.name_of_id(str((props.get("networkSecurityGroup") or {}).get("id", "")))
    found = []
    for config in props.get("ipConfigurations") or ():
        cp = tr.props(config)
        subnet_id = str((cp.get("subnet") or {}).get("id", ""))
        address = cp.get("privateIPAddress")
        if not address or not subnet_id:
            continue
        vnet = tr.vnet_of_subnet_id(subnet_id)
        asgs = tuple(tr.name_of_id(str(a["id"])) for a in cp.get("applicationSecurityGroups") or ())
        subnet = f"{vnet}/{tr.name_of_id(subnet_id)}"
        found.append(_Nic(str(raw["name"]), vnet, subnet, str(address), nsg, asgs))
    return found


def _asg_members(nics: Sequence[_Nic]) -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = defaultdict(list)
    for nic in nics:
        for asg in nic.asgs:
            found[asg].append(f"{nic.address}/32")
    return {k: tuple(v) for k, v in found.items()}


def _virtual_network(
    vnets: Sequence[Payload], tables: Sequence[Payload]
) -> dict[str, tuple[str, ...]]:
    """VNet → what its ``VirtualNetwork`` tag holds: own, peered and UDR prefixes."""
    own = {str(v["name"]): _space(tr.props(v)) for v in vnets}
    udrs = {str(t["name"]): [_prefix(r) for r in tr.props(t).get("routes") or ()] for t in tables}
    found: dict[str, tuple[str, ...]] = {}
    for v in vnets:
        props = tr.props(v)
        peered = [
            p
            for peering in props.get("virtualNetworkPeerings") or ()
            for p in _space(tr.props(peering), "remoteAddressSpace")
        ]
        routed = [
            p
            for s in props.get("subnets") or ()
            if tr.props(s).get("routeTable")
            for p in udrs.get(tr.name_of_id(str(tr.props(s)["routeTable"]["id"])), ())
        ]
        prefixes = [*own[str(v["name"])], *peered, *routed]
        found[str(v["name"])] = tuple(p for p in dict.fromkeys(prefixes) if "/" in p)
    return found


def _prefix(route: Payload) -> str:
    return str(tr.props(route).get("addressPrefix", ""))


def _space(props: Payload, key: str = "addressSpace") -> tuple[str, ...]:
    return tuple((props.get(key) or {}).get("addressPrefixes") or ())


def _rule_set(
    nsg: Payload,
    nic: _Nic,
    tags: Mapping[str, tuple[str, ...]],
    asgs: Mapping[str, tuple[str, ...]],
) -> RuleSet:
    props = tr.props(nsg)
    raw = [*(props.get("securityRules") or ()), *(props.get("defaultSecurityRules") or ())]
    rules = (x for r in raw for x in _rules(str(nsg["name"]), r, nic, (tags, asgs)))
    return RuleSet(f"NSG {nsg['name']}", Combine.FIRST_MATCH, tuple(rules))


def _rules(
    nsg: str,
    raw: Payload,
    nic: _Nic,
    peers: tuple[Mapping[str, tuple[str, ...]], Mapping[str, tuple[str, ...]]],
) -> list[EffectiveRule]:
    """One security rule as seen from ``nic`` (one record per port range); none when its local
    side does not hold the NIC."""
    p = tr.props(raw)
    ingress = p.get("direction") == "Inbound"
    local, remote = ("destination", "source") if ingress else ("source", "destination")
    if not within(f"{nic.address}/32", _addresses(p, local, *peers)):
        return []
    protocol = str(p.get("protocol", "*")).lower()
    return [
        EffectiveRule(
            nsg,
            str(raw.get("name", "?")),
            ingress,
            p.get("access") == "Allow",
            "all" if protocol == "*" else protocol,
            low,
            high,
            _addresses(p, remote, *peers),
            int(p.get("priority", 65500)),
        )
        for low, high in _port_ranges(p)
    ]


def _addresses(
    p: Payload, side: str, tags: Mapping[str, tuple[str, ...]], asgs: Mapping[str, tuple[str, ...]]
) -> tuple[str, ...]:
    prefixes = [p.get(f"{side}AddressPrefix"), *(p.get(f"{side}AddressPrefixes") or ())]
    found: list[str] = []
    for prefix in (str(x) for x in prefixes if x):
        found.extend(tags.get(prefix, (prefix,) if "/" in prefix or "." in prefix else ()))
    for asg in p.get(f"{side}ApplicationSecurityGroups") or ():
        found.extend(asgs.get(tr.name_of_id(str(asg["id"])), ()))
    return tuple(found)


def _port_ranges(p: Payload) -> list[tuple[int, int]]:
    ranges = [p.get("destinationPortRange"), *(p.get("destinationPortRanges") or ())]
    return [_bounds(str(r)) for r in ranges if r] or [(0, 65535)]


def _bounds(text: str) -> tuple[int, int]:
    if text == "*":
        return 0, 65535
    low, _, high = text.partition("-")
    return int(low), int(high or low)
