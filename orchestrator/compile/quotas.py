"""Quota checks at compile time (DESIGN.md rule 5): never discovered at apply."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from orchestrator.diagnostics import Diagnostic, error
from orchestrator.model.policy import Policy
from orchestrator.state import AddressSet, DesiredScope, FirewallGroup, FlowRule, Scope

# Rules per group and direction. AWS counts a referenced prefix list as its max entries.
DEFAULT_RULES_PER_GROUP = {"aws": 60, "alibaba": 200, "azure": 1000}
# Entries of one address set (AWS managed prefix list: 1,000).
MAX_ADDRESS_SET_ENTRIES = {"aws": 1000, "alibaba": 200, "azure": 4000}


def check_quotas(policy: Policy, scopes: Mapping[Scope, DesiredScope]) -> list[Diagnostic]:
    limits = _limits(policy)
    diags: list[Diagnostic] = []
    for scope, desired in scopes.items():
        diags.extend(_group_rules(policy, desired, limits.get(scope.account)))
        diags.extend(_set_entries(policy, desired))
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


def _segment_path(policy: Policy, segment: str) -> str:
    index = next(i for i, s in enumerate(policy.segments) if s.name == segment)
    return f"segments[{index}]"
