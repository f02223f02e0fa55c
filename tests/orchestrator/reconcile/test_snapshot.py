"""The reconciler's cost per partition is constant: inventory and transit are read once per
scope per interval for all partitions (a shared snapshot with its age), and a tick reads only
its own scope. A budget test over fake adapters counts the calls per tick as P grows."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from orchestrator.errors import ObservationError
from orchestrator.fanout import fan_out
from orchestrator.pipeline import AdapterFor, compile_for
from orchestrator.reconcile.once import CompileFn, Mode, Outcome, RunResult, Tick, reconcile_once
from orchestrator.reconcile.partition import Partition, partitions_of
from orchestrator.reconcile.snapshot import SharedCompile
from orchestrator.reconcile.source import PolicySource
from tests.orchestrator.many_scopes import Estate, estate_body, scope_of


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _source(tmp_path: Path, n: int) -> PolicySource:
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(estate_body(n), sort_keys=False), encoding="utf-8")
    return PolicySource([path])


def _interval(
    source: PolicySource, estate: Estate, compile_fn: CompileFn, workers: int = 1
) -> list[RunResult]:
    """One tick of every partition, as the scheduler runs them in one interval."""
    tick = Tick(Mode.AUDIT, compile=compile_fn)

    def adapters(_name: str) -> AdapterFor:
        return estate

    def one(partition: Partition) -> RunResult:
        return reconcile_once(partition, source, adapters, tick)

    return fan_out(partitions_of(source.load().loaded.policy), one, workers)


@pytest.mark.parametrize("partitions", [10, 40, 100])
def test_calls_per_tick_are_flat_in_the_number_of_partitions(
    tmp_path: Path, partitions: int
) -> None:
    estate = Estate()
    runs = _interval(_source(tmp_path, partitions), estate, SharedCompile(300.0, clock=Clock()))

    assert {r.outcome for r in runs} == {Outcome.PENDING}
    # One identity, one inventory, one observation and one access read (the audit's
    # effective-access check) per scope (one account per scope here): 4 calls per tick
    # whatever P is.
    assert estate.total() == 4 * partitions
    assert {n for (what, _), n in estate.calls.items()} == {1}
    assert estate.total("observe") == partitions


@pytest.mark.parametrize("partitions", [10, 40])
def test_without_the_snapshot_every_tick_reads_every_scope(tmp_path: Path, partitions: int) -> None:
    """The budget above can fail: compiling per tick reads all P inventories in each of the P
    ticks (P identities + P inventories + 1 observation + 1 access read per tick)."""
    estate = Estate()
    _interval(_source(tmp_path, partitions), estate, compile_for)
    assert estate.total() == partitions * (2 * partitions + 2)


def test_ticks_running_at_once_share_one_refresh(tmp_path: Path) -> None:
    estate = Estate(lambda what, _: 0.01 if what == "inventory" else 0.0)
    shared = SharedCompile(300.0, clock=Clock())
    runs = _interval(_source(tmp_path, 24), estate, shared, workers=8)

    assert len(runs) == 24
    assert shared.refreshes == 1
    assert estate.total("inventory") == 24


@pytest.mark.parametrize(
    ("elapsed", "refreshes"),
    [(10.0, 1), (299.0, 1), (300.0, 2), (900.0, 2)],
    ids=["young", "just-young", "one-interval-old", "long-idle"],
)
def test_the_snapshot_is_read_again_once_it_is_an_interval_old(
    tmp_path: Path, elapsed: float, refreshes: int
) -> None:
    clock, estate = Clock(), Estate()
    shared = SharedCompile(300.0, clock=clock)
    source = _source(tmp_path, 6)
    _interval(source, estate, shared)
    clock.now += elapsed
    _interval(source, estate, shared)

    assert shared.refreshes == refreshes
    assert estate.total("inventory") == 6 * refreshes
    assert estate.total("observe") == 12  # a tick always reads its own scope
    assert shared.age() == pytest.approx(elapsed if refreshes == 1 else 0.0)


def test_a_changed_policy_is_compiled_at_once(tmp_path: Path) -> None:
    estate, shared = Estate(), SharedCompile(300.0, clock=Clock())
    source = _source(tmp_path, 6)
    _interval(source, estate, shared)
    body = estate_body(6)
    body["rules"].append({"name": "db-to-web", "from": "db", "to": "web", "ports": ["tcp/22"]})
    Path(source.paths[0]).write_text(yaml.safe_dump(body, sort_keys=False), encoding="utf-8")
    runs = _interval(source, estate, shared)

    assert shared.refreshes == 2
    assert all("tcp:22" in " ".join(c.key for c in r.plan.changes) for r in runs if r.plan)


def test_a_snapshot_with_an_unread_scope_is_retried_sooner(tmp_path: Path) -> None:
    clock = Clock()
    broken = scope_of(3)
    estate = Estate(fail={(broken, "inventory"): ObservationError("503")})
    shared = SharedCompile(300.0, retry_age=30.0, clock=clock)
    source = _source(tmp_path, 6)
    first = _interval(source, estate, shared)
    clock.now += 31.0
    del estate.fail[broken, "inventory"]
    second = _interval(source, estate, shared)

    assert {r.outcome for r in first} == {Outcome.PARTIAL, Outcome.FAILED}
    assert {r.outcome for r in second} == {Outcome.PENDING}
    assert shared.refreshes == 2
