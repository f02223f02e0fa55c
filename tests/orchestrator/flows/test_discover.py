"""`flows recommend --segments discover`: segments from the tags of the networks the addresses
seen are in, from untagged networks, and from /16 clusters of private addresses in none; on a
generated ground truth, the segments and rules are exactly the truth's, and the proposal
loads, compiles and blocks none of the flows it was made from."""

from __future__ import annotations

import random
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import yaml

from orchestrator.compile import compile_policy
from orchestrator.diagnostics import has_blocking_errors
from orchestrator.flows.analysis import observe
from orchestrator.flows.context import view_of
from orchestrator.flows.ingest import ingest_paths
from orchestrator.flows.recommend import recommend_policy, with_discovered
from orchestrator.flows.store import FlowStore
from orchestrator.model import load_policy
from orchestrator.model.policy import Policy
from orchestrator.state import Network, ScopeInventory
from tests.orchestrator.factories import ACCOUNT, SCOPE

ACCT = {"account": "prod", "region": "us-east-1"}
# network id, CIDR, tags, name
NETWORKS = [
    ("vpc-web1", "10.10.0.0/16", {"segment": "web", "env": "prod"}, ""),
    ("vpc-web2", "10.11.0.0/16", {"segment": "web"}, ""),
    ("vpc-db", "10.30.0.0/16", {"segment": "db"}, ""),
    ("vpc-0b47", "10.40.0.0/16", {"env": "prod"}, "Batch Jobs"),
    ("vpc-idle", "10.50.0.0/16", {"segment": "idle"}, ""),  # no flow: no segment
]
# where hosts are drawn from → the segment the truth expects them in (None: external)
HOSTS = {
    "10.10.3.0/24": "web",
    "10.11.7.0/24": "web",
    "10.30.1.0/24": "db",
    "10.40.2.0/24": "batch-jobs",
    "172.16.5.0/24": "net-172-16-0-0-16",
    "172.16.9.0/24": "net-172-16-0-0-16",
    "192.168.1.0/24": "net-192-168-0-0-16",
    "203.0.113.0/24": None,
}
EXPECTED_SEGMENTS: dict[str, dict[str, Any]] = {
    "web": {"members": [{**ACCT, "tags": {"segment": "web"}}]},
    "db": {"members": [{**ACCT, "tags": {"segment": "db"}}]},
    "batch-jobs": {"members": [{**ACCT, "vpc": "vpc-0b47"}]},
    "net-172-16-0-0-16": {"cidrs": ["172.16.5.0/24", "172.16.9.0/24"]},
    "net-192-168-0-0-16": {"cidrs": ["192.168.1.0/24"]},
}
PORTS = [(6, "tcp", 22), (6, "tcp", 443), (6, "tcp", 5432), (17, "udp", 53)]


def _inventory() -> dict[Any, ScopeInventory]:
    nets = tuple(Network(i, (c,), t, name) for i, c, t, name in NETWORKS)
    return {SCOPE: ScopeInventory(SCOPE, nets, ())}


def _given() -> Policy:
    return Policy.model_validate(
        {
            "version": 1,
            "name": "learnt",
            "accounts": [
                {"name": "prod", "cloud": "aws", "account_id": ACCOUNT, "regions": ["us-east-1"]}
            ],
            "segments": [{"name": "placeholder", "cidrs": ["192.0.2.0/24"]}],
            "rules": [
                {"name": "old", "from": "placeholder", "to": "placeholder", "ports": ["any"]}
            ],
        }
    )


def _traffic(path: Path, seed: int) -> dict[tuple[str, str], set[str]]:
    """Flow records of random conversations; the rules a correct proposal holds."""
    rng = random.Random(seed)
    rules: dict[tuple[str, str], set[str]] = defaultdict(set)
    lines = []
    blocks = sorted(HOSTS)
    for n in range(80):
        a, b = rng.choice(blocks), rng.choice(blocks)
        number, proto, port = rng.choice(PORTS)
        client, server = a.replace("0/24", str(rng.randint(1, 250))), b.replace("0/24", "9")
        t = 1_700_000_000 + 30 * n
        lines.append(f"2 1 eni-1 {client} {server} 41000 {port} {number} 1 60 {t} {t} ACCEPT OK")
        lines.append(f"2 1 eni-2 {server} {client} {port} 41000 {number} 1 90 {t} {t} ACCEPT OK")
        source, target = HOSTS[a], HOSTS[b]
        both_cidrs = str(source).startswith("net-") and str(target).startswith("net-")
        if source and target and source != target and not both_cidrs:
            rules[(source, target)].add(f"{proto}/{port}")
    path.write_text("\n".join(lines) + "\n")
    return dict(rules)


def _propose(tmp_path: Path, seed: int) -> tuple[Policy, str, dict[tuple[str, str], set[str]]]:
    expected = _traffic(tmp_path / "flows.log", seed)
    with FlowStore(tmp_path / "s.duckdb") as db:
        ingest_paths(db, [tmp_path / "flows.log"])
        seen = [a for (a,) in db.rows("SELECT client FROM hourly UNION SELECT server FROM hourly")]
        policy = with_discovered(_given(), _inventory(), seen, "segment")
        view = view_of(policy, _inventory())
        text = recommend_policy(
            [], view, observe(db, view.attribution, view.judge), discovered="segment"
        )
    return policy, text, expected


@pytest.mark.parametrize("seed", [1, 8, 23])
def test_discovered_segments_and_rules_are_the_truth(tmp_path: Path, seed: int) -> None:
    policy, text, expected = _propose(tmp_path, seed)
    found = {s.name: s.model_dump(mode="json", exclude_defaults=True) for s in policy.segments}
    assert found == {n: {"name": n, **e} for n, e in EXPECTED_SEGMENTS.items()}
    rules = yaml.safe_load(text)["rules"]
    assert {(r["from"], r["to"]): set(r["ports"]) for r in rules} == expected
    assert "# Segments discovered from the addresses seen: by the tag 'segment'" in text


def test_the_proposal_loads_compiles_and_blocks_nothing_seen(tmp_path: Path) -> None:
    _, text, _ = _propose(tmp_path, seed=5)
    path = tmp_path / "proposed.yaml"
    path.write_text(text)
    proposed = load_policy((path,)).policy
    compiled = compile_policy(proposed, _inventory())
    assert not has_blocking_errors(compiled.diagnostics)
    view = view_of(proposed, _inventory())
    with FlowStore(tmp_path / "s.duckdb") as db:
        observed = observe(db, view.attribution, view.judge)
    assert [s for s in observed.services if s.verdict == "denied"] == []
    assert "placeholder" not in {s.name for s in proposed.segments}
