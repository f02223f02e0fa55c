"""Small Azure and Alibaba desired states as literals, with the world the Azure module reads."""

from __future__ import annotations

from orchestrator.state import (
    AddressSet,
    DesiredScope,
    DesiredState,
    FirewallGroup,
    FlowRule,
    HubAssociation,
    HubPropagation,
    HubRoute,
    HubTable,
    Network,
    NetworkRoute,
    Resource,
    Scope,
    ScopeInventory,
    Subnet,
    Target,
)
from orchestrator.state.routes import NetworkPeering
from terraform.world import World

AZ = Scope("azure", "00000000-0000-0000-0000-000000000001", "eastus")
AZ_GROUP = f"{AZ}/fwgroup/web@vnet-web"
AZ_IN = f"{AZ_GROUP}/ingress/tcp:443/set:app"
AZ_OUT = f"{AZ_GROUP}/egress/any/cidr:172.16.0.0/12"
AZ_TO_APP = f"{AZ}/rtb/rt-user/10.2.0.0_16"
AZ_OWNED = "eastwest-p-web-vnet-web"
AZ_DROP = f"{AZ}/rtb/{AZ_OWNED}/10.3.0.0_16"
AZ_HUB_TO_WEB = f"{AZ}/peerings/vnet-hub/vnet-web"
AZ_WEB_TO_HUB = f"{AZ}/peerings/vnet-web/vnet-hub"


def azure_state() -> tuple[DesiredState, World]:
    resources: list[Resource] = [
        AddressSet(f"{AZ}/addrset/web", AZ, "web", "eastwest-p-web", frozenset({"10.1.0.0/16"}), 1),
        AddressSet(f"{AZ}/addrset/app", AZ, "app", "eastwest-p-app", frozenset({"10.2.0.0/16"}), 1),
        FirewallGroup(AZ_GROUP, AZ, "web", "vnet-web", "eastwest-p-web", "eastwest: segment web"),
        FlowRule(AZ_IN, AZ, AZ_GROUP, "ingress", "tcp", 443, 443, "set:app", "eastwest:a-to-w"),
        FlowRule(AZ_OUT, AZ, AZ_GROUP, "egress", "all", -1, -1, "cidr:172.16.0.0/12"),
        NetworkRoute(AZ_TO_APP, AZ, "rt-user", "vnet-web", "10.2.0.0/16", "10.0.1.10"),
        NetworkRoute(AZ_DROP, AZ, AZ_OWNED, "vnet-web", "10.3.0.0/16", "blackhole"),
        NetworkPeering(AZ_HUB_TO_WEB, AZ, "vnet-hub", "vnet-web", "eastwest-p-vnet-web"),
        NetworkPeering(AZ_WEB_TO_HUB, AZ, "vnet-web", "vnet-hub", "eastwest-p-vnet-hub"),
    ]
    target = Target("azure", AZ.account, "az", resource_group="rg-net")
    state = DesiredState("p", {AZ: DesiredScope(AZ, {r.key: r for r in resources})}, {AZ: target})
    inventory = ScopeInventory(
        AZ,
        (Network("vnet-web", ("10.1.0.0/16",), {}, "vnet-web"),),
        (
            Subnet("snet-a", "vnet-web", ("10.1.1.0/24",), ""),
            Subnet("snet-b", "vnet-web", ("10.1.2.0/24",), ""),
            Subnet("snet-out", "vnet-web", ("10.9.0.0/24",), ""),
        ),
    )
    # snet-a uses the user's table; snet-b has none, so it gets eastwest's.
    world = World(state.targets, {AZ: inventory}, {AZ: {"vnet-web/snet-a": "rt-user"}})
    return state, world


ALI = Scope("alibaba", "5123456789012345", "cn-hangzhou")
ALI_GROUP = f"{ALI}/fwgroup/web@vpc-web"
ALI_IN = f"{ALI_GROUP}/ingress/tcp:443/set:app"
ALI_OUT = f"{ALI_GROUP}/egress/any/cidr:172.16.0.0/12"
ALI_SET = f"{ALI}/addrset/app"
ALI_TABLE = f"{ALI}/hubtable/hz/segment:web"
ALI_ASSOC = f"{ALI}/hubassoc/tr-attach-web"
ALI_PROP = f"{ALI_TABLE}/propagation/tr-attach-app"
ALI_HUB_ROUTE = f"{ALI_TABLE}/route/10.3.0.0_16"
ALI_VPC_ROUTE = f"{ALI}/rtb/vtb-web/10.2.0.0_16"


def alibaba_state() -> DesiredState:
    resources: list[Resource] = [
        AddressSet(ALI_SET, ALI, "app", "eastwest-p-app", frozenset({"10.2.0.0/16"}), 1),
        FirewallGroup(ALI_GROUP, ALI, "web", "vpc-web", "eastwest-p-web", "eastwest: segment web"),
        FlowRule(ALI_IN, ALI, ALI_GROUP, "ingress", "tcp", 443, 443, "set:app", "eastwest:a-to-w"),
        FlowRule(ALI_OUT, ALI, ALI_GROUP, "egress", "all", -1, -1, "cidr:172.16.0.0/12"),
        HubTable(ALI_TABLE, ALI, "tr-hub", "hz", "segment", "web", "eastwest-p-web"),
        HubAssociation(ALI_ASSOC, ALI, "tr-attach-web", "vpc-web", ALI_TABLE),
        HubPropagation(ALI_PROP, ALI, ALI_TABLE, "tr-attach-app", "vpc-app"),
        HubRoute(ALI_HUB_ROUTE, ALI, ALI_TABLE, "10.3.0.0/16", None),
        NetworkRoute(ALI_VPC_ROUTE, ALI, "vtb-web", "vpc-web", "10.2.0.0/16", "tr-attach-web"),
    ]
    target = Target("alibaba", ALI.account, "ali")
    return DesiredState("p", {ALI: DesiredScope(ALI, {r.key: r for r in resources})}, {ALI: target})
