"""The effective-access check as one step: read the groups and lists at a scope's workloads,
judge every port of the policy, and say what is not as the policy says. ``eastwest paths``,
``eastwest plan`` and the reconciler all call it, so the three never disagree.

In: a ``Policy``, where the plan's compile placed each segment (its ``Membership``, carried
on the ``PlanResult``: a reconciler tick looks up its own scope's placements in the membership
its shared snapshot resolved once, never the whole estate's again), the scopes to check and
their adapters. Out: per scope, per ordered pair of segments, the access
``Violation``s; for a plan, an ``AccessCheck`` of ``AccessFinding``s.
Always: read-only (``AccessReader.access``, one read per scope with members, of the member
networks' workloads only, sharing what the plan's inventory and observation read:
``providers/core/reads.py``); a scope that cannot be
read raises rather than passing on part of it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from orchestrator.compile.membership import Membership
from orchestrator.compile.transit import pair_expectations
from orchestrator.diagnostics import skipped_scope
from orchestrator.errors import EastwestError, ProviderError
from orchestrator.model.policy import Policy
from orchestrator.model.ports import PortRange, parse_port_spec
from orchestrator.paths.access import Probe, check_access
from orchestrator.paths.check import Expect, Member, Violation
from orchestrator.pipeline import AdapterFor, PlanResult, Progress
from orchestrator.plan.findings import AccessCheck, AccessFinding
from orchestrator.state import Scope, Target
from providers.base import AccessReader

Found = dict[tuple[str, str], tuple[Violation, ...]]


def scope_access(policy: Policy, members: Sequence[Member], adapter: object, scope: Scope) -> Found:
    """What the groups and lists at the scope's workloads get wrong, per ordered pair. An
    adapter that cannot read them is an error, never a pass: no finding would be a false
    green (DESIGN.md rule 8)."""
    if not members:
        return {}
    if not isinstance(adapter, AccessReader):
        raise ProviderError(f"the {scope.cloud} adapter cannot read the groups at the workloads")
    probes, allowed = policy_probes(policy)
    # Only workloads in a member network are ever placed in a segment (``check._placed``), so
    # the reader may skip what only the others need; it still reads all of a member's.
    model = adapter.access(scope, frozenset(m.network for m in members))
    found = check_access(model, members, probes, allowed, expectations(policy))
    if model.named is not None and any(found.values()):
        # A finding names the rule that opens or blocks: judged again on named rules (AWS
        # reads its rule ids only then; a no-op plan with nothing to report saves the read).
        found = check_access(model.named(), members, probes, allowed, expectations(policy))
    return found


def plan_access(
    policy: Policy,
    membership: Membership,
    scopes: Mapping[Scope, Target],
    adapter_for: AdapterFor,
    progress: Progress,
) -> AccessCheck:
    """Every scope's findings, in scope and pair order. Only the scopes' own placements are
    looked up: what a scope's check judges is its own workloads (``scope_access``)."""
    findings: list[AccessFinding] = []
    unchecked: list[tuple[str, str]] = []
    for scope, target in sorted(scopes.items()):
        members = members_in(membership, scope)
        if not members:
            continue
        progress(f"Reading the groups and lists at the workloads of {scope}")
        try:
            found = scope_access(policy, members, adapter_for(target), scope)
        except EastwestError as exc:  # this scope unchecked (partial); the others go on
            unchecked.append((str(scope), f"{scope} ({target.name}): {exc}"))
            continue
        findings.extend(findings_of(scope, found))
    skipped = "; ".join(why for _, why in unchecked)
    return AccessCheck(True, tuple(findings), skipped, tuple(unchecked))


def with_access_check(
    result: PlanResult, policy: Policy, adapter_for: AdapterFor, progress: Progress
) -> PlanResult:
    """``result`` with its plan's ``access`` filled for every scope it planned. A scope whose
    groups cannot be read is unchecked: the plan is partial (exit 1, never "the clouds match
    the policy"), with an error naming the scope, and the other scopes' changes still apply,
    as for a scope whose inventory cannot be read (DESIGN.md: fault isolation)."""
    plan = result.plan
    if plan is None or result.failed:
        return result
    scopes = {sp.scope: sp.target for sp in plan.scopes if sp.skipped is None}
    check = plan_access(policy, result.placements(policy), scopes, adapter_for, progress)
    problems = tuple(
        skipped_scope(
            f"the effective-access check could not read the workloads' groups and lists of "
            f"{why}; its changes are still planned, but no plan can say the policy "
            "holds there (--no-access-check skips the check: routing-only estates)"
        )
        for _, why in check.unchecked
    )
    plan = replace(plan, access=check, diagnostics=(*plan.diagnostics, *problems))
    return replace(result, plan=plan, diagnostics=(*result.diagnostics, *problems))


def findings_of(scope: Scope, found: Found) -> list[AccessFinding]:
    return [
        AccessFinding(str(scope), a, b, str(v.finding), v.problem, v.example, v.count)
        for (a, b), violations in sorted(found.items())
        for v in violations
    ]


def members_in(membership: Membership, scope: Scope) -> list[Member]:
    return [Member(p.segment, p.network, p.cidrs) for p in membership.in_scope(scope)]


def policy_probes(policy: Policy) -> tuple[list[Probe], dict[tuple[str, str], list[Probe]]]:
    """One probe per port range of the policy (its first port), and per ordered pair the
    probes its rules allow (from → to, and to → from for a bidirectional rule: replies pass
    by statefulness)."""
    ranges = [
        (a, b, parse_port_spec(spec))
        for r in policy.rules
        for a, b in r.directions()
        for spec in r.ports
    ]
    probes = sorted({_probe(pr) for _, _, pr in ranges if pr.protocol != "all"})
    allowed: dict[tuple[str, str], list[Probe]] = {}
    for a, b, pr in ranges:
        covered = [p for p in probes if _covers(pr, p)]
        allowed.setdefault((a, b), []).extend(covered)
    return probes, allowed


def _probe(pr: PortRange) -> Probe:
    return Probe("icmp") if pr.protocol == "icmp" else Probe(pr.protocol, pr.from_port)


def _covers(pr: PortRange, probe: Probe) -> bool:
    if pr.protocol in ("all", "icmp"):
        return pr.protocol == "all" or probe.protocol == "icmp"
    return pr.protocol == probe.protocol and pr.from_port <= probe.port <= pr.to_port


def expectations(policy: Policy) -> dict[tuple[str, str], Expect]:
    """Each ordered pair a rule allows, both ways; a pair with any inspected rule is inspected
    (the same reading the route compiler makes)."""
    return {pair: Expect(kind) for pair, kind in pair_expectations(policy).items()}
