"""The reconciler's audit tick dry-runs the plan over the flow store: which observed flows the
planned state would block (in the run's notes, its history and the eastwest_flows_blocked
gauge) and which rules no flow used; enforce mode and a missing store do not fail a run."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from orchestrator.errors import ObservationError
from orchestrator.flows.audit import FlowDryRun
from orchestrator.flows.ingest import ingest_paths
from orchestrator.flows.store import FlowStore
from orchestrator.model import load_policy
from orchestrator.reconcile.metrics import Metrics
from orchestrator.reconcile.once import Mode, Outcome, RunResult, Tick, reconcile_once
from orchestrator.reconcile.partition import Partition, partitions_of
from orchestrator.reconcile.service import record_of
from orchestrator.reconcile.source import PolicySource
from orchestrator.state import Scope
from tests.orchestrator.factories import ACCOUNT, SCOPE, inventory
from tests.orchestrator.many_scopes import Estate, estate_body, scope_of
from tests.orchestrator.reconcile.fakes import TARGET, FakeCloud, write_policy

PARTITION = Partition(SCOPE, TARGET)
WEB, DB, DB2, ONPREM, NET = "10.10.1.5", "10.30.0.9", "10.31.4.4", "172.16.0.7", "203.0.113.5"
# (client, server, server port, connections): each connection is logged both ways.
TRAFFIC = [
    (WEB, DB, 5432, 3),  # web-to-db allows it
    (DB, WEB, 22, 2),  # denied: 4 records
    (WEB, DB2, 3306, 1),  # denied: 2 records
    (ONPREM, WEB, 443, 1),  # onprem is a segment of addresses, web is guarded: denied, 2
    (NET, WEB, 443, 5),  # an end in no segment: external, never blocked
]
BLOCKED = {
    ("db", "web", "tcp/22"): 4,
    ("web", "db", "tcp/3306"): 2,
    ("onprem", "web", "tcp/443"): 2,
}


def _store(tmp_path: Path, traffic: list[tuple[str, str, int, int]]) -> Path:
    lines = []
    for n, (client, server, port, connections) in enumerate(traffic):
        for c in range(connections):
            t, eph = 1_700_000_000 + 60 * n, 40000 + c
            lines.append(
                f"2 {ACCOUNT} eni-1 {client} {server} {eph} {port} 6 1 60 {t} {t} ACCEPT OK"
            )
            lines.append(
                f"2 {ACCOUNT} eni-2 {server} {client} {port} {eph} 6 1 60 {t} {t} ACCEPT OK"
            )
    (tmp_path / "flows.log").write_text("\n".join(lines) + "\n")
    store = tmp_path / "flows.duckdb"
    with FlowStore(store) as db:
        assert ingest_paths(db, [tmp_path / "flows.log"]).records == len(lines)
    return store


def _tick(tmp_path: Path, mode: Mode, store: Path) -> RunResult:
    source = PolicySource([write_policy(tmp_path / "policy.yaml")])
    tick = Tick(mode, flows=FlowDryRun(store, top=2))
    return reconcile_once(PARTITION, source, FakeCloud.converged().adapters, tick)


def test_an_audit_tick_reports_what_the_plan_would_block(tmp_path: Path) -> None:
    result = _tick(tmp_path, Mode.AUDIT, _store(tmp_path, TRAFFIC))
    assert result.outcome is Outcome.IN_SYNC
    assert result.flows is not None
    assert result.flows.blocked_records == sum(BLOCKED.values())
    assert result.flows.blocked_count == len(BLOCKED)
    assert result.flows.unseen_rules_count == 0
    blocked = [n for n in result.notes if n.startswith("flows: blocked")]
    # the top 2 by records, the largest first
    assert blocked == ["flows: blocked db -> web tcp/22: 4 record(s)", blocked[1]]
    assert blocked[1].endswith(": 2 record(s)")
    history = record_of(result, "me", None)
    assert any("would block 8 observed record(s) in 3" in m for m in history.messages)
    metrics = Metrics()
    metrics.observe(result)
    gauge = metrics.registry.get_sample_value(
        "eastwest_flows_blocked", {"policy": "test", "scope": PARTITION.name}
    )
    assert gauge == sum(BLOCKED.values())


def test_rules_no_flow_used_are_reported(tmp_path: Path) -> None:
    result = _tick(tmp_path, Mode.AUDIT, _store(tmp_path, TRAFFIC[1:]))
    assert result.flows is not None
    assert result.flows.unseen_rules_count == 1
    assert "flows: never seen web-to-db (web -> db): tcp/5432" in result.notes


def test_a_scope_with_no_member_counts_nothing(tmp_path: Path) -> None:
    policy = load_policy((write_policy(tmp_path / "policy.yaml"),)).policy
    check = FlowDryRun(_store(tmp_path, TRAFFIC))
    assert check(policy, inventory(), SCOPE).blocked_records == sum(BLOCKED.values())
    elsewhere = check(policy, inventory(), Scope("aws", ACCOUNT, "eu-west-1"))
    assert (elsewhere.blocked_records, elsewhere.unseen_rules_count) == (0, 0)


@pytest.mark.parametrize(
    ("mode", "store", "note"),
    [
        pytest.param(Mode.ENFORCE, "flows.duckdb", None, id="enforce-mode-does-not-dry-run"),
        pytest.param(Mode.AUDIT, "missing.duckdb", "could not run", id="missing-store-a-note"),
    ],
)
def test_no_dry_run_never_fails_a_run(
    tmp_path: Path, mode: Mode, store: str, note: str | None
) -> None:
    _store(tmp_path, TRAFFIC)
    result = _tick(tmp_path, mode, tmp_path / store)
    assert result.outcome is Outcome.IN_SYNC
    assert result.flows is None
    notes = [n for n in result.notes if n.startswith("flows:")]
    assert notes == ([] if note is None else [notes[0]])
    assert note is None or note in notes[0]


def test_a_partial_tick_does_not_dry_run(tmp_path: Path) -> None:
    """A scope whose inventory could not be read would place its addresses nowhere: the
    blocked counts would be too low, so the tick says it did not dry-run."""
    path = tmp_path / "estate.yaml"
    path.write_text(yaml.safe_dump(estate_body(3), sort_keys=False), encoding="utf-8")
    source = PolicySource([path])
    estate = Estate(fail={(scope_of(2), "inventory"): ObservationError("503")})
    tick = Tick(Mode.AUDIT, flows=FlowDryRun(_store(tmp_path, TRAFFIC)))
    runs = [
        reconcile_once(p, source, lambda _: estate, tick)
        for p in partitions_of(source.load().loaded.policy)
    ]
    partial = [r for r in runs if r.outcome is Outcome.PARTIAL]
    assert partial
    for run in partial:
        assert run.flows is None
        assert "flows: no dry run: a scope of the policy could not be read" in run.notes
