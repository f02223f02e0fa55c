"""Plan-time quota checks on literal desired states: routes per network route table."""

from __future__ import annotations

import pytest

from orchestrator.compile.quotas import MAX_ROUTES_PER_TABLE, check_quotas
from orchestrator.diagnostics import Severity
from orchestrator.model.policy import Policy
from orchestrator.state import DesiredScope, NetworkRoute, Resource, Scope
from orchestrator.state.routes import network_route_key

ACCOUNTS = {"aws": "111111111111", "alibaba": "5123456789012345",
            "azure": "00000000-0000-0000-0000-000000000001"}  # fmt: skip
REGIONS = {"aws": "us-east-1", "alibaba": "cn-hangzhou", "azure": "eastus"}


def _policy() -> Policy:
    accounts = [
        {"name": "aws", "cloud": "aws", "account_id": ACCOUNTS["aws"], "regions": ["us-east-1"]},
        {"name": "ali", "cloud": "alibaba", "account_id": ACCOUNTS["alibaba"],
         "regions": ["cn-hangzhou"]},
        {"name": "az", "cloud": "azure", "subscription_id": ACCOUNTS["azure"],
         "resource_group": "rg", "regions": ["eastus"]},
    ]  # fmt: skip
    hub = {"name": "eus", "account": "az", "region": "eastus", "transit": "vnet-hub"}
    return Policy.model_validate(
        {"version": 1, "name": "t", "accounts": accounts, "hubs": [hub],
         "segments": [{"name": "onprem", "cidrs": ["172.16.0.0/12"]}],
         "rules": []}
    )  # fmt: skip


def _routes(scope: Scope, table: str, count: int) -> dict[str, Resource]:
    found: dict[str, Resource] = {}
    for index in range(count):
        cidr = f"10.{index // 256}.{index % 256}.0/24"
        key = network_route_key(scope, table, cidr)
        found[key] = NetworkRoute(key, scope, table, "net-1", cidr, "10.0.1.10")
    return found


@pytest.mark.parametrize("cloud", ["aws", "alibaba", "azure"])
def test_a_route_table_past_its_limit_is_an_error_at_plan_time(cloud: str) -> None:
    scope = Scope(cloud, ACCOUNTS[cloud], REGIONS[cloud])
    cap = MAX_ROUTES_PER_TABLE[cloud]
    resources = {**_routes(scope, "rt-full", cap), **_routes(scope, "rt-over", cap + 1)}
    diags = check_quotas(_policy(), {scope: DesiredScope(scope, resources)})
    assert [(d.severity, d.summary) for d in diags] == [
        (
            Severity.ERROR,
            f"route table rt-over of net-1 ({scope}) would hold {cap + 1} routes of eastwest's; "
            f"a route table in {cloud} holds at most {cap}",
        )
    ]
    assert diags[0].path == ("hubs[0]" if cloud == "azure" else "")
