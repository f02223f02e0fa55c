"""Plan and apply eastwest's section of one firewall's rulebase (docs/panos.md).

In: the policy, its membership, the firewall's label and its adapter (``FirewallAdapter``:
``providers.panos.adapter.PanosAdapter``, made by ``providers.panos_adapter``). Out: a
``RulebasePlan`` (changes in apply order, diagnostics) and, from ``apply_rulebase``, the
``FirewallApplied`` outcome. Always: a plan with an error (an application or profile group
the firewall does not know, a name of eastwest's taken by an object without its tag) writes
nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from orchestrator.compile.membership import Membership
from orchestrator.compile.ngfw import check_catalogue, compile_firewalls
from orchestrator.diagnostics import Diagnostic, Severity, error
from orchestrator.model.policy import Policy
from orchestrator.plan.ngfw import diff_firewall
from orchestrator.state.ngfw import (
    FirewallApplied,
    FirewallCatalogue,
    FirewallState,
    NgfwChange,
    NgfwRule,
    fingerprint,
)


class FirewallAdapter(Protocol):
    def observe(self) -> FirewallState: ...

    def catalogue(
        self, applications: Iterable[str], profiles: Iterable[str]
    ) -> FirewallCatalogue: ...

    def apply(self, changes: Sequence[NgfwChange]) -> FirewallApplied: ...


@dataclass(frozen=True)
class RulebasePlan:
    firewall: str
    changes: tuple[NgfwChange, ...]
    diagnostics: tuple[Diagnostic, ...]
    fingerprint: str = ""  # of what was observed on the firewall

    @property
    def failed(self) -> bool:
        return any(d.severity is Severity.ERROR for d in self.diagnostics)


def plan_rulebase(
    policy: Policy, membership: Membership, label: str, adapter: FirewallAdapter
) -> RulebasePlan:
    states, diags = compile_firewalls(policy, membership)
    want = states.get(label, FirewallState(label))
    seen = adapter.observe()
    rules = [r for r in want.resources.values() if isinstance(r, NgfwRule)]
    catalogue = adapter.catalogue(
        (a for r in rules for a in r.applications), (r.profile for r in rules if r.profile)
    )
    diags += check_catalogue(policy, label, catalogue.applications, catalogue.profiles)
    wanted = {getattr(r, "name", "") for r in want.resources.values()}
    for name in sorted(seen.foreign & wanted):
        summary = (
            f"firewall {label} holds '{name}' without eastwest's tag: eastwest will not write "
            "over it; remove it or tag it 'eastwest'"
        )
        diags.append(error(summary))
    changes = diff_firewall(want, FirewallState(label, seen.resources))
    return RulebasePlan(label, tuple(changes), tuple(diags), fingerprint(seen))


def apply_rulebase(plan: RulebasePlan, adapter: FirewallAdapter) -> FirewallApplied:
    if plan.failed:
        raise ValueError(f"the plan for firewall {plan.firewall} has errors: nothing to apply")
    return adapter.apply(plan.changes)
