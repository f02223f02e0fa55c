"""Quota checks at compile time (DESIGN.md rule 5): never discovered at apply.

Routes per route table count the routes eastwest wants in each network route table
(``NetworkRoute``) only: compiling reads which table a subnet uses (``TransitInventory``), not
what else the table holds, so a table already near its limit with somebody else's routes can
still fail at apply (each adapter refuses a write past the limit, naming the table).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping

from orchestrator.diagnostics import Diagnostic, error
from orchestrator.model.policy import Policy
from orchestrator.state import (
    AddressSet,
    DesiredScope,
    FirewallGroup,
    FlowRule,
    NetworkRoute,
    Scope,
)

# Rules per group and direction. AWS counts a referenced prefix list as its max entries.
DEFAULT_RULES_PER_GROUP = {"aws": 60, "alibaba": 200, "azure": 1000}
# Entries of one address set (AWS managed prefix list: 1,000).
MAX_ADDRESS_SET_ENTRIES = {"aws": 1000, "alibaba": 200, "azure": 4000}
# Routes per network route table, defaults: AWS 50 (adjustable up to 1,000), Alibaba Cloud 200
# custom route entries, Azure 400 (a hard limit).
MAX_ROUTES_PER_TABLE = {"aws": 50, "alibaba": 200, "azure": 400}


def check_quotas(policy: Policy, scopes: Mapping[Scope, DesiredScope]) -> list[Diagnostic]:
    limits = _limits(policy)
    diags: list[Diagnostic] = []
    for scope, desired in scopes.items():
        diags.extend(_group_rules(policy, desired, limits.get(scope.account)))
        diags.extend(_set_entries(policy, desired))
        diags.extend(_table_routes(policy, desired))
    return diags


def _limits(policy: Policy) -> dict[str, int]:
    limits: dict[str, int] = {}
    for account in policy.accounts:
        ident = account.subscription_id if account.cloud == "azure" else account.account_id
        limits[ident] = account.quotas.rules_per_group or DEFAULT_RULES_PER_GROUP[account.cloud]
    return limits


def _group_rules(policy: Policy, desired: DesiredScope, limit: int | None) -> Iterable[Diagnostic]:
    limit = limit or DEFAULT_RULES_PER_GROUP.get(desired.scope.cloud, 60)
    weights = _set_weights(desired)
    used: dict[tuple[str, str], int] = defaultdict(int)
    for rule in desired.of_kind(FlowRule):
        used[(rule.group, rule.direction)] += weights.get(rule.peer, 1)
    groups = {g.key: g for g in desired.of_kind(FirewallGroup)}
    for (gkey, direction), count in sorted(used.items()):
        if count > limit:
            group = groups[gkey]
            yield error(
                f"{direction} rules of segment {group.segment!r} in {group.network} "
                f"({desired.scope}) need {count} rule slots; the limit is {limit}",
                path=_segment_path(policy, group.segment),
                detail="each referenced address set counts as its number of entries; merge "
                "ports, aggregate CIDRs, or raise quotas.rules_per_group if your account's "
                "limit was increased",
            )


def _set_weights(desired: DesiredScope) -> dict[str, int]:
    return {f"set:{a.segment}": a.max_entries for a in desired.of_kind(AddressSet)}


def _set_entries(policy: Policy, desired: DesiredScope) -> Iterable[Diagnostic]:
    cap = MAX_ADDRESS_SET_ENTRIES.get(desired.scope.cloud, 1000)
    for aset in desired.of_kind(AddressSet):
        if len(aset.cidrs) > cap:
            yield error(
                f"segment {aset.segment!r} has {len(aset.cidrs)} address blocks after "
                f"aggregation; an address set in {desired.scope.cloud} holds at most {cap}",
                path=_segment_path(policy, aset.segment),
            )


def _table_routes(policy: Policy, desired: DesiredScope) -> Iterable[Diagnostic]:
    cap = MAX_ROUTES_PER_TABLE.get(desired.scope.cloud)
    if cap is None:
        return
    routes = [r for r in desired.resources.values() if isinstance(r, NetworkRoute)]
    used = Counter((r.network, r.table) for r in routes)
    for (network, table), count in sorted(used.items()):
        if count > cap:
            yield error(
                f"route table {table} of {network} ({desired.scope}) would hold {count} routes "
                f"of eastwest's; a route table in {desired.scope.cloud} holds at most {cap}",
                path=_hub_path(policy, desired.scope),
                detail="only eastwest's routes are counted (the table's other routes add to "
                "them); aggregate segment CIDRs, or route fewer segment pairs through the hub",
            )


def _hub_path(policy: Policy, scope: Scope) -> str:
    """The policy's hub in ``scope``, whose segments and rules make the routes ("" if none)."""
    for index, hub in enumerate(policy.hubs):
        account = policy.account(hub.account)
        ident = account.subscription_id if account.cloud == "azure" else account.account_id
        if (account.cloud, ident, hub.region) == (scope.cloud, scope.account, scope.region):
            return f"hubs[{index}]"
    return ""


def _segment_path(policy: Policy, segment: str) -> str:
    index = next(i for i, s in enumerate(policy.segments) if s.name == segment)
    return f"segments[{index}]"
