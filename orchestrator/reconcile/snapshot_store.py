"""The interval's reads shared by every queue worker through PostgreSQL (issue 13: "inventory
snapshots live in the same database"), so that W workers read each scope once per interval,
not W times.

In: the policy, the interval (``max_age``) and how to read the estate when no stored snapshot
will do (``pipeline.read_estate``). Out: the ``EstateReads`` and their age in seconds.
Table ``eastwest_snapshots``: a row per policy and scope (its inventory, its hub's transit
routing, or why it could not be read), with the policy's digest and when the reads began.

Always: one reader per policy at a time: the first worker of an interval takes the policy's
advisory lock, reads the clouds and replaces the rows in the same transaction; the others wait
on the lock, then use those rows. Rows are used only when every scope of the policy has one,
of the same policy digest (an edited policy reads again), younger than ``max_age`` by the
server's clock (or ``retry_age`` when a scope could not be read, as ``SharedCompile`` does), and
decodable by this version (``snapshot_codec``); otherwise they are read again and replaced. A
store that cannot be reached costs the sharing, never the tick: the worker reads itself.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from orchestrator.model.policy import Policy
from orchestrator.pipeline import EstateReads, policy_scopes
from orchestrator.reconcile.snapshot_codec import SnapshotFormatError, decode, encode
from orchestrator.state import Scope

log = logging.getLogger("eastwest.reconcile")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS eastwest_snapshots (
    policy TEXT NOT NULL,
    scope TEXT NOT NULL,
    digest TEXT NOT NULL,
    read_at TIMESTAMPTZ NOT NULL,
    skipped TEXT,
    inventory JSONB,
    transit JSONB,
    PRIMARY KEY (policy, scope)
)
"""
_SCHEMA_LOCK = 0x65617374_736E6170  # "eastsnap": the advisory lock around the schema
_ROWS = """
SELECT scope, digest, skipped, inventory, transit,
       EXTRACT(EPOCH FROM clock_timestamp() - read_at)::float8
FROM eastwest_snapshots WHERE policy = %s
"""
_INSERT = """
INSERT INTO eastwest_snapshots (policy, scope, digest, read_at, skipped, inventory, transit)
VALUES (%s, %s, %s, %s, %s, %s, %s)
"""
Read = Callable[[], EstateReads]


def policy_digest(policy: Policy) -> str:
    """The same for the same policy in every worker, whatever its files' layout."""
    return hashlib.sha256(policy.model_dump_json().encode()).hexdigest()


class StoredSnapshots:
    def __init__(self, url: str) -> None:
        self.url = url
        self._schema = False
        self.reused = 0  # snapshots taken from the store rather than read (tests, benchmarks)

    def reads(
        self, policy: Policy, max_age: float, retry_age: float, read: Read
    ) -> tuple[EstateReads, float]:
        got: EstateReads | None = None
        try:
            with psycopg.connect(self.url, autocommit=True, connect_timeout=5) as db:
                self._ensure_schema(db)
                with db.transaction():
                    db.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                                (f"eastwest-snapshot:{policy.name}",))  # fmt: skip
                    stored = self._stored(db, policy, max_age, retry_age)
                    if stored is not None:
                        self.reused += 1
                        return stored
                    began = db.execute("SELECT clock_timestamp()").fetchone()
                    got = read()
                    self._replace(db, policy, got, None if began is None else began[0])
                    return got, 0.0
        except psycopg.Error as exc:
            log.warning("shared snapshot: the store failed (%s); this worker reads itself", exc)
            return (got if got is not None else read()), 0.0

    def _ensure_schema(self, db: psycopg.Connection[Any]) -> None:
        if self._schema:
            return
        with db.transaction():
            db.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            db.execute(_SCHEMA)
        self._schema = True

    def _stored(
        self, db: psycopg.Connection[Any], policy: Policy, max_age: float, retry_age: float
    ) -> tuple[EstateReads, float] | None:
        rows = db.execute(_ROWS, (policy.name,)).fetchall()
        wanted = {str(s) for s in policy_scopes(policy)[0]}
        digest = policy_digest(policy)
        if {r[0] for r in rows} != wanted or any(r[1] != digest for r in rows):
            return None
        age = max((float(r[5]) for r in rows), default=0.0)
        limit = retry_age if any(r[2] is not None for r in rows) else max_age
        if not rows or not 0 <= age < limit:
            return None
        try:
            return _decoded(rows), age
        except (SnapshotFormatError, KeyError, TypeError, ValueError) as exc:
            log.warning("shared snapshot: unreadable rows (%s); reading again", exc)
            return None

    def _replace(
        self, db: psycopg.Connection[Any], policy: Policy, reads: EstateReads, began: object
    ) -> None:
        db.execute("DELETE FROM eastwest_snapshots WHERE policy = %s", (policy.name,))
        digest = policy_digest(policy)
        rows = [
            (policy.name, str(scope), digest, began, reads.skipped.get(scope),
             _json(reads.inventory.get(scope)), _json(reads.transit.get(scope)))
            for scope in sorted(policy_scopes(policy)[0])
        ]  # fmt: skip
        with db.cursor() as cursor:
            cursor.executemany(_INSERT, rows)


def _json(value: object) -> Jsonb | None:
    return None if value is None else Jsonb(encode(value))


def _decoded(rows: Sequence[tuple[Any, ...]]) -> EstateReads:
    reads = EstateReads({}, {}, {})
    for scope_text, _, skipped, inventory, transit, _ in sorted(rows):
        scope = Scope.parse(scope_text)
        if skipped is not None:
            reads.skipped[scope] = skipped
        if inventory is not None:
            reads.inventory[scope] = decode(inventory)
        if transit is not None:
            reads.transit[scope] = decode(transit)
    return reads
