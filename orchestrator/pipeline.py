"""The data flow of DESIGN.md in one place: policy → inventory → compile → observe → plan.

In: a validated ``Policy`` and a way to get the adapter of an account. Out: a ``PlanResult``
with the plan (when one could be made) and every diagnostic, unlocated (the caller locates
them against the policy files).
Always: no write call is made here. A scope whose identity, inventory, transit routing or
owned resources cannot be read is skipped with its reason (a ``scope-skipped`` error: the plan
is partial) and the others are planned. While any inventory is missing, the desired state may
lack that scope's addresses, so the other scopes get only creations: their deletions and
updates are held back (DESIGN.md rule 2), each scope saying so. Scopes (and accounts, and hubs)
are read side by side on up to ``workers`` threads (``orchestrator/fanout.py``), each account
and region under its cloud's token bucket; the results are gathered in the sequential order, so
the plan is the same whatever order the clouds answered in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from orchestrator.compile.compiler import SUPPORTED_CLOUDS, account_target, compile_resolved
from orchestrator.compile.membership import Membership, member_scope, resolve_membership
from orchestrator.compile.transit import ROUTING_CLOUDS, hub_scope
from orchestrator.diagnostics import (
    Diagnostic,
    Severity,
    has_blocking_errors,
    skipped_scope,
    warning,
)
from orchestrator.errors import ObservationError, ProviderError
from orchestrator.fanout import SCOPE_WORKERS, fan_out
from orchestrator.model.policy import Hub, Policy
from orchestrator.plan import Plan, ScopePlan, make_plan
from orchestrator.plan.diff import owner_key
from orchestrator.plan.planner import hold_attachments
from orchestrator.state import (
    Action,
    Change,
    DesiredState,
    ObservedScope,
    Scope,
    ScopeInventory,
    Target,
    TransitInventory,
)
from providers.base import Adapter, Load, TransitReader

Progress = Callable[[str], None]
AdapterFor = Callable[[Target], Adapter]
HELD_BACK = "held-back"  # the code of a warning saying which changes a partial plan holds back


@dataclass(frozen=True, slots=True)
class PlanResult:
    plan: Plan | None
    desired: DesiredState | None
    diagnostics: tuple[Diagnostic, ...]
    # What was read before compiling, and the segments' placements the compile resolved
    # from it: the effective-access check places workloads with them (None: resolve them).
    inventory: Mapping[Scope, ScopeInventory] = field(default_factory=dict)
    membership: Membership | None = None

    @property
    def failed(self) -> bool:
        """No plan, or errors beyond skipped scopes (a partial plan is not a failed one)."""
        return self.plan is None or has_blocking_errors(self.diagnostics)

    @property
    def partial(self) -> bool:
        return self.plan is not None and not self.plan.complete

    def placements(self, policy: Policy) -> Membership:
        """The placements the compile resolved, carried here so that a reconciler tick does
        not resolve the whole estate's again (issue 13); resolved from ``inventory`` only for
        a result that carries none."""
        if self.membership is not None:
            return self.membership
        return resolve_membership(policy, self.inventory)


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
    ``notes`` are the policy-scope warnings; ``diagnostics`` holds them and the compiler's.
    ``skipped`` maps each scope that could not be read to why; ``causes`` are the errors.
    ``membership`` is what the compile placed where: kept so that a reconciler tick sharing
    this compile checks access at its own scope's placements without resolving the estate."""

    desired: DesiredState | None
    scopes: dict[Scope, Target]
    notes: tuple[Diagnostic, ...]
    diagnostics: tuple[Diagnostic, ...]
    skipped: Mapping[Scope, str] = field(default_factory=dict)
    inventory: Mapping[Scope, ScopeInventory] = field(default_factory=dict)
    membership: Membership | None = None

    @property
    def failed(self) -> bool:
        return self.desired is None or has_blocking_errors(self.diagnostics)

    def skips(self, leaving_out: Mapping[Scope, Target] | None = None) -> tuple[Diagnostic, ...]:
        """One error per skipped scope (but those of ``leaving_out``), naming it and why."""
        return tuple(
            skipped_scope(f"{scope} ({self.scopes[scope].name}) skipped: {why}")
            for scope, why in sorted(self.skipped.items())
            if leaving_out is None or scope not in leaving_out
        )


@dataclass(frozen=True, slots=True)
class EstateReads:
    """What compiling reads from the clouds: each readable scope's inventory, each hub scope's
    transit routing, and why the others could not be read. The reconciler's queue workers
    share it through their store (``reconcile/snapshot_store.py``)."""

    inventory: dict[Scope, ScopeInventory]
    transit: dict[Scope, TransitInventory]
    skipped: dict[Scope, str]
    # The raw answers each scope's inventory read kept for its tick (``SharesReads``), when
    # they travel to another process with the rest; empty otherwise.
    kept: dict[Scope, Mapping[str, Load]] = field(default_factory=dict)


def compile_for(
    policy: Policy, adapter_for: AdapterFor, progress: Progress, *, workers: int = SCOPE_WORKERS
) -> Compiled:
    """Identity, inventory and compile: everything a plan or a synthesis starts from. A scope
    whose reads fail is left out (``skipped``); the policy is compiled from the others."""
    return compile_reads(policy, read_estate(policy, adapter_for, progress, workers=workers))


def read_estate(
    policy: Policy,
    adapter_for: AdapterFor,
    progress: Progress,
    *,
    workers: int = SCOPE_WORKERS,
    only: Mapping[Scope, Target] | None = None,
) -> EstateReads:
    """Every scope of the policy, or ``only`` these, with their targets as ``policy_scopes``
    gives them (the queue workers split an interval's reads between them,
    ``reconcile/snapshot_store.py``, and list the policy's scopes once, not once a share)."""
    scopes = policy_scopes(policy)[0] if only is None else dict(only)
    reads = _Reads(scopes, adapter_for, progress, workers)
    reads.check_identities()
    inventory = reads.inventory()
    transit = reads.transit(policy)
    return EstateReads(inventory, transit, dict(reads.skipped))


def compile_reads(policy: Policy, reads: EstateReads) -> Compiled:
    scopes, notes = policy_scopes(policy)
    membership = resolve_membership(policy, reads.inventory)
    desired = compile_resolved(policy, membership, reads.inventory, reads.transit)
    diags = _without_unread_members(policy, desired.diagnostics, set(reads.skipped))
    desired = replace(desired, diagnostics=diags)
    skipped = dict(reads.skipped)
    compiled = Compiled(
        desired, scopes, tuple(notes), (*notes, *diags), skipped, reads.inventory, membership
    )
    return replace(compiled, diagnostics=(*notes, *compiled.skips(), *diags))


def plan_policy(
    policy: Policy, adapter_for: AdapterFor, progress: Progress, *, workers: int = SCOPE_WORKERS
) -> PlanResult:
    compiled = compile_for(policy, adapter_for, progress, workers=workers)
    return plan_compiled(compiled, compiled.scopes, adapter_for, progress, workers=workers)


def plan_compiled(
    compiled: Compiled,
    wanted: dict[Scope, Target],
    adapter_for: AdapterFor,
    progress: Progress,
    *,
    workers: int = SCOPE_WORKERS,
) -> PlanResult:
    """Observe and diff the ``wanted`` scopes of a compiled policy; skipped scopes are in the
    plan with their reason and no changes."""
    desired = compiled.desired
    if desired is None or compiled.failed:
        return PlanResult(
            None, desired, compiled.diagnostics, compiled.inventory, compiled.membership
        )
    readable = {s: t for s, t in wanted.items() if s not in compiled.skipped}
    observed = observe_scopes(desired, readable, adapter_for, progress, workers=workers)
    for scope in wanted.keys() & compiled.skipped.keys():
        observed[scope] = ObservationError(compiled.skipped[scope])
    plan = make_plan(desired, observed, wanted)
    if compiled.skipped:
        plan = hold_back(plan, sorted(compiled.skipped))
    # The plan says why each wanted scope was skipped; the others skipped are said here. Its
    # own diagnostics start with the compiler's, so they are not repeated either.
    elsewhere = compiled.skips(leaving_out=wanted)
    diagnostics = (*compiled.notes, *elsewhere, *plan.diagnostics)
    return PlanResult(plan, desired, diagnostics, compiled.inventory, compiled.membership)


class _Reads:
    """Everything read before compiling, scopes side by side; a failed read skips its scope.
    Only the calling thread writes ``skipped``, in the scopes' order, after the reads."""

    def __init__(
        self,
        scopes: dict[Scope, Target],
        adapter_for: AdapterFor,
        progress: Progress,
        workers: int = SCOPE_WORKERS,
    ) -> None:
        self.scopes = scopes
        self.adapter_for = adapter_for
        self.progress = progress
        self.workers = workers
        self.skipped: dict[Scope, str] = {}

    def _skip(self, scopes: list[Scope], what: str, exc: ProviderError) -> None:
        for scope in scopes:
            self.skipped.setdefault(scope, f"reading {what} failed: {exc}")

    def readable(self) -> dict[Scope, Target]:
        return {s: t for s, t in self.scopes.items() if s not in self.skipped}

    def check_identities(self) -> None:
        by_target: dict[Target, list[Scope]] = {}
        for scope, target in self.scopes.items():
            by_target.setdefault(target, []).append(scope)

        def check(target: Target) -> ProviderError | None:
            try:
                self.adapter_for(target).check_identity(by_target[target][0].region)
            except ProviderError as exc:
                return exc
            return None

        for target, failed in zip(by_target, fan_out(by_target, check, self.workers), strict=True):
            if failed is not None:
                self._skip(by_target[target], f"the identity of account {target.name!r}", failed)

    def inventory(self) -> dict[Scope, ScopeInventory]:
        def read(item: tuple[Scope, Target]) -> ScopeInventory | ProviderError:
            scope, target = item
            self.progress(f"Reading networks of {scope} ({target.name})")
            try:
                return self.adapter_for(target).inventory(scope.region)
            except ProviderError as exc:
                return exc

        found: dict[Scope, ScopeInventory] = {}
        readable = list(self.readable().items())
        for (scope, _), got in zip(readable, fan_out(readable, read, self.workers), strict=True):
            if isinstance(got, ProviderError):
                self._skip([scope], "its networks (inventory)", got)
            else:
                found[scope] = got
        return found

    def transit(self, policy: Policy) -> dict[Scope, TransitInventory]:
        """What routing needs in the scope of each hub whose cloud eastwest routes. A hub
        scope that cannot be read is skipped, never planned: routing compiled from nothing
        would plan the removal of every route eastwest owns there."""
        readable = self.readable()
        hubs = [
            (hub_scope(policy, hub), hub)
            for hub in policy.hubs
            if hub_scope(policy, hub) in readable and hub_scope(policy, hub).cloud in ROUTING_CLOUDS
        ]

        def read(item: tuple[Scope, Hub]) -> TransitInventory | ProviderError:
            scope, hub = item
            self.progress(f"Reading transit routing of {scope} (hub {hub.name})")
            try:
                return _transit_of(self.adapter_for(readable[scope]), scope, hub)
            except ProviderError as exc:
                return exc

        found: dict[Scope, TransitInventory] = {}
        for (scope, hub), got in zip(hubs, fan_out(hubs, read, self.workers), strict=True):
            if isinstance(got, ProviderError):
                self._skip([scope], f"the transit routing of hub {hub.name!r}", got)
            else:
                found[scope] = got
        return found


def _transit_of(adapter: Adapter, scope: Scope, hub: Hub) -> TransitInventory:
    if not isinstance(adapter, TransitReader):
        raise ProviderError(f"the {scope.cloud} adapter cannot read transit routing")
    firewalls = [fw.next_hop for fw in hub.inspection.firewalls] if hub.inspection else []
    return adapter.transit_inventory(scope, firewalls)


def _without_unread_members(
    policy: Policy, diagnostics: tuple[Diagnostic, ...], skipped: set[Scope]
) -> tuple[Diagnostic, ...]:
    """The compiler's errors about members it could not place for want of an inventory that
    a skipped scope did not give: the skip says it once, with its cause."""
    unread = tuple(
        f"segments[{s}].members[{m}]"
        for s, segment in enumerate(policy.segments)
        for m, member in enumerate(segment.members)
        if member_scope(policy, member) in skipped
    )
    return tuple(
        d
        for d in diagnostics
        if not (d.severity is Severity.ERROR and unread and d.path.startswith(unread))
    )


def hold_back(plan: Plan, skipped: list[Scope]) -> Plan:
    """Only creations in the scopes that were read: with an inventory missing, a shrunken
    address set or a rule gone may only mean addresses not read, so deletions and updates
    wait for a complete plan (DESIGN.md rule 2)."""
    scopes: list[ScopePlan] = []
    notes: list[Diagnostic] = []
    unread = ", ".join(str(s) for s in skipped)
    for sp in plan.scopes:
        held = [c for c in sp.changes if c.action is not Action.CREATE]
        if not held:
            scopes.append(sp)
            continue
        owners = {owner_key(c.before or c.after) for c in held}
        kept = tuple(c for c in sp.changes if c.action is Action.CREATE)
        applied = {k: v for k, v in sp.applied.items() if k not in owners}
        scopes.append(replace(sp, changes=kept, applied=applied))
        notes.append(_held_note(sp, held, unread))
    return replace(plan, scopes=tuple(scopes), diagnostics=(*plan.diagnostics, *notes))


def _held_note(sp: ScopePlan, held: list[Change], unread: str) -> Diagnostic:
    return warning(
        code=HELD_BACK,
        summary=f"{sp.scope} ({sp.target.name}): {len(held)} deletion(s) or update(s) held back "
        f"because {unread} could not be read",
        detail="the addresses of an unread scope are unknown, so only creations are planned "
        "elsewhere; the next complete plan makes the rest: "
        + ", ".join(c.key.removeprefix(f"{sp.scope}/") for c in held[:5])
        + (f" and {len(held) - 5} more" if len(held) > 5 else ""),
    )


def observe_scopes(
    desired: DesiredState,
    scopes: dict[Scope, Target],
    adapter_for: AdapterFor,
    progress: Progress,
    *,
    workers: int = SCOPE_WORKERS,
) -> dict[Scope, ObservedScope | ObservationError]:
    """Each scope's owned resources, or the error that kept it from being read completely."""

    def observe(item: tuple[Scope, Target]) -> ObservedScope | ObservationError:
        scope, target = item
        progress(f"Reading what eastwest owns in {scope} ({target.name})")
        try:
            want = desired.scopes.get(scope)
            return hold_attachments(want, adapter_for(target).observe(scope, want))
        except ObservationError as exc:
            return exc
        except ProviderError as exc:  # throttled past the retries, refused: the same skip
            return ObservationError(str(exc))

    items = list(scopes.items())
    found = fan_out(items, observe, workers)
    return {scope: got for (scope, _), got in zip(items, found, strict=True)}
