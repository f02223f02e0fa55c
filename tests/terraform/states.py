"""Small desired states as literals: one segment's group with two rules and one address set;
the same with transit routing (every routing kind, every next-hop kind)."""

from __future__ import annotations

from orchestrator.state import (
    AddressSet,
    ApplianceMode,
    DesiredScope,
    DesiredState,
    FirewallGroup,
    FlowRule,
    HubAssociation,
    HubPropagation,
    HubRoute,
    HubTable,
    NetworkRoute,
    Resource,
    RouteResource,
    Scope,
    Target,
)

SCOPE = Scope("aws", "111111111111", "us-east-1")
GROUP = f"{SCOPE}/fwgroup/db@vpc-0db"
ADDRSET = f"{SCOPE}/addrset/web"
INGRESS = f"{GROUP}/ingress/tcp:5432/set:web"
EGRESS = f"{GROUP}/egress/any/cidr:172.16.0.0/12"


def small_state() -> DesiredState:
    resources: list[Resource] = [
        AddressSet(ADDRSET, SCOPE, "web", "eastwest-p-web", frozenset({"10.10.0.0/15"}), 1),
        FirewallGroup(GROUP, SCOPE, "db", "vpc-0db", "eastwest-p-db", "eastwest: segment db"),
        FlowRule(INGRESS, SCOPE, GROUP, "ingress", "tcp", 5432, 5432, "set:web", "eastwest:w"),
        FlowRule(EGRESS, SCOPE, GROUP, "egress", "all", -1, -1, "cidr:172.16.0.0/12"),
    ]
    scoped = DesiredScope(SCOPE, {r.key: r for r in resources})
    return DesiredState("p", {SCOPE: scoped}, {SCOPE: Target("aws", SCOPE.account, "prod")})


# -- transit routing: one hub, a segment table and the inspection table ----------------------

HUB = "tgw-0hub"
WEB_TABLE = f"{SCOPE}/hubtable/use1/segment:web"
INSPECTION_TABLE = f"{SCOPE}/hubtable/use1/inspection"
WEB_ATTACH = "tgw-attach-0web"
INSPECTION_ATTACH = "tgw-attach-0insp"
ASSOCIATION = f"{SCOPE}/hubassoc/{WEB_ATTACH}"
PROPAGATION = f"{INSPECTION_TABLE}/propagation/{WEB_ATTACH}"
TO_INSPECTION = f"{WEB_TABLE}/route/10.20.0.0_15"
BLACKHOLE = f"{WEB_TABLE}/route/10.99.0.0_16"
SPOKE_TABLE = "rtb-0spoke"
FIREWALL_TABLE = "rtb-0fw"
TO_HUB = f"{SCOPE}/rtb/{SPOKE_TABLE}/10.20.0.0_15"
TO_ENDPOINT = f"{SCOPE}/rtb/{FIREWALL_TABLE}/10.10.0.0_15"
TO_ENI = f"{SCOPE}/rtb/{FIREWALL_TABLE}/10.30.0.0_16"
APPLIANCE = f"{SCOPE}/appliance/{INSPECTION_ATTACH}"


def routing_resources() -> list[RouteResource]:
    return [
        HubTable(WEB_TABLE, SCOPE, HUB, "use1", "segment", "web", "eastwest-p-web"),
        HubTable(INSPECTION_TABLE, SCOPE, HUB, "use1", "inspection", "", "eastwest-p-inspection"),
        HubAssociation(ASSOCIATION, SCOPE, WEB_ATTACH, "vpc-0web", WEB_TABLE),
        HubPropagation(PROPAGATION, SCOPE, INSPECTION_TABLE, WEB_ATTACH, "vpc-0web"),
        HubRoute(TO_INSPECTION, SCOPE, WEB_TABLE, "10.20.0.0/15", INSPECTION_ATTACH),
        HubRoute(BLACKHOLE, SCOPE, WEB_TABLE, "10.99.0.0/16", None),
        NetworkRoute(TO_HUB, SCOPE, SPOKE_TABLE, "vpc-0web", "10.20.0.0/15", HUB),
        NetworkRoute(TO_ENDPOINT, SCOPE, FIREWALL_TABLE, "vpc-0i", "10.10.0.0/15", "vpce-0fw"),
        NetworkRoute(TO_ENI, SCOPE, FIREWALL_TABLE, "vpc-0i", "10.30.0.0/16", "eni-0fw"),
        ApplianceMode(APPLIANCE, SCOPE, INSPECTION_ATTACH, INSPECTION_TABLE),
    ]


def routing_state() -> DesiredState:
    """The small state plus transit routing."""
    small = small_state()
    resources = {**small.scopes[SCOPE].resources, **{r.key: r for r in routing_resources()}}
    return DesiredState("p", {SCOPE: DesiredScope(SCOPE, resources)}, small.targets)
