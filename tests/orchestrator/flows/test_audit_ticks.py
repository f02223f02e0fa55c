"""The flow dry run of an audit tick costs its own scope, not the estate (issue 13): the
attribution of the whole estate and the judge are built once per shared compile, from the
membership it resolved (no tick looks at the estate's inventories again), and what each tick
reports is what a dry run resolving the estate afresh reports for that scope. A P-scope estate
of fake adapters (``tests/orchestrator/paths/test_tick_cost.py``), injected; no patching."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from orchestrator.flows.audit import FlowAudit, FlowDryRun
from orchestrator.reconcile.once import Mode, Tick, reconcile_once
from orchestrator.reconcile.partition import partitions_of
from orchestrator.reconcile.source import PolicySource
from orchestrator.state import Scope
from tests.orchestrator.flows.talks import store_of
from tests.orchestrator.paths.test_tick_cost import Estate, SharedOnce, _body


def _store(tmp_path: Path, p: int) -> Path:
    """In each scope web → db on tcp/5432 (allowed) and db → web on tcp/22 (blocked); and each
    scope's web → the next scope's db on tcp/3306 (blocked): a peer in another scope."""
    talks = [(f"10.1.{i}.5", f"10.2.{i}.5", 5432, 1 + i % 3) for i in range(p)]
    talks += [(f"10.2.{i}.5", f"10.1.{i}.5", 22, 2) for i in range(p)]
    talks += [(f"10.1.{i}.5", f"10.2.{(i + 1) % p}.5", 3306, 1) for i in range(p)]
    return store_of(tmp_path, talks)


def _source(tmp_path: Path, p: int) -> PolicySource:
    path = tmp_path / "policy.yaml"
    path.write_text(yaml.safe_dump(_body(p), sort_keys=False), encoding="utf-8")
    return PolicySource([path])


@pytest.mark.parametrize("p", [3, 12], ids=lambda p: f"P={p}")
def test_audit_ticks_share_one_attribution_and_report_what_a_fresh_dry_run_does(
    tmp_path: Path, p: int
) -> None:
    store = _store(tmp_path, p)
    source = _source(tmp_path, p)
    policy = source.load().loaded.policy
    estate = Estate(p=p)
    shared = SharedOnce(estate)
    check = FlowDryRun(store)
    ticked: dict[Scope, FlowAudit] = {}
    for partition in partitions_of(policy):
        result = reconcile_once(partition, source, lambda _: estate, Tick(
            Mode.AUDIT, compile=shared, flows=check))  # fmt: skip
        assert result.flows is not None, result.notes
        ticked[partition.scope] = result.flows
    # Before: each tick resolved the estate's membership (every scope's inventory) and built
    # its attribution again; now one view served the interval.
    assert check.views == 1
    assert shared.touched == 0
    fresh = FlowDryRun(store)
    expected = {s: fresh(policy, estate.inventories(), s) for s in ticked}
    assert ticked == expected
    # Each scope blocks its own db → web on tcp/22 and the web → db tcp/3306 it takes part in.
    assert all(a.blocked_count == 2 for a in ticked.values())


def test_a_new_compile_builds_a_new_view(tmp_path: Path) -> None:
    # The view is of one compile: the next interval's snapshot (new objects) is judged anew.
    store = _store(tmp_path, 3)
    policy = _source(tmp_path, 3).load().loaded.policy
    estate = Estate(p=3)
    check = FlowDryRun(store)
    scope = next(iter(estate.inventories()))
    first = check(policy, estate.inventories(), scope)
    second = check(policy, estate.inventories(), scope)
    assert (check.views, first) == (2, second)
