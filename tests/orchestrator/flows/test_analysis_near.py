"""A reconciler tick's flow placing (``observe(within=…)``) looks only at its own networks'
addresses and their peers (issue 13), and finds what placing every address of the store finds:
the same services and talkers, for nested prefixes across scopes, addresses in no segment,
segments of addresses only, IPv6, and a scope with no network. No patching: a real store."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

from orchestrator.flows.analysis import observe
from orchestrator.flows.attribution import Attribution
from orchestrator.flows.ingest import ingest_paths
from orchestrator.flows.store import FlowStore
from orchestrator.flows.verdicts import Judge
from tests.orchestrator.flows.talks import store_of

ENTRIES = [
    ("10.0.0.0/16", "web", "vpc-a"),
    ("10.0.5.0/24", "db", "vpc-b"),  # inside vpc-a's prefix, another network (longer wins)
    ("10.9.0.0/16", "db", "vpc-c"),
    ("2001:db8::/56", "web", "vnet-a6"),
    ("2001:db8:0:100::/56", "db", "vnet-b6"),
    ("172.16.0.0/12", "onprem", "172.16.0.0/12"),  # a segment of addresses only
]
TALKS = [  # (client, server, server port, connections)
    ("10.0.1.5", "10.9.0.5", 5432, 3),
    ("10.9.0.5", "10.0.1.5", 22, 2),
    ("10.0.5.9", "10.9.0.7", 443, 1),  # vpc-b's, although in vpc-a's prefix
    ("10.0.1.5", "10.0.2.6", 80, 2),  # both ends in vpc-a
    ("172.16.0.7", "10.0.1.5", 443, 1),
    ("203.0.113.5", "10.0.1.5", 443, 4),  # an end in no segment
    ("2001:db8::5", "2001:db8:0:100::7", 443, 2),
    ("10.9.0.5", "203.0.113.9", 53, 1),
]
WITHIN = {
    "own-network": frozenset({"vpc-a"}),
    "nested-network": frozenset({"vpc-b"}),
    "two-networks": frozenset({"vpc-a", "vpc-c"}),
    "ipv6": frozenset({"vnet-a6"}),
    "no-network": frozenset[str](),
    "unknown-network": frozenset({"vpc-gone"}),
}


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return store_of(tmp_path_factory.mktemp("near"), TALKS, step=3600)


@pytest.mark.parametrize("since", [0, 1_700_000_000 + 3600 * 3], ids=["all", "later-hours"])
@pytest.mark.parametrize("within", WITHIN.values(), ids=WITHIN.keys())
def test_placing_near_a_scope_finds_what_placing_everything_finds(
    store: Path, within: frozenset[str], since: int
) -> None:
    attribution = Attribution(ENTRIES)
    judge = Judge([])
    with FlowStore(store, read_only=True) as db:
        near = observe(db, attribution, judge, since, top=3, within=within)
        every = observe(db, attribution, judge, since, top=3, within=within, near=False)
    assert near == every


def test_a_tick_loads_only_its_own_networks_intervals() -> None:
    attribution = Attribution(ENTRIES)
    assert [i[4] for i in attribution.ipv4_intervals({"vpc-a"})] == ["vpc-a"]
    assert {i[4] for i in attribution.ipv4_intervals()} == {
        "vpc-a",
        "vpc-b",
        "vpc-c",
        "172.16.0.0/12",
    }


class CountingStore(FlowStore):
    """A store that counts the rows each temporary table was loaded with."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, read_only=True)
        self.loaded: dict[str, int] = {}

    def load_table(self, name: str, columns: str, rows: Iterable[tuple[Any, ...]]) -> None:
        listed = list(rows)
        self.loaded[name] = self.loaded.get(name, 0) + len(listed)
        super().load_table(name, columns, listed)


@pytest.mark.parametrize("n", [4, 40], ids=lambda n: f"{n}-networks")
def test_what_a_tick_loads_and_places_does_not_grow_with_the_estate(tmp_path: Path, n: int) -> None:
    # Each network talks to the next: a network has two ends of conversations, each a peer.
    entries = [(f"10.{i}.0.0/16", "web", f"vpc-{i}") for i in range(n)]
    lines = []
    for i in range(n):
        client, server = f"10.{i}.0.5", f"10.{(i + 1) % n}.0.6"
        lines.append(
            f"2 1 eni-1 {client} {server} 40000 5432 6 1 60 1700000000 1700000000 ACCEPT OK"
        )
    (tmp_path / "flows.log").write_text("\n".join(lines) + "\n")
    path = tmp_path / "flows.duckdb"
    with FlowStore(path) as db:
        ingest_paths(db, [tmp_path / "flows.log"])
    counting = CountingStore(path)
    with counting as db:
        observed = observe(db, Attribution(entries), Judge([]), top=0, within=frozenset({"vpc-1"}))
        # vpc-1's own interval; its two ends; they and their peers, whatever the estate's size
        assert counting.loaded == {"nets": 1, "ends": 2, "placed": 4}
    assert sum(s.records for s in observed.services) == 2
