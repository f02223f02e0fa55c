"""Small builders shared by the orchestrator tests: policies and inventories as literals."""

from __future__ import annotations

from typing import Any

from orchestrator.model.policy import Policy
from orchestrator.state import Network, Scope, ScopeInventory, Subnet

ACCOUNT = "111111111111"
SCOPE = Scope("aws", ACCOUNT, "us-east-1")


def policy(**overrides: Any) -> Policy:
    body: dict[str, Any] = {
        "version": 1,
        "name": "test",
        "accounts": [
            {"name": "prod", "cloud": "aws", "account_id": ACCOUNT, "regions": ["us-east-1"]}
        ],
        "segments": [
            {
                "name": "web",
                "members": [{"account": "prod", "region": "us-east-1", "vpc": "vpc-web"}],
            },
            {
                "name": "db",
                "members": [{"account": "prod", "region": "us-east-1", "vpc": "vpc-db"}],
            },
            {"name": "onprem", "cidrs": ["172.16.0.0/12"]},
        ],
        "rules": [{"name": "web-to-db", "from": "web", "to": "db", "ports": ["tcp/5432"]}],
    }
    body.update(overrides)
    return Policy.model_validate(body)


def inventory(*extra: Network) -> dict[Scope, ScopeInventory]:
    networks = (
        Network("vpc-web", ("10.10.0.0/16",), {"segment": "web"}),
        Network("vpc-db", ("10.30.0.0/16", "10.31.0.0/16"), {"segment": "db"}),
        *extra,
    )
    subnets = (
        Subnet("subnet-web-a", "vpc-web", ("10.10.1.0/24",), "us-east-1a"),
        Subnet("subnet-web-b", "vpc-web", ("10.10.2.0/24",), "us-east-1b"),
    )
    return {SCOPE: ScopeInventory(SCOPE, networks, subnets)}
