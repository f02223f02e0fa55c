"""The planner's record of what apply writes back (``ScopePlan.applied``): indexed by owner, it
gives the plan the old scan of every change per owner gave, on random desired and observed
scopes."""

from __future__ import annotations

from collections.abc import Iterable

from hypothesis import given, settings
from hypothesis import strategies as st

from orchestrator.plan import make_plan
from orchestrator.plan.diff import owner_digests, owner_key
from orchestrator.state import (
    Action,
    AddressSet,
    Change,
    DesiredScope,
    DesiredState,
    FirewallGroup,
    FlowRule,
    NativeRef,
    ObservedScope,
    Resource,
    Target,
    rules_digest,
)
from orchestrator.state.resources import address_set_key, group_key, rule_key
from orchestrator.state.routes import routes_digest
from tests.orchestrator.factories import SCOPE

TARGET = Target("aws", SCOPE.account, "prod")


def reference_applied(wanted: Iterable[Resource], changes: list[Change]) -> dict[str, str]:
    """The planner's ``_applied`` before owners were indexed, kept as the oracle."""
    touched = {owner_key(c.after) for c in changes if c.after is not None}
    touched |= {owner_key(c.before) for c in changes if c.before is not None}
    touched -= {c.key for c in changes if isinstance(c.resource, AddressSet)}
    touched = {t for t in touched if t and not t.startswith("ref:")}
    digests = owner_digests({r.key: r for r in wanted})
    empty = {t: rules_digest(()) if "/fwgroup/" in t else routes_digest(()) for t in touched}
    return {
        t: digests.get(t, empty[t])
        for t in sorted(touched)
        if not any(c.key == t and c.action is Action.DELETE for c in changes)
    }


def _group(segment: str) -> FirewallGroup:
    key = group_key(SCOPE, segment, "vpc-1")
    return FirewallGroup(key, SCOPE, segment, "vpc-1", f"ew-{segment}", "eastwest")


def _rule(segment: str, port: int, peer: str) -> FlowRule:
    group = group_key(SCOPE, segment, "vpc-1")
    key = rule_key(group, "ingress", f"tcp/{port}", f"set:{peer}")
    return FlowRule(key, SCOPE, group, "ingress", "tcp", port, port, f"set:{peer}")


def _address_set(segment: str, cidrs: frozenset[str]) -> AddressSet:
    return AddressSet(address_set_key(SCOPE, segment), SCOPE, segment, f"ew-{segment}", cidrs, 4)


_SEGMENTS = st.sampled_from(["web", "db", "app"])
_RESOURCES = st.one_of(
    st.builds(_group, _SEGMENTS),
    st.builds(_rule, _SEGMENTS, st.sampled_from([22, 443, 5432]), _SEGMENTS),
    st.builds(
        _address_set,
        _SEGMENTS,
        st.frozensets(st.sampled_from(["10.0.0.0/24", "10.0.1.0/24"]), max_size=2),
    ),
)


def _scope_of(resources: list[Resource]) -> dict[str, Resource]:
    return {r.key: r for r in resources}


@settings(deadline=None)  # a shared, loaded machine: what is tested is the result
@given(st.lists(_RESOURCES, max_size=20), st.lists(_RESOURCES, max_size=20))
def test_applied_digests_match_the_scan_of_every_change(
    wanted: list[Resource], seen: list[Resource]
) -> None:
    want, have = _scope_of(wanted), _scope_of(seen)
    desired = DesiredState("p", {SCOPE: DesiredScope(SCOPE, want)}, {SCOPE: TARGET})
    native = {k: NativeRef(f"id-{i}") for i, k in enumerate(have)}
    plan = make_plan(desired, {SCOPE: ObservedScope(SCOPE, have, native)}, {SCOPE: TARGET})
    changes = list(plan.scopes[0].changes)
    assert plan.scopes[0].applied == reference_applied(want.values(), changes)
