"""One reconcile of one partition: re-read the policy, observe, diff, then report or apply.

After controller-runtime's ``Reconcile``: a plain function, level-triggered (it re-reads the
policy files and the cloud every time and trusts nothing from an earlier call), returning what
happened and when to run again (``retry_in``: sooner than the next tick after a transient
error, ``None`` for the regular tick).
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from orchestrator.apply import ApplyReport, apply_plan
from orchestrator.compile.membership import Membership
from orchestrator.diagnostics import (
    SCOPE_SKIPPED,
    Diagnostic,
    Severity,
    has_blocking_errors,
    strict,
)
from orchestrator.errors import (
    EastwestError,
    ObservationError,
    PolicyError,
    ProviderError,
    TemporaryError,
)
from orchestrator.firewall_plan import (
    FirewallOutcome,
    FirewallReach,
    apply_firewalls,
    guarded,
    with_scope_firewalls,
)
from orchestrator.flows.audit import FlowAudit
from orchestrator.model.policy import Policy
from orchestrator.paths.effect import with_access_check
from orchestrator.pipeline import (
    HELD_BACK,
    AdapterFor,
    Compiled,
    Progress,
    compile_for,
    plan_compiled,
)
from orchestrator.plan import Plan
from orchestrator.plan.findings import AccessFinding
from orchestrator.reconcile.backoff import Backoff
from orchestrator.reconcile.governed import governed_scopes
from orchestrator.reconcile.lease import FencedAdapter, Guard
from orchestrator.reconcile.partition import Partition
from orchestrator.reconcile.source import PolicySource, PolicyView
from orchestrator.state import Change, Scope, ScopeInventory, Target
from orchestrator.state.ngfw import NgfwChange
from providers.base import Adapter

Clock = Callable[[], datetime]
Adapters = Callable[[str], AdapterFor]
# Reads every scope's inventory and compiles the policy: ``compile_for``, or a snapshot of it
# shared by the ticks of a process (``snapshot.SharedCompile``).
CompileFn = Callable[[Policy, AdapterFor, Progress], Compiled]
# The audit tick's flow dry run (``orchestrator.flows.audit.FlowDryRun``): the policy, the
# inventory it was compiled from, the partition's scope, and the membership the compile
# resolved from that inventory (None: resolve it).
FlowCheck = Callable[[Policy, Mapping[Scope, ScopeInventory], Scope, Membership | None], FlowAudit]


class Mode(enum.StrEnum):
    AUDIT = "audit"  # observe and report; never writes
    ENFORCE = "enforce"  # apply the plan, drift and policy changes alike


class Outcome(enum.StrEnum):
    IN_SYNC = "in_sync"  # nothing to change, and the policy holds at the workloads
    # Nothing eastwest can change, but flows at the workloads are not as the policy says
    # (groups or lists it does not own open or block them): never in_sync (DESIGN.md rule 8).
    FINDINGS = "findings"
    PENDING = "pending"  # audit mode: changes found and reported, not applied
    APPLIED = "applied"  # enforce mode: every change applied
    FAILED = "failed"  # the plan could not be made, or a change failed (see errors)
    # A member eastwest cannot guard (somebody else's group in its place): never in_sync,
    # whatever else was applied; the conflicts are among the errors.
    CONFLICT = "conflict"
    # another scope could not be read: only creations were planned (and, in enforce mode,
    # applied) here; the skipped scopes and what was held back are in the notes
    PARTIAL = "partial"
    SKIPPED = "skipped"  # not written: the lease was lost, shutdown, or no longer in the policy


@dataclass(frozen=True, slots=True)
class RunResult:
    partition: Partition
    mode: Mode
    started_at: datetime
    finished_at: datetime
    outcome: Outcome
    plan: Plan | None = None
    errors: tuple[str, ...] = ()
    report: ApplyReport | None = None
    retry_in: float | None = None  # seconds; set only after a transient error
    notes: tuple[str, ...] = field(default=())
    conflicts: int = 0  # the first ``conflicts`` errors are conflicts, not failures
    flows: FlowAudit | None = None  # audit mode with a flow store: the flow dry run
    firewalls: tuple[FirewallOutcome, ...] = ()  # enforce: each firewall's commit, or failure

    @property
    def planned(self) -> tuple[Change | NgfwChange, ...]:
        """The plan's changes: the clouds', then each hub firewall's rulebase."""
        if self.plan is None:
            return ()
        return (*self.plan.changes, *(c for f in self.plan.firewalls for c in f.changes))

    @property
    def changes(self) -> int:
        return len(self.planned)

    @property
    def findings(self) -> tuple[AccessFinding, ...]:
        return self.plan.access.findings if self.plan is not None else ()

    @property
    def drift(self) -> int:
        return sum(1 for c in self.planned if c.drift)

    @property
    def duration(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()


def _now() -> datetime:
    return datetime.now(UTC)


def _never_stop() -> None:
    """The guard of a caller with no lease and no shutdown to honour (tests, one-shot use)."""


def _quiet(_: str) -> None:
    """Progress sink: the reconciler reports whole runs, not each read."""


@dataclass(frozen=True, slots=True)
class Tick:
    """What one call needs besides the partition: how to write safely and when to retry."""

    mode: Mode
    guard: Guard = _never_stop
    attempt: int = 0  # consecutive transient failures of this partition so far
    backoff: Backoff = field(default_factory=Backoff)
    clock: Clock = _now
    compile: CompileFn = compile_for
    flows: FlowCheck | None = None  # audit mode only
    # The hub firewalls of the partition's scope are planned (and in enforce, applied) too.
    firewalls: FirewallReach = field(default_factory=FirewallReach)


def reconcile_once(
    partition: Partition, source: PolicySource, adapters: Adapters, tick: Tick
) -> RunResult:
    """``adapters`` gives the adapter lookup for a policy name (adapters tag what they own
    with it, and the name is known only once the files are read)."""
    run = _Run(partition, tick, tick.clock())
    try:
        view = source.load()
    except PolicyError as exc:
        return run.done(Outcome.FAILED, errors=tuple(d.format() for d in exc.diagnostics))
    run.notes = _policy_notes(view)
    if partition.scope not in governed_scopes(view.loaded.policy):
        run.notes += ("no longer governed by the policy",)
        return run.done(Outcome.SKIPPED)
    failures: list[ProviderError] = []
    inner = adapters(view.loaded.policy.name)

    def adapter_for(target: Target) -> Adapter:
        return FencedAdapter(inner(target), tick.guard, failures)

    # The access check reads through the plain adapters: it only reads, and the fence guards
    # writes; its failures become an error diagnostic (the run fails, never in_sync).
    plan, diagnostics = plan_partition(
        view.loaded.policy,
        partition,
        adapter_for,
        tick.compile,
        access_for=inner,
        firewalls=tick.firewalls,
    )
    if tick.mode is Mode.ENFORCE:
        # Enforce is strict: a policy exposing more than it says is not written to the clouds.
        diagnostics = strict((*view.loaded.warnings, *diagnostics))
    run.plan = plan
    held = plan.conflicts if plan is not None else ()
    blocking = tuple(d for d in diagnostics if d not in held)
    retry = tick.backoff.delay(tick.attempt) if _transient(failures) else None
    # An unreadable scope fails the run; an unreadable firewall makes it partial (below),
    # so that the clouds still converge (a firewall that is down is routed around).
    if plan is None or has_blocking_errors(blocking) or not _scope_read(plan):
        return run.done(Outcome.FAILED, errors=_errors(view, diagnostics), retry_in=retry)
    # Conflicts keep only their own groups out of the plan; the rest still converges.
    run.conflicts = tuple(d.format() for d in held)
    partial = any(d.code == SCOPE_SKIPPED for d in diagnostics)
    if partial:  # another scope was skipped: the plan here holds only creations
        run.notes += _errors(view, blocking) + _held(diagnostics)
        run.retry_in = retry
    run.notes += tuple(f.line() for f in plan.access.findings)
    run.notes += _firewall_notes(plan)
    if tick.mode is Mode.AUDIT and tick.flows is not None:
        _flow_dry_run(run, tick.flows, view.loaded.policy, adapter_for, partial=partial)
    if not plan.has_changes or tick.mode is Mode.AUDIT:
        return run.done(_quiet_outcome(plan, partial=partial))
    return _enforce(run, plan, adapter_for, partial=partial)


def _scope_read(plan: Plan) -> bool:
    return all(sp.skipped is None for sp in plan.scopes)


def _firewall_notes(plan: Plan) -> tuple[str, ...]:
    return tuple(
        f"firewall {f.firewall}: {len(f.changes)} change(s), "
        f"{sum(1 for c in f.changes if c.drift)} drift"
        for f in plan.firewalls
        if f.changes
    )


def _quiet_outcome(plan: Plan, *, partial: bool) -> Outcome:
    if partial:
        return Outcome.PARTIAL
    if plan.has_changes:
        return Outcome.PENDING
    return Outcome.FINDINGS if plan.access.findings else Outcome.IN_SYNC


def _flow_dry_run(
    run: _Run, check: FlowCheck, policy: Policy, adapter_for: AdapterFor, *, partial: bool
) -> None:
    """Which observed flows the planned state would block, in the run's notes: a store that
    cannot be read is a note too, never a failed run (the flows are evidence, not state)."""
    if partial:  # addresses of the unread scope would be placed nowhere: counts would lie
        run.notes += ("flows: no dry run: a scope of the policy could not be read",)
        return
    try:
        # What the plan was compiled from: a shared snapshot gives it at no cost, and the same
        # objects every tick of the interval, so the check builds its view of them once.
        compiled = run.tick.compile(policy, adapter_for, _quiet)
        scope = run.partition.scope
        run.flows = check(policy, compiled.inventory, scope, compiled.membership)
    except EastwestError as exc:
        run.notes += (f"flows: the dry run could not run: {exc}",)
        return
    run.notes += run.flows.lines


def _held(diagnostics: tuple[Diagnostic, ...]) -> tuple[str, ...]:
    return tuple(d.format() for d in diagnostics if d.code == HELD_BACK)


def plan_partition(
    policy: Policy,
    partition: Partition,
    adapter_for: AdapterFor,
    compile_fn: CompileFn = compile_for,
    *,
    access_for: AdapterFor | None = None,
    firewalls: FirewallReach | None = None,
) -> tuple[Plan | None, tuple[Diagnostic, ...]]:
    """``plan_policy`` for one scope. The desired state comes from the inventory of every scope
    and the whole policy (a segment's addresses span scopes, so a partial inventory would make
    wrong addresses and wrong deletions); ``compile_fn`` may share that between ticks. Only the
    partition's own scope is observed. With ``access_for``, the effective-access check of the
    scope follows (docs/reconciler.md), read through those adapters. With ``firewalls``, the
    rulebase of the hub firewalls in the scope is planned too (docs/panos.md)."""
    compiled = compile_fn(policy, adapter_for, _quiet)
    wanted = {partition.scope: compiled.scopes[partition.scope]}
    result = plan_compiled(compiled, wanted, adapter_for, _quiet)
    if access_for is not None:
        result = with_access_check(result, policy, access_for, _quiet)
    if firewalls is not None:
        skipped = compiled.skipped.keys()
        result = with_scope_firewalls(result, policy, partition.scope, firewalls, skipped)
    return result.plan, result.diagnostics


def _enforce(run: _Run, plan: Plan, adapter_for: AdapterFor, *, partial: bool) -> RunResult:
    guard = run.tick.guard
    try:
        guard()  # the lease may have gone (or a shutdown begun) while the plan was made
    except ProviderError as exc:
        run.notes += (f"not applied: {exc}",)
        return run.done(Outcome.SKIPPED)
    # The firewalls first, as `eastwest apply`: a rule they need is there before routes send
    # the flow to them.
    fenced = guarded(run.tick.firewalls.adapter_of(plan.policy), guard)
    run.firewalls = tuple(apply_firewalls(plan.firewalls, fenced))
    report = apply_plan(plan, lambda sp: adapter_for(sp.target))
    failed = tuple(f"firewall {o.firewall}: {o.error}" for o in run.firewalls if o.applied is None)
    failures = failed + tuple(report.errors)
    failures += tuple(r.message for _, r in report.results if not r.ok)
    run.notes += tuple(
        f"firewall {o.firewall}: {o.applied.summary()}"
        for o in run.firewalls
        if o.applied is not None
    )
    done = Outcome.PARTIAL if partial else Outcome.APPLIED
    ok = report.ok and not failed
    return run.done(done if ok else Outcome.FAILED, errors=failures, report=report)


@dataclass(slots=True)
class _Run:
    """What a call has gathered so far, turned into the ``RunResult`` at whichever exit."""

    partition: Partition
    tick: Tick
    started: datetime
    plan: Plan | None = None
    notes: tuple[str, ...] = ()
    conflicts: tuple[str, ...] = ()
    retry_in: float | None = None
    flows: FlowAudit | None = None
    firewalls: tuple[FirewallOutcome, ...] = ()

    def done(
        self,
        outcome: Outcome,
        *,
        errors: tuple[str, ...] = (),
        report: ApplyReport | None = None,
        retry_in: float | None = None,
    ) -> RunResult:
        # A member left unguarded outranks every quieter outcome, a partial one included.
        quiet = (
            Outcome.IN_SYNC,
            Outcome.FINDINGS,
            Outcome.PENDING,
            Outcome.APPLIED,
            Outcome.PARTIAL,
        )
        if self.conflicts and outcome in quiet:
            outcome = Outcome.CONFLICT
        return RunResult(
            self.partition,
            self.tick.mode,
            self.started,
            self.tick.clock(),
            outcome,
            plan=self.plan,
            errors=(*self.conflicts, *errors),
            conflicts=len(self.conflicts),
            report=report,
            retry_in=retry_in if retry_in is not None else self.retry_in,
            notes=self.notes,
            flows=self.flows,
            firewalls=self.firewalls,
        )


def _policy_notes(view: PolicyView) -> tuple[str, ...]:
    if not view.problems:
        return ()
    head = (
        f"the policy files have {len(view.problems)} problem(s); "
        "the last good policy stays in force"
    )
    return (head, *(d.format() for d in view.problems))


def _errors(view: PolicyView, diagnostics: tuple[Diagnostic, ...]) -> tuple[str, ...]:
    located = (view.loaded.locate(d) if d.path else d for d in diagnostics)
    return tuple(d.format() for d in located if d.severity is Severity.ERROR)


def _transient(causes: list[ProviderError]) -> bool:
    """Worth a retry before the next tick: a throttled or unreadable cloud may answer soon;
    a compile error, a permission or an account mismatch will not."""
    return bool(causes) and all(isinstance(c, TemporaryError | ObservationError) for c in causes)
