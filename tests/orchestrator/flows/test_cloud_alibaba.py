"""``ingest_alibaba`` against the Log Service fake, on flow logs generated here with known
truth: every record stored once, however the pulls fall; the position kept per shard; an
expired cursor read again from the shard's start; an unreadable logstore reported while the
others go on."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from moto_fixtures.alibaba import landing_zone as lz
from moto_fixtures.sls import SlsServer, start_sls_server
from orchestrator.flows.cloud_alibaba import ingest_alibaba
from orchestrator.flows.store import FlowStore
from orchestrator.model.policy import Policy
from tests.orchestrator.flows.cloud_truth import Conversations, multicloud_policy, stored

REF = f"{lz.REGION}/flows/vpc-flow-log"


def records(seed: int, count: int) -> list[dict[str, str]]:
    rng = random.Random(seed)
    return [
        {
            "version": "1", "eni-id": f"eni-{i}",
            "srcaddr": f"10.1.{rng.randint(0, 3)}.{rng.randint(1, 9)}",
            "dstaddr": f"10.2.0.{rng.randint(1, 4)}", "srcport": str(rng.randint(32768, 60999)),
            "dstport": str(rng.choice([443, 5432, 8080])), "protocol": "6",
            "packets": str(rng.randint(1, 50)), "bytes": str(rng.randint(60, 90000)),
            "start": str(1_764_547_200 + i), "end": str(1_764_547_260 + i),
            "log-status": "OK", "action": "ACCEPT",
        }
        for i in range(count)
    ]  # fmt: skip


def truth(made: list[dict[str, str]]) -> Conversations:
    return Counter((r["srcaddr"], r["dstaddr"], int(r["dstport"])) for r in made)


@pytest.fixture
def sls() -> Iterator[SlsServer]:
    with start_sls_server() as server:
        yield server


@pytest.fixture
def policy() -> Policy:
    return multicloud_policy()


def sandbox(sls: SlsServer) -> dict[str, object]:
    keys = {"access_key_id": sls.access_key_id, "access_key_secret": sls.access_key_secret}
    return {"alibaba": {"log_service": {"endpoint_url": sls.url, **keys}}}


def put(sls: SlsServer, made: list[dict[str, str]], per_group: int) -> None:
    for at in range(0, len(made), per_group):
        sls.put("flows", "vpc-flow-log", made[at : at + per_group], received=at)


@pytest.mark.parametrize(
    ("count", "per_group", "batches"),
    [(40, 40, 1), (300, 7, 3), (2500, 1, 2)],  # 2,500 groups: past PullLogs' 1,000 per page
    ids=["one-group", "three-arrivals", "many-pages"],
)
def test_every_record_once_whatever_the_arrivals(
    sls: SlsServer, policy: Policy, tmp_path: Path, *, count: int, per_group: int, batches: int
) -> None:
    made = records(count, count)
    lines: list[str] = []
    with FlowStore(tmp_path / "flows.duckdb") as store:
        step = -(-count // batches)
        for at in range(0, count, step):
            put(sls, made[at : at + step], per_group)
            report = ingest_alibaba(policy, [REF], sandbox(sls), store, lines.append)
            assert not report.rejected
        again = ingest_alibaba(policy, [REF], sandbox(sls), store, lines.append)
        assert again.records == 0
        assert stored(store) == truth(made)
    assert any("reading sls:" in line for line in lines)


def test_an_expired_cursor_is_read_again_from_the_start(
    sls: SlsServer, policy: Policy, tmp_path: Path
) -> None:
    made = records(1, 30)
    put(sls, made, 5)
    notes: list[str] = []
    with FlowStore(tmp_path / "flows.duckdb") as store:
        ingest_alibaba(policy, [REF], sandbox(sls), store, notes.append)
        # The logstore's TTL dropped the shard's groups: the stored position is past its end.
        for shard in sls.store.logstore("flows", "vpc-flow-log").shards:
            shard.clear()
        put(sls, made[:5], 5)
        report = ingest_alibaba(policy, [REF], sandbox(sls), store, notes.append)
        assert report.records == 5
        assert any("cursor has expired" in n for n in notes)


def test_an_unreadable_logstore_is_reported_and_the_others_go_on(
    sls: SlsServer, policy: Policy, tmp_path: Path
) -> None:
    made = records(2, 20)
    put(sls, made, 4)
    missing = f"{lz.REGION}/flows/not-there"
    with FlowStore(tmp_path / "flows.duckdb") as store:
        report = ingest_alibaba(policy, [missing, REF], sandbox(sls), store, lambda _: None)
        assert len(report.rejected) == 1
        assert "LogStoreNotExist" in report.rejected[0]
        assert stored(store) == truth(made)


def test_a_logstore_in_a_region_of_no_account_is_not_read(
    sls: SlsServer, policy: Policy, tmp_path: Path
) -> None:
    put(sls, records(3, 5), 5)
    with FlowStore(tmp_path / "flows.duckdb") as store:
        report = ingest_alibaba(
            policy, ["eu-central-1/flows/vpc-flow-log"], sandbox(sls), store, print
        )
        assert (report.records, report.rejected) == (0, [])
