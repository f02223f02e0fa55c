"""The data flow of DESIGN.md in one place: policy → inventory → compile → observe → plan.

In: a validated ``Policy`` and a way to get the adapter of an account. Out: a ``PlanResult``
with the plan (when one could be made) and every diagnostic, unlocated (the caller locates
them against the policy files).
Always: no write call is made here; an inventory that cannot be read completely stops the
plan (desired addresses would be wrong), an observation that cannot be read stops only its
scope (which then gets no changes).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from orchestrator.compile import compile_policy
from orchestrator.compile.compiler import SUPPORTED_CLOUDS, account_target
from orchestrator.compile.transit import ROUTING_CLOUDS, hub_scope
from orchestrator.diagnostics import Diagnostic, error, has_errors, warning
from orchestrator.errors import ObservationError, ProviderError
from orchestrator.model.policy import Policy
from orchestrator.plan import Plan, make_plan
from orchestrator.state import (
    DesiredState,
    ObservedScope,
    Scope,
    ScopeInventory,
    Target,
    TransitInventory,
)
from providers.base import Adapter, TransitReader

Progress = Callable[[str], None]
AdapterFor = Callable[[Target], Adapter]


@dataclass(frozen=True, slots=True)
class PlanResult:
    plan: Plan | None
    desired: DesiredState | None
    diagnostics: tuple[Diagnostic, ...]

    @property
    def failed(self) -> bool:
        return self.plan is None or has_errors(self.diagnostics)


def policy_scopes(policy: Policy) -> tuple[dict[Scope, Target], list[Diagnostic]]:
    """Every account and region the policy governs: where eastwest may own something."""
    scopes: dict[Scope, Target] = {}
    diags: list[Diagnostic] = []
    for index, account in enumerate(policy.accounts):
        if account.cloud not in SUPPORTED_CLOUDS:
            diags.append(
                warning(
                    f"account {account.name!r} ({account.cloud}) is not managed by this version",
                    path=f"accounts[{index}].cloud",
                )
            )
            continue
        target = account_target(account)
        for region in account.regions:
            scopes[Scope(account.cloud, target.account, region)] = target
    return scopes, diags


@dataclass(frozen=True, slots=True)
class Compiled:
    """The desired state and the scopes it governs, before anything owned is read.
    ``notes`` are the policy-scope warnings; ``diagnostics`` holds them and the compiler's."""

    desired: DesiredState | None
    scopes: dict[Scope, Target]
    notes: tuple[Diagnostic, ...]
    diagnostics: tuple[Diagnostic, ...]

    @property
    def failed(self) -> bool:
        return self.desired is None or has_errors(self.diagnostics)


def compile_for(policy: Policy, adapter_for: AdapterFor, progress: Progress) -> Compiled:
    """Identity, inventory and compile: everything a plan or a synthesis starts from."""
    scopes, notes = policy_scopes(policy)
    try:
        for target in dict.fromkeys(scopes.values()):
            first = next(s.region for s, t in scopes.items() if t == target)
            adapter_for(target).check_identity(first)
        inventory = _read_inventory(scopes, adapter_for, progress)
        transit = _read_transit(policy, scopes, adapter_for, progress)
    except ProviderError as exc:
        return Compiled(None, scopes, tuple(notes), (*notes, error(str(exc))))
    desired = compile_policy(policy, inventory, transit)
    return Compiled(desired, scopes, tuple(notes), (*notes, *desired.diagnostics))


def plan_policy(policy: Policy, adapter_for: AdapterFor, progress: Progress) -> PlanResult:
    compiled = compile_for(policy, adapter_for, progress)
    desired = compiled.desired
    if desired is None or compiled.failed:
        return PlanResult(None, desired, compiled.diagnostics)
    observed = observe_scopes(desired, compiled.scopes, adapter_for, progress)
    plan = make_plan(desired, observed, compiled.scopes)
    # The plan's own diagnostics start with the compiler's, so they are not repeated here.
    return PlanResult(plan, desired, (*compiled.notes, *plan.diagnostics))


def _read_inventory(
    scopes: dict[Scope, Target], adapter_for: AdapterFor, progress: Progress
) -> dict[Scope, ScopeInventory]:
    inventory: dict[Scope, ScopeInventory] = {}
    for scope, target in scopes.items():
        progress(f"Reading networks of {scope} ({target.name})")
        inventory[scope] = adapter_for(target).inventory(scope.region)
    return inventory


def _read_transit(
    policy: Policy, scopes: dict[Scope, Target], adapter_for: AdapterFor, progress: Progress
) -> dict[Scope, TransitInventory]:
    """What routing needs in the scope of each hub whose cloud eastwest routes. An adapter of
    such a cloud that cannot read it is an error, never a silent skip: routing compiled from
    nothing would plan the removal of every route eastwest owns."""
    transit: dict[Scope, TransitInventory] = {}
    for hub in policy.hubs:
        scope = hub_scope(policy, hub)
        if scope not in scopes or scope.cloud not in ROUTING_CLOUDS:
            continue
        adapter = adapter_for(scopes[scope])
        if not isinstance(adapter, TransitReader):
            raise ProviderError(f"the {scope.cloud} adapter cannot read transit routing")
        progress(f"Reading transit routing of {scope} (hub {hub.name})")
        firewalls = [fw.next_hop for fw in hub.inspection.firewalls] if hub.inspection else []
        transit[scope] = adapter.transit_inventory(scope, firewalls)
    return transit


def observe_scopes(
    desired: DesiredState,
    scopes: dict[Scope, Target],
    adapter_for: AdapterFor,
    progress: Progress,
) -> dict[Scope, ObservedScope | ObservationError]:
    """Each scope's owned resources, or the error that kept it from being read completely."""
    observed: dict[Scope, ObservedScope | ObservationError] = {}
    for scope, target in scopes.items():
        progress(f"Reading what eastwest owns in {scope} ({target.name})")
        try:
            observed[scope] = adapter_for(target).observe(scope, desired.scopes.get(scope))
        except ObservationError as exc:
            observed[scope] = exc
    return observed
