"""Observed services between segments match a generated ground truth exactly."""

from __future__ import annotations

import ipaddress
import random
from pathlib import Path

import pytest

from orchestrator.flows.analysis import observe
from orchestrator.flows.attribution import Attribution
from orchestrator.flows.context import view_of
from orchestrator.flows.ingest import ingest_paths
from orchestrator.flows.schema import text_of
from orchestrator.flows.store import FlowStore
from orchestrator.flows.verdicts import Judge
from tests.orchestrator.flows import truth


@pytest.mark.parametrize("seed", [1, 7, 42])
def test_services_and_verdicts_match_the_generated_truth(tmp_path: Path, seed: int) -> None:
    made = truth.make(tmp_path / "flows.log", seed=seed)
    view = view_of(truth.policy(), truth.inventory())
    with FlowStore(tmp_path / "flows.duckdb") as store:
        report = ingest_paths(store, [tmp_path / "flows.log"])
        observed = observe(store, view.attribution, view.judge)
    assert report.records == made.lines
    found = {(s.source, s.target, s.label): (s.records, s.bytes, s.verdict)
             for s in observed.services}  # fmt: skip
    assert found == made.services
    assert {"denied", "external"} <= {v for _, _, v in found.values()}


CASES = [
    pytest.param("10.10.3.4", "web", "vpc-web", id="member-network"),
    pytest.param("10.11.0.1", "ext:10.11.0.0/24", "10.11.0.0/24", id="unknown-by-24"),
    pytest.param("10.10.9.9", "edge", "vpc-edge", id="longest-prefix-wins"),
    pytest.param("172.20.1.1", "onprem", "172.16.0.0/12", id="declared-cidrs"),
    pytest.param("2001:db8::1", "v6", "vpc-v6", id="ipv6"),
    pytest.param("2001:db9::1", "ext:2001:db9::/64", "2001:db9::/64", id="ipv6-by-64"),
    pytest.param("10.10.0.0", "web", "vpc-web", id="first-address"),
    pytest.param("10.10.255.255", "web", "vpc-web", id="last-address"),
    pytest.param("10.9.255.255", "ext:10.9.255.0/24", "10.9.255.0/24", id="just-before"),
    pytest.param("255.255.255.255", "ext:255.255.255.0/24", "255.255.255.0/24", id="top"),
]
ENTRIES = [
    ("10.10.0.0/16", "web", "vpc-web"),
    ("10.10.9.0/24", "edge", "vpc-edge"),
    ("172.16.0.0/12", "onprem", "172.16.0.0/12"),
    ("2001:db8::/32", "v6", "vpc-v6"),
]


@pytest.mark.parametrize(("address", "segment", "network"), CASES)
def test_an_address_is_placed_by_the_longest_prefix(
    address: str, segment: str, network: str
) -> None:
    place = Attribution(ENTRIES).place(address)
    assert (place.segment, place.network) == (segment, network)


def test_the_stores_range_join_places_every_address_as_the_attribution_does(
    tmp_path: Path,
) -> None:
    """IPv4 addresses are placed in SQL, the others in Python: both as ``Attribution``."""
    rng = random.Random(3)
    addresses = [c.values[0] for c in CASES]
    addresses += [f"10.10.{rng.choice([9, 10, 255])}.{rng.randint(0, 255)}" for _ in range(100)]
    addresses += [str(ipaddress.ip_address(rng.getrandbits(32))) for _ in range(100)]
    lines = [f"2 1 eni-1 {a} 10.10.9.1 40000 443 6 1 60 1700000000 1700000000 ACCEPT OK"
             for a in addresses]  # fmt: skip
    (tmp_path / "f.log").write_text("\n".join(lines) + "\n")
    attribution = Attribution(ENTRIES)
    with FlowStore(tmp_path / "s.duckdb") as store:
        ingest_paths(store, [tmp_path / "f.log"])
        observe(store, attribution, Judge([]))
        placed = {text_of(int(a)): (s, n) for a, s, n, _ in store.rows("SELECT * FROM places")}
    expected = {a: (p.segment, p.network) for a in addresses for p in [attribution.place(a)]}
    assert placed == expected | {"10.10.9.1": ("edge", "vpc-edge")}
