"""`flows recommend`: the fewest rules covering a generated ground truth, with evidence; the
proposal loads as a policy and blocks none of the flows it was made from."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pytest
import yaml

from orchestrator.flows.analysis import observe
from orchestrator.flows.context import view_of
from orchestrator.flows.ingest import ingest_paths
from orchestrator.flows.recommend import recommend_policy
from orchestrator.flows.store import FlowStore
from orchestrator.model import load_policy
from tests.orchestrator.flows import truth


def _propose(tmp_path: Path, seed: int) -> tuple[str, truth.Truth, Path]:
    made = truth.make(tmp_path / "flows.log", seed=seed)
    view = view_of(truth.policy(), truth.inventory())
    store = tmp_path / "flows.duckdb"
    with FlowStore(store) as db:
        ingest_paths(db, [tmp_path / "flows.log"])
        observed = observe(db, view.attribution, view.judge)
    return recommend_policy([Path("truth.yaml")], view, observed), made, store


@pytest.mark.parametrize("seed", [2, 9, 31])
def test_one_rule_per_pair_seen_with_its_ports_and_evidence(tmp_path: Path, seed: int) -> None:
    text, made, _ = _propose(tmp_path, seed)
    rules = yaml.safe_load(text)["rules"]
    expected: dict[tuple[str, str], set[str]] = defaultdict(set)
    records: dict[tuple[str, str], int] = defaultdict(int)
    for (source, target, port), (count, _, verdict) in made.services.items():
        if source != target and verdict != "external":
            expected[(source, target)].add(port)
            records[(source, target)] += count
    assert {(r["from"], r["to"]): set(r["ports"]) for r in rules} == expected
    for pair, count in records.items():
        assert f"# evidence: {count} flow record(s)" in text, pair
    inspected = {(r["from"], r["to"]) for r in rules if r.get("inspect")}
    assert inspected == {("app", "db")} & set(expected)


def test_the_proposal_is_a_policy_that_blocks_nothing_it_saw(tmp_path: Path) -> None:
    text, _, store = _propose(tmp_path, seed=4)
    path = tmp_path / "proposed.yaml"
    path.write_text(text)
    proposed = load_policy((path,)).policy
    view = view_of(proposed, truth.inventory())
    with FlowStore(store) as db:
        observed = observe(db, view.attribution, view.judge)
    assert [s for s in observed.services if s.verdict == "denied"] == []
    assert [a.name for a in proposed.accounts] == ["prod"]


def test_ports_seen_next_to_each_other_merge_into_a_range(tmp_path: Path) -> None:
    lines = [
        f"2 1 eni-1 10.10.0.5 10.20.0.5 40000 {port} 6 1 10 100 160 ACCEPT OK"
        for port in (8080, 8081, 8082, 9000)
    ]
    (tmp_path / "f.log").write_text("\n".join(lines) + "\n")
    view = view_of(truth.policy(), truth.inventory())
    with FlowStore(tmp_path / "s.duckdb") as db:
        ingest_paths(db, [tmp_path / "f.log"])
        observed = observe(db, view.attribution, view.judge)
    (rule,) = yaml.safe_load(recommend_policy([], view, observed))["rules"]
    assert rule["ports"] == ["tcp/8080-8082", "tcp/9000"]
