"""A partition job as ``eastwest worker`` runs it (``worker.PartitionRunner``): the embedded
runner's tick under the partition's lease, over the fake cloud (fakes.py) and SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from orchestrator.errors import TemporaryError
from orchestrator.reconcile.queue import PartitionJob, RetryLater
from orchestrator.reconcile.source import PolicySource
from orchestrator.reconcile.store import Store, lease_name, open_store
from orchestrator.reconcile.worker import JobRefusedError, PartitionRunner
from orchestrator.state import FlowRule, Step
from tests.orchestrator.reconcile.fakes import POLICY_BODY, FakeCloud, write_policy

PARTITION = "aws/111111111111/us-east-1"


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return open_store(str(tmp_path / "history.sqlite3"))


def runner(tmp_path: Path, store: Store, cloud: FakeCloud) -> PartitionRunner:
    source = PolicySource([write_policy(tmp_path / "policy.yaml")])
    return PartitionRunner(source, store, None, lease_period=30, adapters=cloud.adapters)


def job(mode: str = "enforce", *, policy: str = "test", partition: str = PARTITION) -> PartitionJob:
    return PartitionJob(policy, partition, mode, interval=60)


def drifted() -> FakeCloud:
    cloud = FakeCloud.converged()
    del cloud.resources[next(k for k, r in cloud.resources.items() if isinstance(r, FlowRule))]
    return cloud


def test_a_job_reconciles_under_the_partition_lease_and_gives_it_back(
    tmp_path: Path, store: Store
) -> None:
    cloud = drifted()
    run = runner(tmp_path, store, cloud)
    assert run(job()) is None
    assert [step for step, _ in cloud.writes] == [Step.ADD_RULES]
    (record,) = store.runs()
    assert (record.partition, record.outcome, record.drift) == (PARTITION, "applied", 1)
    assert (record.holder, record.epoch) == (run.holder, 1)
    # Released at the end: the next job, on any worker or an embedded run, may take it.
    assert store.lease("next", 30, lease_name("test", PARTITION)).acquire() == 2


def test_a_partition_held_elsewhere_is_retried_later_and_not_written(
    tmp_path: Path, store: Store
) -> None:
    cloud = drifted()
    assert store.lease("run", 30, lease_name("test", PARTITION)).acquire() is not None
    with pytest.raises(RetryLater, match="held elsewhere"):
        runner(tmp_path, store, cloud)(job())
    assert (cloud.writes, store.runs()) == ([], [])


def test_a_job_of_another_policy_is_refused(tmp_path: Path, store: Store) -> None:
    cloud = drifted()
    with pytest.raises(JobRefusedError, match="'other'"):
        runner(tmp_path, store, cloud)(job(policy="other"))
    assert cloud.writes == []


def test_a_partition_the_policy_dropped_is_not_reconciled(tmp_path: Path, store: Store) -> None:
    cloud = drifted()
    assert runner(tmp_path, store, cloud)(job(partition="aws/111111111111/eu-west-1")) is None
    assert (cloud.writes, store.runs()) == ([], [])


def test_a_transient_failure_asks_for_an_early_retry(tmp_path: Path, store: Store) -> None:
    cloud = FakeCloud.converged()
    cloud.observe_error = TemporaryError("Throttling")
    retry_in = runner(tmp_path, store, cloud)(job("audit"))
    assert retry_in is not None
    assert 0 < retry_in <= 60
    assert store.runs()[0].outcome == "failed"


def test_the_partitions_are_listed_once_per_policy_not_once_per_job(
    tmp_path: Path, store: Store
) -> None:
    cloud = FakeCloud.converged()
    path = write_policy(tmp_path / "policy.yaml")
    run = PartitionRunner(
        PolicySource([path]), store, None, lease_period=30, adapters=cloud.adapters
    )
    for _ in range(3):
        run(job("audit"))
    assert (run.indexed, len(store.runs())) == (1, 3)
    # An edited policy is listed afresh: the partition it no longer governs is dropped at once.
    body = dict(POLICY_BODY)
    body["accounts"] = [{**POLICY_BODY["accounts"][0], "regions": ["eu-west-1"]}]
    body["segments"] = [{"name": "onprem", "cidrs": ["172.16.0.0/12"]}]
    body["rules"] = []
    path.write_text(yaml.safe_dump(body, sort_keys=False), encoding="utf-8")
    assert run(job("audit")) is None
    assert (run.indexed, len(store.runs())) == (2, 3)
