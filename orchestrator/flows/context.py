"""What the flow commands need of a policy: its membership (from the inventory the compiler
reads) as an ``Attribution``, and its flows as a ``Judge``.

In: a ``Policy`` and its inventory, or a way to read the inventory from the clouds. Out: a
``PolicyView``. Raises ``FlowError`` when the inventory of a scope cannot be read (a flow
placed in the wrong segment would be worse than none).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from orchestrator.compile.compiler import scopes_to_read
from orchestrator.compile.flows import collect_flows
from orchestrator.compile.membership import Membership, resolve_membership
from orchestrator.diagnostics import Diagnostic
from orchestrator.errors import ProviderError
from orchestrator.flows.attribution import Attribution
from orchestrator.flows.records import FlowError
from orchestrator.flows.verdicts import Judge
from orchestrator.model.policy import Policy
from orchestrator.state import Scope, ScopeInventory, Target
from providers.base import Adapter


@dataclass(frozen=True, slots=True)
class PolicyView:
    policy: Policy
    membership: Membership
    attribution: Attribution
    judge: Judge
    diagnostics: tuple[Diagnostic, ...]


def view_of(
    policy: Policy,
    inventory: Mapping[Scope, ScopeInventory],
    membership: Membership | None = None,
) -> PolicyView:
    """``membership``: the one the compile resolved from ``inventory``, when the caller has
    it (the reconciler's shared compile); resolved here otherwise."""
    if membership is None:
        membership = resolve_membership(policy, inventory)
    flows, diags = collect_flows(policy, membership)
    return PolicyView(
        policy,
        membership,
        Attribution.of(membership),
        Judge(flows, [s.name for s in policy.segments if not membership.of(s.name)]),
        (*membership.diagnostics, *diags),
    )


def read_inventory(
    policy: Policy, adapter_for: Callable[[Target], Adapter]
) -> dict[Scope, ScopeInventory]:
    found: dict[Scope, ScopeInventory] = {}
    for scope, target in scopes_to_read(policy).items():
        try:
            found[scope] = adapter_for(target).inventory(scope.region)
        except ProviderError as exc:
            raise FlowError(
                f"the networks of {scope} ({target.name}) cannot be read: {exc}"
            ) from None
    return found
