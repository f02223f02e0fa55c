"""``ingest_azure`` against the Blob service fake, on VNet flow-log blobs generated here with
known truth, growing a minute at a time as Network Watcher writes them: every tuple stored
once, however the reads fall between the appends; a container that cannot be read, or a
blob rewritten under the stored position, reported while the others go on."""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from moto_fixtures.azure import flowlogs
from moto_fixtures.azure.blob import BlobServer, start_blob_server
from orchestrator.flows.cloud_azure import ingest_azure
from orchestrator.flows.store import FlowStore
from orchestrator.model.policy import Policy
from tests.orchestrator.flows.cloud_truth import Conversations, multicloud_policy, stored

BLOB = "flowLogResourceID=/SUBSCRIPTIONS/X/FLOWLOGS/F/y=2025/m=12/d=01/h=00/m=00/macAddress={}/"
BLOB += "PT1H.json"


def minutes(seed: int, count: int, per_minute: int) -> list[list[str]]:
    """``count`` minutes of tuples (client → server, the server's port)."""
    rng = random.Random(seed)
    return [
        [
            f"{(1_764_547_200 + 60 * m) * 1000},10.1.0.{rng.randint(1, 9)},"
            f"10.2.0.{rng.randint(1, 4)},"
            f"{rng.randint(32768, 60999)},{rng.choice([443, 5432])},6,O,E,NX,3,300,2,200"
            for _ in range(per_minute)
        ]
        for m in range(count)
    ]


def record(tuples: list[str]) -> dict[str, Any]:
    group = {"rule": "r", "flowTuples": tuples}
    return {"time": "t", "flowLogVersion": 4, "macAddress": "00",
            "flowRecords": {"flows": [{"aclID": "a", "flowGroups": [group]}]}}  # fmt: skip


def truth(made: list[list[str]]) -> Conversations:
    fields = [t.split(",") for m in made for t in m]
    return Counter((f[1], f[2], int(f[4])) for f in fields)


@pytest.fixture
def blobs() -> Iterator[BlobServer]:
    with start_blob_server() as server:
        yield server


@pytest.fixture
def policy() -> Policy:
    return multicloud_policy()


def sandbox(server: BlobServer) -> dict[str, object]:
    return {"azure": {"blob": {"endpoint_url": server.url, "account": server.account,
                               "account_key": server.account_key}}}  # fmt: skip


def ingest(policy: Policy, server: BlobServer, store: FlowStore, *named: str) -> Any:
    return ingest_azure(policy, named or [server.account], sandbox(server), store, lambda _: None)


@pytest.mark.parametrize(
    "reads", [[60], [1, 2, 60], list(range(1, 61))], ids=["once", "three", "every-minute"]
)
def test_every_tuple_once_as_the_blobs_grow(
    blobs: BlobServer, policy: Policy, tmp_path: Path, reads: list[int]
) -> None:
    made = {mac: minutes(index, 60, 3) for index, mac in enumerate(["AA", "BB"])}
    with FlowStore(tmp_path / "flows.duckdb") as store:
        for upto in reads:  # each read sees the blobs as they stood after ``upto`` minutes
            for mac, tuples in made.items():
                text = flowlogs.blob_text([record(m) for m in tuples[:upto]])
                blobs.write(flowlogs.CONTAINER, BLOB.format(mac), text)
            assert not ingest(policy, blobs, store).rejected
        assert ingest(policy, blobs, store).records == 0
        assert stored(store) == truth([m for tuples in made.values() for m in tuples])


def test_an_unreadable_container_is_reported_and_the_others_go_on(
    blobs: BlobServer, policy: Policy, tmp_path: Path
) -> None:
    made = minutes(7, 5, 2)
    blobs.write(
        flowlogs.CONTAINER, BLOB.format("AA"), flowlogs.blob_text([record(m) for m in made])
    )
    with FlowStore(tmp_path / "flows.duckdb") as store:
        report = ingest(policy, blobs, store, f"{blobs.account}/missing", blobs.account)
        assert len(report.rejected) == 1
        assert "ContainerNotFound" in report.rejected[0]
        assert stored(store) == truth(made)


def test_a_blob_rewritten_under_the_stored_position_is_reported(
    blobs: BlobServer, policy: Policy, tmp_path: Path
) -> None:
    name = BLOB.format("AA")
    blobs.write(flowlogs.CONTAINER, name, flowlogs.blob_text([record(m) for m in minutes(8, 2, 2)]))
    with FlowStore(tmp_path / "flows.duckdb") as store:
        assert ingest(policy, blobs, store).records == 4
        other = json.dumps({"records": [record(m) for m in minutes(9, 6, 2)]}, indent=1)
        blobs.write(flowlogs.CONTAINER, name, other.encode())
        report = ingest(policy, blobs, store)
        assert report.records == 0
        assert any("rewritten" in why for why in report.rejected)


def test_the_sandbox_generator_lays_blobs_out_as_network_watcher_does(blobs: BlobServer) -> None:
    written = flowlogs.publish(blobs)
    names = list(blobs.store.container(blobs.account, flowlogs.CONTAINER))
    assert names
    assert all(n.startswith(f"flowLogResourceID={flowlogs.FLOW_LOG_ID}/y=") for n in names)
    assert all(n.endswith("/PT1H.json") and "/macAddress=" in n for n in names)
    tuples = [t for r in flowlogs.document()["records"]
              for t in r["flowRecords"]["flows"][0]["flowGroups"][0]["flowTuples"]]  # fmt: skip
    assert written == len(tuples)


def test_a_blob_with_nothing_new_after_its_closing_is_not_read_again(
    blobs: BlobServer, policy: Policy, tmp_path: Path
) -> None:
    made = minutes(10, 3, 2)
    text = flowlogs.blob_text([record(m) for m in made]) + b"\n"  # a closing newline
    blobs.write(flowlogs.CONTAINER, BLOB.format("AA"), text)
    with FlowStore(tmp_path / "flows.duckdb") as store:
        assert ingest(policy, blobs, store).records == 6
        again = ingest(policy, blobs, store)
        assert (again.records, again.stored, again.skipped, again.rejected) == (0, [], [], [])
        assert stored(store) == truth(made)
