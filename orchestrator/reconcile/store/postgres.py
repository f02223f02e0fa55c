"""History in PostgreSQL (psycopg 3); the lease is a row with an epoch (a fencing token).

Imported only for ``postgresql://`` stores, so psycopg is never loaded otherwise. Connections
are kept open between operations, one operation at a time each (autocommit), and a dead one is
replaced before it is used (connections.py): a restarted server costs no failed operation, an
unreachable one fails each operation at once. Lease times are the server's ``now()``, never a
client's clock, so instances with skewed clocks still agree on who holds it.

The lease rows (``eastwest_lease``, one per lease name: ``policy:<name>/<scope>`` for each
partition of ``eastwest run`` and ``eastwest worker``): an instance takes one when it is free
or expired, which increments ``epoch``; the holder renews it (same epoch) on every tick.
Before each write step the holder checks that the row still carries its holder id and epoch
and has not expired; a paused instance whose lease a standby took finds a newer epoch and
writes nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from psycopg.types.json import Jsonb

from orchestrator.reconcile.store.base import (
    COLUMNS,
    DEFAULT_LEASE,
    DEFAULT_LIMIT,
    BookLease,
    RunRecord,
)
from orchestrator.reconcile.store.connections import Connection, Connections

_SCHEMA = """
CREATE TABLE IF NOT EXISTS eastwest_runs (
    id BIGSERIAL PRIMARY KEY,
    partition TEXT NOT NULL,
    cloud TEXT NOT NULL,
    started_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ NOT NULL,
    mode TEXT NOT NULL,
    outcome TEXT NOT NULL,
    drift INTEGER NOT NULL,
    changes INTEGER NOT NULL,
    errors INTEGER NOT NULL,
    messages JSONB NOT NULL,
    plan JSONB,
    holder TEXT NOT NULL,
    epoch BIGINT
);
CREATE INDEX IF NOT EXISTS eastwest_runs_partition ON eastwest_runs (partition, id);
CREATE TABLE IF NOT EXISTS eastwest_lease (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    epoch BIGINT NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL
);
"""

# Any fixed number: the advisory lock held while the schema is created ("eastwest" in ASCII).
_SCHEMA_LOCK = 0x65617374_77657374

# Built from the fixed column list, never from input; every value is a bound parameter.
_MARKS = ", ".join(f"%({c})s" for c in COLUMNS)
_INSERT = f"INSERT INTO eastwest_runs ({', '.join(COLUMNS)}) VALUES ({_MARKS})"  # noqa: S608
_SELECT = (
    f"SELECT id, {', '.join(COLUMNS)} FROM eastwest_runs {{where}} "  # noqa: S608
    "ORDER BY id DESC LIMIT %(limit)s"
)


# Take each free or expired lease (a new epoch), or renew our own (the same epoch), in one
# statement; names in a fixed order, so two instances renewing overlapping sets take the rows
# in the same order and never deadlock.
_ACQUIRE = """
INSERT INTO eastwest_lease AS l (name, holder, epoch, expires_at)
SELECT n, %(holder)s, 1, now() + make_interval(secs => %(period)s)
FROM unnest(%(names)s::text[]) AS n ORDER BY n
ON CONFLICT (name) DO UPDATE SET
    holder = excluded.holder,
    epoch = CASE WHEN l.holder = excluded.holder AND l.expires_at > now()
                 THEN l.epoch ELSE l.epoch + 1 END,
    expires_at = excluded.expires_at
WHERE l.holder = excluded.holder OR l.expires_at <= now()
RETURNING name, epoch
"""
_HOLDS = """
SELECT 1 FROM eastwest_lease
WHERE name = %(name)s AND holder = %(holder)s AND epoch = %(epoch)s AND expires_at > now()
"""
_RELEASE = """
UPDATE eastwest_lease SET expires_at = now()
WHERE name = ANY(%(names)s) AND holder = %(holder)s AND expires_at > now()
"""


def redact(url: str) -> str:
    """The URL without its password, for messages (DESIGN.md rule 7)."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


class PostgresStore:
    def __init__(self, url: str, connections: Connections | None = None) -> None:
        self.url = url
        self.location = redact(url)
        self.connections = connections or Connections(url, self.location)
        self._create_schema()

    def _create_schema(self) -> None:
        """Idempotent under concurrency: two instances starting on a fresh database at once
        both run ``CREATE … IF NOT EXISTS``, which PostgreSQL does not serialise (the loser
        fails with UniqueViolation on its catalog). A transaction-scoped advisory lock makes
        the second wait for the first and then find everything there."""

        def create(db: Connection) -> None:
            with db.transaction():
                db.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
                db.execute(_SCHEMA)

        self.connections.run(create, idempotent=True)

    def record(self, run: RunRecord) -> None:
        # Not idempotent: tried once, as a second try could write the run twice.
        self.query(_INSERT, _params(run))

    def runs(self, *, partition: str | None = None, limit: int = DEFAULT_LIMIT) -> list[RunRecord]:
        where = "WHERE partition = %(partition)s" if partition else ""
        params = {"partition": partition, "limit": limit}
        rows = self.query(_SELECT.format(where=where), params, idempotent=True)
        return [_record(row) for row in rows]

    def lease(self, holder: str, period: float, name: str = DEFAULT_LEASE) -> BookLease:
        return BookLease(self.leases(holder, period), name)

    def leases(self, holder: str, period: float) -> RowBook:
        return RowBook(self, holder, period)

    def close(self) -> None:
        """Closes the connections kept open (a store used after it: one per operation)."""
        self.connections.close()

    def query(
        self, sql: str, params: dict[str, Any], *, idempotent: bool = False
    ) -> list[tuple[Any, ...]]:
        """``idempotent``: running it twice leaves what running it once does, so it may be
        tried again on a new connection when a kept one turns out lost during it."""

        def execute(db: Connection) -> list[tuple[Any, ...]]:
            cursor = db.execute(sql, params)
            return cursor.fetchall() if cursor.description else []

        return self.connections.run(execute, idempotent=idempotent)


class RowBook:
    """The lease rows of one holder."""

    def __init__(self, store: PostgresStore, holder: str, period: float) -> None:
        self.store = store
        self.holder = holder
        self.period = period

    def acquire(self, names: Sequence[str]) -> dict[str, int | None]:
        params = {"names": sorted(set(names)), "holder": self.holder, "period": self.period}
        # Idempotent: a second run renews what the first took, with the epoch it took it at.
        rows = self.store.query(_ACQUIRE, params, idempotent=True)
        granted = {str(name): int(epoch) for name, epoch in rows}
        return {name: granted.get(name) for name in names}

    def holds(self, name: str, epoch: int) -> bool:
        params = {"name": name, "holder": self.holder, "epoch": epoch}
        return bool(self.store.query(_HOLDS, params, idempotent=True))

    def release(self, names: Sequence[str]) -> None:
        params = {"names": list(names), "holder": self.holder}
        self.store.query(_RELEASE, params, idempotent=True)


def _params(run: RunRecord) -> dict[str, Any]:
    values = {c: getattr(run, c) for c in COLUMNS}
    values["messages"] = Jsonb(list(run.messages))
    values["plan"] = Jsonb(run.plan) if run.plan is not None else None
    return values


def _record(row: tuple[Any, ...]) -> RunRecord:
    values = dict(zip(("id", *COLUMNS), row, strict=True))
    return RunRecord(**{**values, "messages": tuple(values["messages"])})
