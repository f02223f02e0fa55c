"""The dry run of `plan --flows`: blocked conversations and idle rules match the truth."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchestrator.flows.analysis import Observed, Service, observe
from orchestrator.flows.context import view_of
from orchestrator.flows.dryrun import dry_run, render_text
from orchestrator.flows.ingest import ingest_paths
from orchestrator.flows.store import FlowStore
from orchestrator.model.policy import Policy
from tests.orchestrator.flows import truth


@pytest.mark.parametrize("seed", [5, 8, 13])
def test_blocked_counts_and_unseen_rules_match_the_truth(tmp_path: Path, seed: int) -> None:
    made = truth.make(tmp_path / "flows.log", seed=seed)
    view = view_of(truth.policy(), truth.inventory())
    with FlowStore(tmp_path / "flows.duckdb") as db:
        ingest_paths(db, [tmp_path / "flows.log"])
        report = dry_run(observe(db, view.attribution, view.judge), view.policy, top=100)
    denied = {k: v for k, v in made.services.items() if v[2] == "denied"}
    assert report["blocked_count"] == len(denied)
    assert report["blocked_records"] == sum(r for r, _, _ in denied.values())
    assert {(b["from"], b["to"], b["port"]) for b in report["blocked"]} == set(denied)
    used = {(a, b, p) for (a, b, p), (_, _, v) in made.services.items() if v != "denied"}
    idle = {
        f"{a}-to-{b}"
        for a, b, proto, lo, _, _ in truth.RULES
        if (a, b, f"{proto}/{lo}") not in used
    }
    assert {r["rule"] for r in report["unseen_rules"]} == idle
    assert report["observed_records"] == sum(r for r, _, _ in made.services.values())


def test_top_n_keeps_the_counts_whole(tmp_path: Path) -> None:
    truth.make(tmp_path / "flows.log", seed=5)
    view = view_of(truth.policy(), truth.inventory())
    with FlowStore(tmp_path / "flows.duckdb") as db:
        ingest_paths(db, [tmp_path / "flows.log"])
        observed = observe(db, view.attribution, view.judge)
    short, full = dry_run(observed, view.policy, top=1), dry_run(observed, view.policy, top=100)
    assert len(short["blocked"]) == 1
    assert short["blocked_count"] == full["blocked_count"] > 1
    assert short["blocked"][0]["records"] == max(b["records"] for b in full["blocked"])
    assert render_text(short)[1].startswith("Flows: ")


@pytest.mark.parametrize(
    ("bidirectional", "unseen"),
    [(True, set()), (False, {"a-b"})],
    ids=["both-ways-used-in-reverse", "one-way-never-used"],
)
def test_a_rule_used_only_in_reverse_is_seen_only_when_it_allows_both_ways(
    bidirectional: bool, unseen: set[str]
) -> None:
    policy = Policy.model_validate(
        {
            "version": 1,
            "name": "rev",
            "accounts": [
                {"name": "p", "cloud": "aws", "account_id": "1" * 12, "regions": ["us-east-1"]}
            ],
            "segments": [
                {"name": "a", "cidrs": ["10.1.0.0/16"]},
                {"name": "b", "cidrs": ["10.2.0.0/16"]},
            ],
            "rules": [
                {
                    "name": "a-b",
                    "from": "a",
                    "to": "b",
                    "ports": ["tcp/443"],
                    "bidirectional": bidirectional,
                }
            ],
        }
    )
    reverse = Service("b", "a", 6, 443, 3, 3, 300, 0, 1, 0, "uninspected")
    report = dry_run(Observed((reverse,), ()), policy)
    assert {r["rule"] for r in report["unseen_rules"]} == unseen
