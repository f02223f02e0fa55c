"""The PostgreSQL store keeps its connections (store/connections.py), on a real server.

A backend ended under the store (``pg_terminate_backend``: what a server restart, an idle
timeout or an administrator does to it) is replaced before the next operation uses it; one lost
during an operation is tried again only when the operation is idempotent and the connection was
a reused one; threads never share one; a forked child opens its own; ``close`` closes them.
"""

from __future__ import annotations

import gc
import multiprocessing
import threading
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest

from orchestrator.errors import StoreError
from orchestrator.reconcile.lease import Keeper
from orchestrator.reconcile.store import open_store
from orchestrator.reconcile.store.connections import Connection, Connections, connect
from orchestrator.reconcile.store.postgres import PostgresStore
from tests.orchestrator.reconcile.pg import free_port
from tests.orchestrator.reconcile.test_store import record

_PID = "SELECT pg_backend_pid()"


def backend(db: Connection) -> int:
    row = db.execute(_PID).fetchone()
    assert row is not None
    return int(row[0])


def terminate(url: str, pid: int) -> None:
    """Ends backend ``pid`` from another session, waiting until it has exited (PG 14+)."""
    with psycopg.connect(url, autocommit=True) as admin:
        row = admin.execute("SELECT pg_terminate_backend(%s, 5000)", (pid,)).fetchone()
    assert row == (True,)


@pytest.fixture
def store(pg_store: str) -> Iterator[PostgresStore]:
    opened = PostgresStore(pg_store)
    yield opened
    opened.close()


def _record(store: PostgresStore) -> object:
    store.record(record())
    return len(store.runs())


def _acquire(store: PostgresStore) -> object:
    return store.lease("a", period=30).acquire()


def _holds(store: PostgresStore) -> object:
    return store.lease("a", period=30).holds(1)


def _runs(store: PostgresStore) -> object:
    return store.runs()


OPERATIONS = [
    pytest.param(_record, 1, id="record"),
    pytest.param(_acquire, 1, id="acquire"),
    pytest.param(_holds, False, id="holds"),
    pytest.param(_runs, [], id="runs"),
]


@pytest.mark.parametrize(("operation", "expected"), OPERATIONS)
def test_a_terminated_backend_is_replaced_before_the_next_operation(
    store: PostgresStore,
    pg_store: str,
    operation: Callable[[PostgresStore], object],
    expected: object,
) -> None:
    before = store.connections.run(backend)
    terminate(pg_store, before)
    assert operation(store) == expected  # not a StoreError: the dead one was never used
    assert store.connections.run(backend) != before
    assert store.connections.opened == 2


def test_a_keeper_s_lease_survives_its_backend_ending(store: PostgresStore, pg_store: str) -> None:
    keeper = Keeper(store.lease("worker", period=30), threading.Event())
    assert keeper.renew()
    epoch = keeper.epoch
    terminate(pg_store, store.connections.run(backend))
    keeper.guard()  # the fencing check answers on a new connection: still ours
    assert keeper.renew()
    assert keeper.epoch == epoch  # a renewal, not a takeover


def test_a_job_s_store_operations_share_one_connection(store: PostgresStore) -> None:
    lease = store.lease("worker", period=30)
    epoch = lease.acquire()  # the job's lease
    assert epoch is not None
    for _ in range(3):  # a renewal before each write step
        assert lease.holds(epoch)
        assert lease.acquire() == epoch
    lease.release()
    store.record(record(epoch=epoch))
    assert [run.epoch for run in store.runs()] == [epoch]
    assert store.connections.opened == 1  # the schema's, kept: 11 operations, no new backend


def test_nothing_is_prepared_on_the_server(store: PostgresStore) -> None:
    lease = store.lease("worker", period=30)
    for _ in range(10):  # psycopg would prepare a statement from its fifth run on
        lease.acquire()
    prepared = store.query("SELECT count(*) FROM pg_prepared_statements", {})
    assert prepared == [(0,)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        pytest.param("", {"tcp_user_timeout": "15000", "keepalives_idle": "15"}, id="ours"),
        pytest.param(
            "?tcp_user_timeout=2000&keepalives_idle=60",
            {"tcp_user_timeout": "2000", "keepalives_idle": "60"},
            id="the-url-s",
        ),
    ],
)
def test_a_kept_connection_has_network_timeouts(
    pg_store: str, query: str, expected: dict[str, str]
) -> None:
    with connect(pg_store + query) as db:
        got = db.info.get_parameters()
    assert {name: got.get(name) for name in expected} == expected


def suicide(calls: list[int]) -> Callable[[Connection], int]:
    """An operation whose first run ends its own backend (its connection is lost during it)."""

    def run(db: Connection) -> int:
        calls.append(backend(db))
        if len(calls) == 1:
            db.execute("SELECT pg_terminate_backend(pg_backend_pid())")
        return len(calls)

    return run


@pytest.mark.parametrize(
    ("idempotent", "warm", "tries", "fails"),
    [
        pytest.param(True, True, 2, False, id="idempotent-reused-tried-again"),
        pytest.param(False, True, 1, True, id="not-idempotent-never-again"),
        pytest.param(True, False, 1, True, id="fresh-connection-not-again"),
    ],
)
def test_a_connection_lost_during_an_operation(
    pg_store: str, idempotent: bool, warm: bool, tries: int, fails: bool
) -> None:
    connections = Connections(pg_store, "pg")
    if warm:
        connections.run(backend)  # one connection kept: the operation reuses it
    calls: list[int] = []
    if fails:
        with pytest.raises(StoreError, match="history store pg: "):
            connections.run(suicide(calls), idempotent=idempotent)
    else:
        assert connections.run(suicide(calls), idempotent=idempotent) == 2
    assert len(calls) == tries
    assert connections.run(backend) != calls[0]  # the lost one is never used again
    connections.close()


def test_a_statement_error_keeps_the_connection(pg_store: str) -> None:
    connections = Connections(pg_store, "pg")
    pid = connections.run(backend)
    with pytest.raises(StoreError, match="UndefinedTable"):
        connections.run(lambda db: db.execute("SELECT * FROM nowhere"), idempotent=True)
    assert connections.run(backend) == pid
    connections.close()


def test_threads_never_share_a_connection(store: PostgresStore) -> None:
    in_use: set[int] = set()
    shared: list[int] = []
    lock = threading.Lock()

    def operation(db: Connection) -> None:
        with lock:
            if id(db) in in_use:
                shared.append(id(db))
            in_use.add(id(db))
        db.execute("SELECT pg_sleep(0.002)")
        with lock:
            in_use.discard(id(db))

    def worker() -> None:
        for _ in range(15):
            store.connections.run(operation)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert shared == []
    assert 2 <= store.connections.opened <= 1 + 4  # the schema's, then at most one per thread


def test_an_idle_connection_past_max_idle_is_replaced(pg_store: str) -> None:
    now = [0.0]
    connections = Connections(pg_store, "pg", max_idle=120, clock=lambda: now[0])
    first = connections.run(backend)
    now[0] = 119.0
    assert connections.run(backend) == first
    now[0] += 121.0  # a NAT may have forgotten it without a word
    assert connections.run(backend) != first
    connections.close()


class Counting:
    """``connect`` that keeps what it opened."""

    def __init__(self) -> None:
        self.opened: list[Connection] = []

    def __call__(self, url: str) -> Connection:
        self.opened.append(connect(url))
        return self.opened[-1]


@pytest.mark.parametrize(
    ("threads", "keep", "kept"),
    [
        pytest.param(1, 8, 1, id="one-thread"),
        pytest.param(3, 8, 3, id="three-threads"),
        pytest.param(3, 1, 1, id="more-than-keep"),
    ],
)
def test_close_closes_every_connection_kept(
    pg_store: str, threads: int, keep: int, kept: int
) -> None:
    counting = Counting()
    connections = Connections(pg_store, "pg", connect=counting, keep=keep)
    start = threading.Barrier(threads)

    def hold(db: Connection) -> None:
        start.wait(timeout=30)  # all at once: each needs a connection of its own
        db.execute("SELECT 1")

    runners = [threading.Thread(target=connections.run, args=(hold,)) for _ in range(threads)]
    for runner in runners:
        runner.start()
    for runner in runners:
        runner.join()
    assert len(counting.opened) == threads
    assert sum(not c.closed for c in counting.opened) == kept
    connections.close()
    assert all(c.closed for c in counting.opened)
    connections.run(backend)  # still usable, on a connection of its own
    assert all(c.closed for c in counting.opened)


def _child(store: PostgresStore, answers: Any) -> None:
    answers.put((store.connections.run(backend), store.connections.opened))
    store.close()


def test_a_forked_child_opens_its_own_and_leaves_the_parent_s(store: PostgresStore) -> None:
    parent = store.connections.run(backend)
    forked = multiprocessing.get_context("fork")
    answers = forked.Queue()
    child = forked.Process(target=_child, args=(store, answers))
    child.start()
    pid, opened = answers.get(timeout=60)
    child.join(timeout=60)
    assert child.exitcode == 0
    assert (pid != parent, opened) == (True, 1)
    assert store.connections.run(backend) == parent  # the child closed nothing of ours
    assert store.connections.opened == 1


def test_the_password_is_never_in_a_store_error() -> None:
    url = f"postgresql://eastwest:s3cret@127.0.0.1:{free_port()}/postgres"
    with pytest.raises(StoreError) as raised:
        open_store(url)
    assert "s3cret" not in str(raised.value)
    assert "eastwest:***@127.0.0.1" in str(raised.value)


def test_a_dropped_store_ends_its_sessions(pg_store: str) -> None:
    counting = Counting()
    PostgresStore(pg_store, Connections(pg_store, "pg", connect=counting)).runs()
    gc.collect()
    assert [c.closed for c in counting.opened] == [True]
