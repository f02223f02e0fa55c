"""Leases per policy and scope (issue 12): one writer per partition, never one per store.

On SQLite and on a PostgreSQL started in a temporary directory (conftest.py). The services
here are built but never started: their lease job (``_renew``) is called by hand.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from orchestrator.reconcile.once import Mode
from orchestrator.reconcile.service import Service, Settings, in_scope
from orchestrator.reconcile.source import PolicySource
from orchestrator.reconcile.store import Store, lease_name, open_store
from tests.orchestrator.reconcile.fakes import POLICY_BODY

EAST, WEST = "aws/111111111111/us-east-1", "aws/111111111111/eu-west-1"


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return str(tmp_path / "history.sqlite3")
    url: str = request.getfixturevalue("pg_store")
    return url


def two_region_policy(path: Path) -> Path:
    body: dict[str, Any] = yaml.safe_load(yaml.safe_dump(POLICY_BODY))
    body["accounts"][0]["regions"] = ["us-east-1", "eu-west-1"]
    path.write_text(yaml.safe_dump(body, sort_keys=False), encoding="utf-8")
    return path


def service(policy: Path, store: Store, *scopes: str) -> Service:
    settings = Settings(
        interval=60,
        mode=Mode.AUDIT,
        listen=None,
        lease_period=30,
        lease=lease_name("test"),
        scopes=scopes,
    )
    return Service(settings, PolicySource((policy,)), store, sandbox=None)


def held(svc: Service) -> set[str]:
    """The partitions whose lease the service holds (of those it reconciles at all)."""
    return {p for p in svc._scheduled if svc.keepers[lease_name("test", p)].active}


def test_lease_names_are_per_policy_and_scope() -> None:
    assert lease_name("shop") == "policy:shop"
    assert lease_name("shop", EAST) == f"policy:shop/{EAST}"


@pytest.mark.parametrize(
    ("partition", "wanted", "selected"),
    [
        pytest.param(EAST, "aws", True, id="cloud"),
        pytest.param(EAST, "aws/111111111111", True, id="account"),
        pytest.param(EAST, EAST, True, id="partition"),
        pytest.param(EAST, "aws/11111111111", False, id="account-prefix-is-not-an-account"),
        pytest.param(EAST, WEST, False, id="other-region"),
        pytest.param(EAST, "azure", False, id="other-cloud"),
    ],
)
def test_scope_selection(partition: str, wanted: str, selected: bool) -> None:
    assert in_scope(partition, wanted) is selected


def test_one_holder_per_partition_and_partitions_independent(store_url: str) -> None:
    store = open_store(store_url)
    east, west = lease_name("shop", EAST), lease_name("shop", WEST)
    a, b = store.leases("a", 30), store.leases("b", 30)
    assert a.acquire([east])[east] is not None
    granted = b.acquire([east, west])
    assert granted[east] is None  # never two writers of one partition
    assert granted[west] is not None  # another scope of the same policy is free
    assert a.acquire([east, west])[west] is None
    a.release([east])
    assert b.acquire([east])[east] is not None


def test_two_runs_of_different_scopes_of_one_policy_are_both_active(
    store_url: str, tmp_path: Path
) -> None:
    policy = two_region_policy(tmp_path / "policy.yaml")
    east = service(policy, open_store(store_url), EAST)
    west = service(policy, open_store(store_url), "aws/111111111111/eu-west-1")
    east._renew()
    west._renew()
    assert (held(east), held(west)) == ({EAST}, {WEST})
    assert east._readiness()[1]["role"] == west._readiness()[1]["role"] == "active"


def test_two_runs_of_the_same_partitions_elect_one_writer_each(
    store_url: str, tmp_path: Path
) -> None:
    policy = two_region_policy(tmp_path / "policy.yaml")
    first = service(policy, open_store(store_url))
    second = service(policy, open_store(store_url))
    first._renew()
    second._renew()
    assert (held(first), held(second)) == ({EAST, WEST}, set())
    assert second._readiness()[1]["role"] == "standby"
    first._release()  # a graceful stop hands every partition over at the next renewal
    second._renew()
    assert held(second) == {EAST, WEST}
    first._renew()
    assert held(first) == set()
