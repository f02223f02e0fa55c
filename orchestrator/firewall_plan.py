"""The hub firewalls' rulebase inside ``eastwest plan`` and ``apply`` (docs/panos.md).

In: a ``PlanResult`` of the clouds (its inventory gives the segments' addresses), the policy,
and a way to reach each hub firewall. Out: the same result whose plan carries one
``FirewallPlan`` per hub firewall eastwest can reach (the sandbox runs it, or
``EASTWEST_PANOS_<LABEL>_HOST`` names it), or per Panorama device group for a hub whose
firewalls a Panorama manages (at the policy's ``host``), and, at apply time, one batched edit
and one commit per firewall (or device group, then its push) with changes. Always: a firewall
that cannot be read is that firewall's skip (an error that makes the plan partial, exit 1),
never a crash and never a deletion; while a cloud's inventory is missing, a firewall gets
creations only, as the clouds' scopes do.
The reconciler plans the same way, per partition, the firewalls of the hubs in its scope
(``with_scope_firewalls``, reached through a ``FirewallReach``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from orchestrator.compile.membership import Membership
from orchestrator.compile.ngfw import PANORAMA, rulebase_labels
from orchestrator.compile.transit import hub_scope
from orchestrator.diagnostics import Diagnostic, skipped_scope, warning
from orchestrator.errors import EastwestError
from orchestrator.extras import missing
from orchestrator.firewalls import FirewallAdapter, plan_rulebase
from orchestrator.model.policy import Policy
from orchestrator.pipeline import HELD_BACK, PlanResult
from orchestrator.plan.ngfw import FirewallPlan
from orchestrator.state import Scope
from orchestrator.state.change import Action
from orchestrator.state.ngfw import FirewallApplied, NgfwChange

AdapterOf = Callable[[str], FirewallAdapter]


@dataclass(frozen=True, slots=True)
class FirewallOutcome:
    firewall: str
    changes: tuple[NgfwChange, ...]
    applied: FirewallApplied | None  # None: nothing of it was committed
    error: str = ""

    def counts(self) -> dict[str, int]:
        """As ``ApplyReport.counts``: one commit, so every change succeeded or none did."""
        if self.applied is None:
            return {"added": 0, "changed": 0, "destroyed": 0, "failed": len(self.changes)}
        actions = [c.action for c in self.changes]
        return {
            "added": actions.count(Action.CREATE),
            "changed": actions.count(Action.UPDATE),
            "destroyed": actions.count(Action.DELETE),
            "failed": 0,
        }


def hub_firewalls(policy: Policy) -> list[str]:
    """Every hub firewall's label (a Panorama device group's for a managed hub), once, in the
    policy's order."""
    return list(
        dict.fromkeys(label for hub in policy.hubs for label in rulebase_labels(policy, hub))
    )


def reachable(labels: Iterable[str], sandbox: Mapping[str, Any] | None) -> list[str]:
    """The firewalls eastwest is told how to reach: a sandbox's, or a management address in
    the environment; a Panorama the policy names is reached at its ``host`` (the sandbox's
    when it runs one by that name). The others are not planned (their rulebase is left to
    whoever runs it)."""
    from providers.panos import env_name  # noqa: PLC0415 - no SDK there

    def known(label: str) -> bool:
        if sandbox is not None:
            held = sandbox.get("panos", {})
            if label.startswith(PANORAMA + "/"):
                return label.split("/")[1] in held.get("panoramas", {})
            return label in held.get("firewalls", {})
        if label.startswith(PANORAMA + "/"):
            return True
        return bool(os.environ.get(f"EASTWEST_PANOS_{env_name(label)}_HOST"))

    return [label for label in labels if known(label)]


def panos_adapters(policy: str, sandbox: Mapping[str, Any] | None) -> AdapterOf:
    def make(label: str) -> FirewallAdapter:
        from providers import panos_adapter  # noqa: PLC0415 - pan-os-python only when asked

        adapter: FirewallAdapter = panos_adapter(label, policy=policy, sandbox=sandbox)
        return adapter

    return make


def with_firewalls(
    result: PlanResult,
    policy: Policy,
    sandbox: Mapping[str, Any] | None,
    adapter_of: AdapterOf | None = None,
) -> PlanResult:
    """``result`` with the rulebase of every reachable hub firewall planned beside the clouds
    (through ``adapter_of``, pan-os-python's adapters unless a test injects others)."""
    if result.plan is None:
        return result
    # A segment's addresses may be short only where a scope's networks were not read.
    scopes = result.plan.scopes
    unread = any(sp.skipped and sp.scope not in result.inventory for sp in scopes)
    labels = reachable(hub_firewalls(policy), sandbox)
    adapter_of = adapter_of or panos_adapters(policy.name, sandbox)
    return _with_labels(result, policy, labels, adapter_of, unread=unread)


@dataclass(frozen=True, slots=True)
class FirewallReach:
    """How the reconciler reaches the hub firewalls: the sandbox's, or (``sandbox`` None)
    those ``EASTWEST_PANOS_<LABEL>_HOST`` names; through pan-os-python unless ``adapters``
    (policy name → adapter of a label) is injected."""

    sandbox: Mapping[str, Any] | None = None
    adapters: Callable[[str], AdapterOf] | None = None

    def adapter_of(self, policy: str) -> AdapterOf:
        if self.adapters is not None:
            return self.adapters(policy)
        return panos_adapters(policy, self.sandbox)


def scope_firewalls(policy: Policy, scope: Scope) -> list[str]:
    """The firewalls of the hubs in ``scope``. A label two hubs share (same cloud and zone in
    two accounts) belongs to the first hub's scope, so that one partition alone writes it."""
    owner: dict[str, Scope] = {}
    for hub in policy.hubs:
        for label in rulebase_labels(policy, hub):
            owner.setdefault(label, hub_scope(policy, hub))
    return [label for label, held in owner.items() if held == scope]


def with_scope_firewalls(
    result: PlanResult,
    policy: Policy,
    scope: Scope,
    reach: FirewallReach,
    skipped: Iterable[Scope] = (),
) -> PlanResult:
    """A reconciler partition's ``result`` with the firewalls of its scope's hubs planned;
    ``skipped``: the scopes the compile could not read (their networks may be missing)."""
    unread = any(s not in result.inventory for s in skipped)
    labels = reachable(scope_firewalls(policy, scope), reach.sandbox)
    return _with_labels(result, policy, labels, reach.adapter_of(policy.name), unread=unread)


def _with_labels(
    result: PlanResult,
    policy: Policy,
    labels: Sequence[str],
    adapter_of: AdapterOf,
    *,
    unread: bool,
) -> PlanResult:
    plan = result.plan
    if plan is None or result.failed or not labels:
        return result
    if missing("panos"):
        note = warning(
            f"the rulebase of firewall(s) {', '.join(labels)} is not planned: the panos extra "
            "is not installed (pip install 'eastwest[panos]')"
        )
        diags: tuple[Diagnostic, ...] = (note,)
        firewalls: tuple[FirewallPlan, ...] = ()
    else:
        firewalls, diags = plan_firewalls(
            policy, result.placements(policy), labels, adapter_of, creations_only=unread
        )
    plan = replace(plan, firewalls=firewalls, diagnostics=(*plan.diagnostics, *diags))
    return replace(result, plan=plan, diagnostics=(*result.diagnostics, *diags))


def plan_firewalls(
    policy: Policy,
    membership: Membership,
    labels: Sequence[str],
    adapter_of: AdapterOf,
    *,
    creations_only: bool = False,
) -> tuple[tuple[FirewallPlan, ...], tuple[Diagnostic, ...]]:
    plans: list[FirewallPlan] = []
    diags: list[Diagnostic] = []
    for label in labels:
        try:
            planned = plan_rulebase(policy, membership, label, adapter_of(label))
        except EastwestError as exc:
            reason = f"could not be read: {exc}"
            diags.append(skipped_scope(f"firewall {label} {reason}; no changes planned for it"))
            plans.append(FirewallPlan(label, (), None, skipped=reason))
            continue
        diags.extend(planned.diagnostics)
        changes = planned.changes
        if creations_only:
            changes, held = _creations(changes)
            diags.extend(_held_note(label, held))
        plans.append(FirewallPlan(label, changes, planned.fingerprint))
    # The compiler's diagnostics come once per firewall: said once.
    return tuple(plans), tuple(dict.fromkeys(diags))


def _creations(
    changes: Sequence[NgfwChange],
) -> tuple[tuple[NgfwChange, ...], list[NgfwChange]]:
    kept = tuple(c for c in changes if c.action is Action.CREATE)
    return kept, [c for c in changes if c.action is not Action.CREATE]


def _held_note(label: str, held: list[NgfwChange]) -> list[Diagnostic]:
    if not held:
        return []
    return [
        warning(
            code=HELD_BACK,
            summary=f"firewall {label}: {len(held)} deletion(s) or update(s) held back because "
            "a scope's networks could not be read",
            detail="a segment's addresses may be missing only because they were not read; "
            "the next complete plan makes the rest",
        )
    ]


def apply_firewalls(
    firewalls: Sequence[FirewallPlan], adapter_of: AdapterOf
) -> list[FirewallOutcome]:
    """One batched edit and one commit per firewall with changes; a firewall that fails is
    its own failure, the others are still applied."""
    outcomes = []
    for planned in firewalls:
        if not planned.changes:
            continue
        try:
            applied = adapter_of(planned.firewall).apply(planned.changes)
        except EastwestError as exc:
            outcomes.append(FirewallOutcome(planned.firewall, planned.changes, None, str(exc)))
            continue
        outcomes.append(FirewallOutcome(planned.firewall, planned.changes, applied))
    return outcomes


def guarded(adapter_of: AdapterOf, guard: Callable[[], None]) -> AdapterOf:
    """``adapter_of`` calling ``guard`` first: the reconciler's lease check (it raises once
    the lease is lost), so each firewall's write starts only while the lease is held."""

    def fenced(label: str) -> FirewallAdapter:
        guard()
        return adapter_of(label)

    return fenced
