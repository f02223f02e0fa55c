from __future__ import annotations

import multiprocessing
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from orchestrator.errors import StoreError
from orchestrator.reconcile.lease import Keeper, LeaseLostError, ShuttingDownError
from orchestrator.reconcile.store import RunRecord, Store, default_store, lease_name, open_store
from orchestrator.reconcile.store.postgres import redact
from orchestrator.reconcile.store.sqlite import SqliteStore

START = datetime(2026, 11, 22, 7, 0, tzinfo=UTC)


def record(partition: str = "aws/111111111111/us-east-1", **overrides: object) -> RunRecord:
    values: dict[str, object] = {
        "partition": partition,
        "cloud": "aws",
        "started_at": START,
        "finished_at": START + timedelta(seconds=1.5),
        "mode": "enforce",
        "outcome": "applied",
        "drift": 2,
        "changes": 3,
        "errors": 0,
        "messages": ("a note",),
        "plan": {"format_version": "1.0", "scopes": [{"scope": partition, "changes": []}]},
        "holder": "host:1:abc",
        "epoch": 7,
    }
    values.update(overrides)
    return RunRecord(**values)  # type: ignore[arg-type]


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    if request.param == "sqlite":
        return open_store(str(tmp_path / "history.sqlite3"))
    return open_store(request.getfixturevalue("pg_store"))


def test_runs_round_trip_newest_first_and_by_partition(store: Store) -> None:
    first = record()
    second = record("aws/222222222222/us-east-1", outcome="pending", epoch=None, plan=None)
    store.record(first)
    store.record(second)
    runs = store.runs()
    assert [r.partition for r in runs] == [second.partition, first.partition]
    got = runs[1]
    assert got.id is not None
    assert got == replace(first, id=got.id)
    assert store.runs(partition=first.partition) == [got]
    assert store.runs(limit=1)[0].partition == second.partition
    assert runs[0].plan is None


def test_one_holder_at_a_time_and_a_new_epoch_on_takeover(store: Store) -> None:
    a, b = store.lease("a", period=30), store.lease("b", period=30)
    first = a.acquire()
    assert first is not None
    assert a.acquire() == first  # renewal keeps the epoch
    assert b.acquire() is None
    assert a.holds(first)
    a.release()
    second = b.acquire()
    assert second is not None
    assert second > first


def test_postgres_lease_expires_and_fences_the_old_holder(pg_store: str) -> None:
    store = open_store(pg_store)
    a, b = store.lease("a", period=0.5), store.lease("b", period=0.5)
    epoch = a.acquire()
    assert epoch is not None
    assert b.acquire() is None
    time.sleep(0.7)  # a pauses past its lease without renewing
    taken = b.acquire()
    assert taken == epoch + 1
    assert not a.holds(epoch)  # the stale writer's fencing check fails
    keeper = Keeper(a, threading.Event())
    keeper.epoch = epoch
    with pytest.raises(LeaseLostError):
        keeper.guard()
    assert a.acquire() is None  # and it cannot take the lease back while b renews


def test_the_guard_stops_writes_on_shutdown(tmp_path: Path) -> None:
    stopping = threading.Event()
    keeper = Keeper(open_store(str(tmp_path / "h.sqlite3")).lease("a", 30), stopping)
    assert keeper.renew()
    keeper.guard()
    stopping.set()
    with pytest.raises(ShuttingDownError):
        keeper.guard()


def test_store_urls_are_shown_without_password() -> None:
    shown = redact("postgresql://eastwest:s3cret@db.internal:5432/ew")
    assert shown == "postgresql://eastwest:***@db.internal:5432/ew"


class UnreachableLease:
    def acquire(self) -> int | None:
        raise StoreError("history store postgresql://…: OperationalError")

    def holds(self, epoch: int) -> bool:
        raise StoreError("history store postgresql://…: OperationalError")

    def release(self) -> None:
        raise StoreError("history store postgresql://…: OperationalError")


def test_an_unreachable_store_means_standby_and_no_writes() -> None:
    keeper = Keeper(UnreachableLease(), threading.Event())
    assert not keeper.renew()
    keeper.epoch = 4  # held a moment ago; the store then went away
    with pytest.raises(LeaseLostError, match="cannot confirm"):
        keeper.guard()


def test_leases_of_different_names_are_independent(store: Store) -> None:
    a = store.lease("a", period=30, name=lease_name("shop"))
    b_same = store.lease("b", period=30, name=lease_name("shop"))
    b_other = store.lease("b", period=30, name=lease_name("lab"))
    assert a.acquire() is not None
    assert b_same.acquire() is None  # one writer per policy
    assert b_other.acquire() is not None  # another policy on the same store is not held up


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        pytest.param({"XDG_STATE_HOME": "/srv/state"}, "/srv/state/eastwest", id="xdg"),
        pytest.param({}, str(Path.home() / ".local/state/eastwest"), id="default"),
        # The XDG spec: a relative path is invalid and ignored.
        pytest.param(
            {"XDG_STATE_HOME": "rel"}, str(Path.home() / ".local/state/eastwest"), id="rel"
        ),
    ],
)
def test_the_default_store_is_absolute_under_the_state_dir(
    environ: dict[str, str], expected: str
) -> None:
    assert default_store(environ) == f"{expected}/history.sqlite3"


def test_two_runs_from_two_directories_meet_at_one_lease(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    environ = {"XDG_STATE_HOME": str(tmp_path / "state")}
    leases = []
    for directory in ("checkout-a", "checkout-b"):
        (tmp_path / directory).mkdir()
        monkeypatch.chdir(tmp_path / directory)
        store = open_store(default_store(environ))
        leases.append(store.lease(directory, period=30, name=lease_name("shop")))
    assert leases[0].acquire() is not None
    assert leases[1].acquire() is None


def test_instances_starting_at_once_on_a_fresh_postgres_all_open_it(pg_store: str) -> None:
    import psycopg

    def race() -> list[BaseException]:
        start, failures = threading.Barrier(8), list[BaseException]()

        def open_one() -> None:
            start.wait()
            try:
                open_store(pg_store)
            except StoreError as exc:
                failures.append(exc)

        threads = [threading.Thread(target=open_one) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return failures

    for _ in range(10):  # the race is narrow: several fresh starts make it show
        with psycopg.connect(pg_store, autocommit=True) as db:
            db.execute("DROP TABLE IF EXISTS eastwest_runs, eastwest_lease")
        assert race() == []


def _open_store(path: str, barrier: Any, answers: Any) -> None:
    barrier.wait()
    try:
        SqliteStore(Path(path))
        answers.put("ok")
    except StoreError as exc:
        answers.put(str(exc))


def test_instances_starting_at_once_on_a_new_sqlite_store_all_open_it(tmp_path: Path) -> None:
    # Switching to WAL and creating the schema answered "database is locked" at once to the
    # loser of a first start (a reconciler of a two-region test died of it). Six processes at
    # a barrier, 20 fresh files: before the retry, about one file in six lost a process.
    forked = multiprocessing.get_context("fork")
    failures: list[str] = []
    for n in range(20):
        barrier, answers = forked.Barrier(6), forked.Queue()
        path = str(tmp_path / f"history-{n}.sqlite3")
        procs = [
            forked.Process(target=_open_store, args=(path, barrier, answers)) for _ in range(6)
        ]
        for p in procs:
            p.start()
        got = [answers.get(timeout=60) for _ in procs]
        for p in procs:
            p.join(timeout=60)
        failures += [g for g in got if g != "ok"]
    assert failures == []
