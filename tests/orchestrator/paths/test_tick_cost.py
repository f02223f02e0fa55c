"""A reconciler tick's effective-access check costs its own scope, not the estate (issue 13):
it places its workloads with the membership the shared compile resolved, looked up for its own
scope, and never reads the estate's inventories again; and what the ticks find, scope by
scope, is what ``eastwest plan`` finds over every scope. A P-scope estate of fake adapters,
injected; the inventories count every scope a caller looks at (no patching, no timing)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest
import yaml

from orchestrator.model.policy import Policy
from orchestrator.paths.effect import with_access_check
from orchestrator.pipeline import (
    AdapterFor,
    Compiled,
    EstateReads,
    Progress,
    compile_reads,
    plan_policy,
)
from orchestrator.plan.findings import AccessFinding
from orchestrator.reconcile.once import Mode, Tick, reconcile_once
from orchestrator.reconcile.partition import partitions_of
from orchestrator.reconcile.source import PolicySource
from orchestrator.state import Network, Scope, ScopeInventory, Target
from orchestrator.state.access import AccessModel, Combine, EffectiveRule, RuleSet, Workload
from providers.base import Adapter
from tests.orchestrator.many_scopes import REGION, ScopeAdapter, account_id, scope_of
from tests.orchestrator.many_scopes import Estate as Clouds

OUT_ALL = EffectiveRule("sg-out", "sgr-out", False, True, "all")
PG_FROM_WEB = EffectiveRule("sg-db", "sgr-pg", True, True, "tcp", 5432, 5432, ("10.1.0.0/16",))
ANYTHING_IN = EffectiveRule("sg-open (wide-open)", "sgr-any", True, True, "all")


def _body(p: int) -> dict[str, Any]:
    """P accounts of one region each, every scope holding a web and a db VPC (tagged), so
    each tick has a pair of segments of its own to judge."""
    members = {
        s: [{"account": f"a{i}", "region": REGION, "tags": {"segment": s}} for i in range(p)]
        for s in ("web", "db")
    }
    return {
        "version": 1,
        "name": "test",
        "accounts": [
            {"name": f"a{i}", "cloud": "aws", "account_id": account_id(i), "regions": [REGION]}
            for i in range(p)
        ],
        "segments": [{"name": s, "members": m} for s, m in members.items()],
        "rules": [{"name": "web-to-db", "from": "web", "to": "db", "ports": ["tcp/5432"]}],
    }


def _workloads(i: int, *, opened: bool) -> tuple[Workload, ...]:
    """A web and a db interface as the policy says, or with web wide open (db → web)."""
    web_in = (ANYTHING_IN,) if opened else ()
    return (
        Workload(f"eni-web-{i}", f"vpc-web-{i}", f"subnet-web-{i}", f"10.1.{i}.5",
                 (RuleSet(f"groups on eni-web-{i}", Combine.ANY_ALLOW, (OUT_ALL, *web_in)),)),
        Workload(f"eni-db-{i}", f"vpc-db-{i}", f"subnet-db-{i}", f"10.2.{i}.5",
                 (RuleSet(f"groups on eni-db-{i}", Combine.ANY_ALLOW, (OUT_ALL, PG_FROM_WEB)),)),
    )  # fmt: skip


@dataclass
class Estate(Clouds):
    """The fake clouds of P scopes, each holding a web and a db VPC and their interfaces;
    ``opened``: the indexes of the scopes whose web interfaces a hand-made group opens to
    everything. Every call is counted per scope (``Clouds.calls``)."""

    p: int = 0
    opened: frozenset[int] = frozenset()

    def __call__(self, target: Target) -> Adapter:
        return _Adapter(self, target)

    def inventory(self, scope: Scope) -> ScopeInventory:
        i = _index(scope)
        return ScopeInventory(scope, (
            Network(f"vpc-web-{i}", (f"10.1.{i}.0/24",), {"segment": "web"}),
            Network(f"vpc-db-{i}", (f"10.2.{i}.0/24",), {"segment": "db"}),
        ))  # fmt: skip

    def inventories(self) -> dict[Scope, ScopeInventory]:
        return {scope_of(i): self.inventory(scope_of(i)) for i in range(self.p)}


class _Adapter(ScopeAdapter):
    def __init__(self, estate: Estate, target: Target) -> None:
        super().__init__(estate, target)
        self.layout = estate

    def inventory(self, region: str) -> ScopeInventory:
        scope = Scope("aws", self.target.account, region)
        self.estate.call("inventory", scope)
        return self.layout.inventory(scope)

    def access(self, scope: Scope, networks: Collection[str] | None = None) -> AccessModel:
        self.estate.call("access", scope)
        i = _index(scope)
        return AccessModel(scope, _workloads(i, opened=i in self.layout.opened))


def _index(scope: Scope) -> int:
    return int(scope.account) - int(account_id(0))


class Counted(Mapping[Scope, ScopeInventory]):
    """Inventories that count every scope a caller looks at (by key or by iterating)."""

    def __init__(self, inventories: Mapping[Scope, ScopeInventory]) -> None:
        self._inventories = dict(inventories)
        self.touched = 0

    def __getitem__(self, scope: Scope) -> ScopeInventory:
        self.touched += 1
        return self._inventories[scope]

    def __iter__(self) -> Iterator[Scope]:
        for scope in self._inventories:
            self.touched += 1
            yield scope

    def __len__(self) -> int:
        return len(self._inventories)


@dataclass
class SharedOnce:
    """One compile shared by every tick (as ``snapshot.SharedCompile`` within an interval),
    whose inventory counts what the ticks look at after it."""

    estate: Estate
    compiled: Compiled | None = None

    def __call__(self, policy: Policy, adapter_for: AdapterFor, progress: Progress) -> Compiled:
        if self.compiled is None:
            reads = EstateReads(self.estate.inventories(), {}, {})
            compiled = compile_reads(policy, reads)
            self.compiled = replace(compiled, inventory=Counted(compiled.inventory))
        return self.compiled

    @property
    def touched(self) -> int:
        assert self.compiled is not None
        assert isinstance(self.compiled.inventory, Counted)
        return self.compiled.inventory.touched


def _source(tmp_path: Path, p: int) -> PolicySource:
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(_body(p), sort_keys=False), encoding="utf-8")
    return PolicySource([path])


def _ticks(source: PolicySource, estate: Estate, shared: SharedOnce) -> list[AccessFinding]:
    """Every partition ticked once, in audit mode: the findings of all of them."""
    tick = Tick(Mode.AUDIT, compile=shared)
    found: list[AccessFinding] = []
    for partition in partitions_of(source.load().loaded.policy):
        result = reconcile_once(partition, source, lambda _: estate, tick)
        assert result.plan is not None, result.errors
        assert result.plan.access.ran
        found.extend(result.findings)
    return found


@pytest.mark.parametrize("p", [3, 12, 40], ids=lambda p: f"P={p}")
def test_a_tick_checks_access_without_looking_at_another_scopes_inventory(
    tmp_path: Path, p: int
) -> None:
    # Before: each tick resolved the membership of the whole estate (every scope's inventory,
    # O(P) per tick, O(P²) per interval); now the shared compile's membership is looked up.
    estate = Estate(p=p, opened=frozenset({0}))
    shared = SharedOnce(estate)
    found = _ticks(_source(tmp_path, p), estate, shared)
    assert shared.touched == 0
    # Each tick read its own scope's owned resources and groups, and nothing else.
    assert estate.calls == Counter(
        {(call, scope_of(i)): 1 for i in range(p) for call in ("observe", "access")}
    )
    assert {f.scope for f in found} == {str(scope_of(0))}  # and judged them


OPENED = {
    "as-the-policy-says": frozenset[int](),
    "one-scope-opened": frozenset({1}),
    "every-other-scope-opened": frozenset({0, 2, 4}),
}


@pytest.mark.parametrize("opened", OPENED.values(), ids=OPENED.keys())
def test_the_ticks_find_what_the_plan_finds_over_every_scope(
    tmp_path: Path, opened: frozenset[int]
) -> None:
    p = 6
    estate = Estate(p=p, opened=opened)
    source = _source(tmp_path, p)
    policy = source.load().loaded.policy
    planned = with_access_check(plan_policy(policy, estate, _quiet), policy, estate, _quiet)
    assert planned.plan is not None
    ticked = _ticks(source, estate, SharedOnce(estate))
    assert tuple(ticked) == planned.plan.access.findings  # both in scope order
    opened_scopes = {str(scope_of(i)) for i in opened}
    assert {f.scope for f in ticked} == opened_scopes
    assert all((f.source, f.destination) == ("db", "web") for f in ticked)


def _quiet(_: str) -> None:
    pass
