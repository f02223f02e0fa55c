"""A small desired state as literals: one segment's group with two rules and one address set."""

from __future__ import annotations

from orchestrator.state import (
    AddressSet,
    DesiredScope,
    DesiredState,
    FirewallGroup,
    FlowRule,
    Scope,
    Target,
)

SCOPE = Scope("aws", "111111111111", "us-east-1")
GROUP = f"{SCOPE}/fwgroup/db@vpc-0db"
ADDRSET = f"{SCOPE}/addrset/web"
INGRESS = f"{GROUP}/ingress/tcp:5432/set:web"
EGRESS = f"{GROUP}/egress/any/cidr:172.16.0.0/12"


def small_state() -> DesiredState:
    resources = [
        AddressSet(ADDRSET, SCOPE, "web", "eastwest-p-web", frozenset({"10.10.0.0/15"}), 1),
        FirewallGroup(GROUP, SCOPE, "db", "vpc-0db", "eastwest-p-db", "eastwest: segment db"),
        FlowRule(INGRESS, SCOPE, GROUP, "ingress", "tcp", 5432, 5432, "set:web", "eastwest:w"),
        FlowRule(EGRESS, SCOPE, GROUP, "egress", "all", -1, -1, "cidr:172.16.0.0/12"),
    ]
    scoped = DesiredScope(SCOPE, {r.key: r for r in resources})
    return DesiredState("p", {SCOPE: scoped}, {SCOPE: Target("aws", SCOPE.account, "prod")})
