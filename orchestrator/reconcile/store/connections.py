"""The PostgreSQL store's connections: kept open between operations, one operation at a time each.

A connection per operation cost the server a backend start (a fork and its set-up, ~4 ms of
its CPU) for every lease round trip and history row: three per partition job in audit mode
(the lease take, its release, the run), two more per write step when enforcing. Here the idle
connections wait in a stack (the most recently used first, so a quiet process keeps few warm);
an operation takes one, or opens one, and gives it back when it ends, so no two threads ever
use one at once and a process holds at most as many as it ran operations at once (and never
more than ``keep`` idle).

What always holds:

- A connection found dead before it is used (the server restarted, ``pg_terminate_backend``,
  ``idle_session_timeout``: each leaves a message or an end of stream in its socket, seen
  without a round trip by polling the socket) is closed and replaced; the operation never
  sees it. One idle longer than ``max_idle`` is replaced too, since a NAT or load balancer
  between us and the server may have forgotten it without a word (AWS NAT gateways after
  350 s, Azure load balancers after 4 min by default).
- A connection lost during an operation is never reused, and the idle ones are dropped with
  it (a lost connection most often means the server went away). The operation is tried again
  on a new connection only when it is ``idempotent`` and the lost connection was a reused one:
  a fresh connection failing means the server is unreachable, which the caller must hear at
  once (``StoreError``), as it did when every operation had its own connection.
- A child process (``fork``) never uses its parent's connections: it starts with none, and
  leaves the parent's sockets alone (psycopg closes a connection on garbage collection only
  in the process that opened it).
- ``close`` closes the idle connections; one in use when it is called is closed when given
  back. Messages name the store by its redacted URL: psycopg's can quote the password.
"""

from __future__ import annotations

import os
import select
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo
from psycopg.pq import TransactionStatus

from orchestrator.errors import StoreError

T = TypeVar("T")
Connection = psycopg.Connection[Any]
Connect = Callable[[str], Connection]

KEEP = 8  # idle connections kept: a worker's job threads, the embedded run's scheduler threads
MAX_IDLE_S = 120.0  # under the idle timeouts of the NATs and load balancers named above
# libpq's parameters unless the URL sets its own. A kept connection can outlive the network
# path it was opened on: without these, a statement sent into a path that went silent waits
# for the kernel's retransmissions (about 15 minutes) where a new connection fails in 5 s.
NETWORK = {
    "connect_timeout": "5",  # an unreachable server fails the operation, it does not hang
    "tcp_user_timeout": "15000",  # ms a statement may stay unacknowledged (Linux)
    "keepalives": "1",  # while waiting for an answer: a vanished server is noticed
    "keepalives_idle": "15",
    "keepalives_interval": "5",
    "keepalives_count": "3",
}


def connect(url: str) -> Connection:
    """A new connection in autocommit: each statement is its own transaction. Nothing is
    prepared on the server (psycopg prepares a statement run five times on one connection):
    behind PgBouncer in transaction mode, a common front of managed PostgreSQL, the next
    transaction may run on another server session, where the prepared statement is missing."""
    conninfo = make_conninfo("", **{**NETWORK, **conninfo_to_dict(url)})
    return psycopg.connect(conninfo, autocommit=True, prepare_threshold=None)


class _LostError(Exception):
    """The reused connection of an operation went away during it (see ``Connections.run``)."""

    def __init__(self, error: psycopg.Error) -> None:
        super().__init__(error)
        self.error = error


class Connections:
    """The connections of one store in one process."""

    def __init__(
        self,
        url: str,
        location: str,
        *,
        connect: Connect = connect,
        keep: int = KEEP,
        max_idle: float = MAX_IDLE_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self.location = location  # the redacted URL
        self._connect = connect
        self.keep = keep
        self.max_idle = max_idle
        self._clock = clock
        self._lock = threading.Lock()
        self._idle: list[tuple[Connection, float]] = []  # (connection, when it was given back)
        self._pid = os.getpid()
        self._closed = False
        self.opened = 0  # connections opened by this process (tests, benchmarks)
        self._inherited: list[tuple[Connection, float]] = []  # see _forget_parent
        # A store dropped without close() still ends its sessions cleanly (psycopg would warn).
        weakref.finalize(self, _close_all, self._idle, self._pid)

    def run(self, operation: Callable[[Connection], T], *, idempotent: bool = False) -> T:
        """``operation`` on a connection of its own; raises ``StoreError``."""
        try:
            try:
                return self._once(operation)
            except _LostError as lost:
                if not idempotent:
                    raise lost.error from lost
                return self._once(operation, fresh=True)
        except psycopg.Error as exc:
            # psycopg's messages can quote the connection string: name the redacted one only.
            raise StoreError(f"history store {self.location}: {type(exc).__name__}") from exc

    def close(self) -> None:
        """Closes the idle connections; from now on each operation has its own connection
        (one in use now is closed when given back)."""
        self._forget_parent()
        with self._lock:
            self._closed = True
        self._drop_idle()

    def _drop_idle(self) -> None:
        with self._lock:
            idle = self._idle[:]
            self._idle.clear()
        _close_all(idle, self._pid)

    def _once(self, operation: Callable[[Connection], T], *, fresh: bool = False) -> T:
        connection, reused = (None, False) if fresh else self._take()
        if connection is None:
            connection = self._open()
        try:
            result = operation(connection)
        except psycopg.Error as exc:
            self._after_error(connection)
            if reused and connection.closed:
                raise _LostError(exc) from exc
            raise
        except BaseException:
            connection.close()  # a failure of ours mid-operation: its state is unknown
            raise
        self._give_back(connection)
        return result

    def _open(self) -> Connection:
        connection = self._connect(self.url)
        with self._lock:
            self.opened += 1
        return connection

    def _take(self) -> tuple[Connection | None, bool]:
        """The most recently given back live connection, closing the dead and the stale."""
        self._forget_parent()
        while True:
            with self._lock:
                if not self._idle:
                    return None, False
                connection, since = self._idle.pop()
            if self._clock() - since <= self.max_idle and usable(connection):
                return connection, True
            connection.close()

    def _give_back(self, connection: Connection) -> None:
        self._forget_parent()
        with self._lock:
            keep = not self._closed and len(self._idle) < self.keep
            if keep and usable(connection):
                self._idle.append((connection, self._clock()))
                return
        connection.close()

    def _after_error(self, connection: Connection) -> None:
        """A statement error leaves an autocommit connection idle and usable; a lost one is
        closed, and so are the idle ones (the server probably went away for them too)."""
        if connection.closed:
            self._drop_idle()
        else:
            self._give_back(connection)

    def _forget_parent(self) -> None:
        """In a forked child: none of the parent's connections, nor its lock (another thread
        of the parent may have held it at the fork). Set aside, not closed: closing would end
        the parent's sessions, and so would garbage collection, but for psycopg's own check."""
        if self._pid == os.getpid():
            return
        self._lock, self._pid, self.opened = threading.Lock(), os.getpid(), 0
        self._inherited += self._idle
        self._idle.clear()
        weakref.finalize(self, _close_all, self._idle, self._pid)


def usable(connection: Connection) -> bool:
    """Open, idle, and nothing waiting in its socket: an idle session in autocommit is sent
    nothing unless the server is ending it (a FATAL message, or the end of the stream)."""
    if connection.closed or connection.info.transaction_status != TransactionStatus.IDLE:
        return False
    poller = select.poll()  # not select.select: it refuses descriptors above 1023
    poller.register(connection.fileno(), select.POLLIN)
    return not poller.poll(0)


def _close_all(connections: list[tuple[Connection, float]], pid: int) -> None:
    """Closes ``connections`` if this process opened them (``pid``): a forked child must not."""
    if os.getpid() == pid:
        for connection, _ in connections:
            connection.close()
