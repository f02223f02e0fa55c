"""History in an embedded SQLite database; the lease is an exclusive file lock beside it.

One connection per operation, so the scheduler's threads and ``eastwest history`` (another
process) never share one; WAL lets readers run while a run is recorded. A lease is an
``flock`` on ``<database>.<hash of its name>.lock`` (one per partition), held while the
process holds it and released by the kernel when it dies, so a standby on the same machine
takes over at its next try. SQLite
cannot be shared safely across machines: use PostgreSQL for that.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from orchestrator.errors import StoreError
from orchestrator.reconcile.store.base import (
    COLUMNS,
    DEFAULT_LEASE,
    DEFAULT_LIMIT,
    BookLease,
    RunRecord,
)

_CREATE_ATTEMPTS = 40  # about 40 s of waiting in all: far longer than a schema takes

_SCHEMA = """
CREATE TABLE IF NOT EXISTS eastwest_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    partition TEXT NOT NULL,
    cloud TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    mode TEXT NOT NULL,
    outcome TEXT NOT NULL,
    drift INTEGER NOT NULL,
    changes INTEGER NOT NULL,
    errors INTEGER NOT NULL,
    messages TEXT NOT NULL,
    plan TEXT,
    holder TEXT NOT NULL,
    epoch INTEGER
);
CREATE INDEX IF NOT EXISTS eastwest_runs_partition ON eastwest_runs (partition, id);
CREATE TABLE IF NOT EXISTS eastwest_lease (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    epoch INTEGER NOT NULL
);
"""

# Built from the fixed column list, never from input; every value is a bound parameter.
_MARKS = ", ".join("?" for _ in COLUMNS)
_INSERT = f"INSERT INTO eastwest_runs ({', '.join(COLUMNS)}) VALUES ({_MARKS})"  # noqa: S608
_SELECT = (
    f"SELECT id, {', '.join(COLUMNS)} FROM eastwest_runs {{where}} "  # noqa: S608
    "ORDER BY id DESC LIMIT ?"
)


class SqliteStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.location = str(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._create()
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the history store {path}: {exc}") from exc

    def _create(self) -> None:
        """WAL and the schema, idempotent. Two instances starting at once on a new file race
        here: switching to WAL and a schema read upgraded to a write answer "database is
        locked" at once, without SQLite's busy wait, so the loser tries again (a first start
        of two reconcilers once lost one of them to it)."""
        for attempt in range(_CREATE_ATTEMPTS):
            try:
                with closing(sqlite3.connect(self.path, timeout=10)) as db, db:
                    db.execute("PRAGMA journal_mode=WAL")
                    db.executescript(_SCHEMA)
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == _CREATE_ATTEMPTS - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        try:
            with closing(sqlite3.connect(self.path, timeout=10)) as db, db:
                yield db
        except sqlite3.Error as exc:
            raise StoreError(f"history store {self.path}: {exc}") from exc

    def record(self, run: RunRecord) -> None:
        with self._db() as db:
            db.execute(
                _INSERT,
                _row(run),
            )

    def runs(self, *, partition: str | None = None, limit: int = DEFAULT_LIMIT) -> list[RunRecord]:
        where, args = ("WHERE partition = ?", [partition]) if partition else ("", [])
        with self._db() as db:
            rows = db.execute(_SELECT.format(where=where), [*args, limit]).fetchall()
        return [_record(row) for row in rows]

    def lease(self, holder: str, period: float, name: str = DEFAULT_LEASE) -> BookLease:
        return BookLease(self.leases(holder, period), name)

    def leases(self, holder: str, period: float) -> FileBook:
        # A file lock needs no period: the kernel ends it with the process.
        del period
        return FileBook(self, holder)

    def close(self) -> None:
        """Nothing stays open between operations."""

    def bump_epoch(self, holder: str, name: str = DEFAULT_LEASE) -> int:
        with self._db() as db:
            db.execute(
                "INSERT INTO eastwest_lease (name, holder, epoch) VALUES (?, ?, 1) "
                "ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, epoch = epoch + 1",
                (name, holder),
            )
            (epoch,) = db.execute(
                "SELECT epoch FROM eastwest_lease WHERE name = ?", (name,)
            ).fetchone()
        return int(epoch)


class FileBook:
    """One ``flock``ed file per lease name, held open while the lease is held (one
    descriptor per partition this process reconciles)."""

    def __init__(self, store: SqliteStore, holder: str) -> None:
        self.store = store
        self.holder = holder
        self._held: dict[str, tuple[int, int]] = {}  # name → (descriptor, epoch)
        self._lock = threading.Lock()

    def path(self, name: str) -> Path:
        # The name is hashed into the file name: a policy name and a scope are safe words,
        # but the file name should not depend on that.
        tag = "" if name == DEFAULT_LEASE else "." + hashlib.sha256(name.encode()).hexdigest()[:16]
        return self.store.path.with_name(f"{self.store.path.name}{tag}.lock")

    def acquire(self, names: Sequence[str]) -> dict[str, int | None]:
        with self._lock:
            return {name: self._take(name) for name in names}

    def _take(self, name: str) -> int | None:
        if name in self._held:
            return self._held[name][1]
        path = self.path(name)
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise StoreError(f"cannot open the lease lock {path}: {exc}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        epoch = self.store.bump_epoch(self.holder, name)
        self._held[name] = (fd, epoch)
        return epoch

    def holds(self, name: str, epoch: int) -> bool:
        held = self._held.get(name)
        return held is not None and held[1] == epoch

    def release(self, names: Sequence[str]) -> None:
        with self._lock:
            for name in names:
                held = self._held.pop(name, None)
                if held is not None:
                    os.close(held[0])  # closing the descriptor drops the flock


def _row(run: RunRecord) -> tuple[Any, ...]:
    return (
        run.partition,
        run.cloud,
        run.started_at.isoformat(),
        run.finished_at.isoformat(),
        run.mode,
        run.outcome,
        run.drift,
        run.changes,
        run.errors,
        json.dumps(list(run.messages)),
        json.dumps(run.plan) if run.plan is not None else None,
        run.holder,
        run.epoch,
    )


def _record(row: tuple[Any, ...]) -> RunRecord:
    values = dict(zip(("id", *COLUMNS), row, strict=True))
    return RunRecord(
        **{
            **values,
            "started_at": datetime.fromisoformat(values["started_at"]),
            "finished_at": datetime.fromisoformat(values["finished_at"]),
            "messages": tuple(json.loads(values["messages"])),
            "plan": json.loads(values["plan"]) if values["plan"] else None,
        }
    )
