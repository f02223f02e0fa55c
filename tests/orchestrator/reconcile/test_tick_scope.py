"""A reconciler tick's own costs stay with its scope (issue 13): whether its partition is still
governed is answered once per policy object, not by walking every account and region of the
policy each tick; and a hub partition plans its firewalls' rulebase with the placements the
shared compile resolved, never resolving the whole estate's membership again, with the same
firewall plans as before. Fakes injected; the compile's inventory counts every scope a caller
looks at (no patching, no timing)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from orchestrator.firewall_plan import FirewallReach
from orchestrator.model.policy import Policy
from orchestrator.pipeline import (
    AdapterFor,
    Compiled,
    EstateReads,
    Progress,
    compile_reads,
)
from orchestrator.reconcile.governed import governed_scopes
from orchestrator.reconcile.once import Mode, Outcome, Tick, reconcile_once
from orchestrator.reconcile.partition import partitions_of
from orchestrator.reconcile.snapshot import SharedCompile
from orchestrator.reconcile.source import PolicySource
from orchestrator.state.ngfw import FirewallState
from tests.orchestrator.factories import inventory
from tests.orchestrator.many_scopes import Estate, estate_body
from tests.orchestrator.paths.test_tick_cost import Counted, SharedOnce
from tests.orchestrator.paths.test_tick_cost import Estate as Layout
from tests.orchestrator.reconcile.fakes import CommittingFirewall, FakeCloud
from tests.orchestrator.reconcile.test_firewalls import (
    PARTITION,
    SANDBOX,
    A,
    B,
    World,
    hub_policy,
)


@pytest.fixture
def hub_source(tmp_path: Path) -> PolicySource:
    path = tmp_path / "hub.yaml"
    path.write_text(yaml.safe_dump(hub_policy(), sort_keys=False), encoding="utf-8")
    return PolicySource([path])


def _estate_source(tmp_path: Path, p: int) -> PolicySource:
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(estate_body(p), sort_keys=False), encoding="utf-8")
    return PolicySource([path])


@pytest.mark.parametrize("p", [3, 12, 40], ids=lambda p: f"P={p}")
def test_the_policy_is_walked_once_for_all_the_ticks(tmp_path: Path, p: int) -> None:
    # Before: every tick walked the policy's accounts and regions to find its scope there
    # (O(P) per tick, O(P²) per interval); now once per policy object.
    source = _estate_source(tmp_path, p)
    estate = Estate()
    tick = Tick(Mode.AUDIT, compile=SharedCompile(3600.0))
    walked = governed_scopes.computed
    results = [
        reconcile_once(partition, source, lambda _: estate, tick)
        for partition in partitions_of(source.load().loaded.policy)
    ]
    assert governed_scopes.computed - walked == 1
    assert all(r.outcome is not Outcome.SKIPPED for r in results)


def test_a_reload_that_drops_the_scope_skips_its_partition(tmp_path: Path) -> None:
    # The answer is kept per policy object: a new policy is asked afresh.
    source = _estate_source(tmp_path, 3)
    last = partitions_of(source.load().loaded.policy)[-1]
    estate = Estate()
    tick = Tick(Mode.AUDIT, compile=SharedCompile(3600.0))
    assert reconcile_once(last, source, lambda _: estate, tick).outcome is Outcome.PENDING
    (tmp_path / "policy.yaml").write_text(yaml.safe_dump(estate_body(2), sort_keys=False))
    dropped = reconcile_once(last, source, lambda _: estate, tick)
    assert dropped.outcome is Outcome.SKIPPED
    assert dropped.notes[-1] == "no longer governed by the policy"


class Carrying(SharedOnce):
    """The compile a shared snapshot gives, of the one-scope estate of the firewall tests:
    its membership carried, its inventory counting what the tick looks at after it."""

    def __call__(self, policy: Policy, adapter_for: AdapterFor, progress: Progress) -> Compiled:
        if self.compiled is None:
            compiled = compile_reads(policy, EstateReads(dict(inventory()), {}, {}))
            self.compiled = replace(compiled, inventory=Counted(compiled.inventory))
        return self.compiled


@pytest.mark.parametrize("mode", [Mode.AUDIT, Mode.ENFORCE], ids=str)
def test_a_hub_tick_plans_its_firewalls_with_the_compiles_placements(
    hub_source: PolicySource, mode: Mode
) -> None:
    # Before: the hub's rulebase resolved the whole estate's membership every tick.
    carrying = Carrying(Layout())  # its layout unused: the firewall tests' estate is read
    firewalls = {label: CommittingFirewall(label, FirewallState(label)) for label in (A, B)}
    tick = Tick(
        mode,
        compile=carrying,
        firewalls=FirewallReach(SANDBOX, adapters=lambda _: firewalls.__getitem__),
    )
    result = reconcile_once(PARTITION, hub_source, FakeCloud.converged().adapters, tick)
    assert carrying.touched == 0
    # The same firewall plans as from a compile that carries no membership (resolved from
    # its inventory, as every tick did before).
    expected = World(hub_source).tick(Mode.AUDIT)
    assert result.plan is not None
    assert expected.plan is not None
    assert result.plan.firewalls == expected.plan.firewalls
    assert [f.firewall for f in result.plan.firewalls] == [A, B]
    assert sum(len(f.changes) for f in result.plan.firewalls) > 0
