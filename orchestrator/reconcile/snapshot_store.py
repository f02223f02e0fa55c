"""The interval's reads shared by every queue worker through PostgreSQL (issue 13: "inventory
snapshots live in the same database"), so that W workers read each scope once per interval,
not W times.

In: the policy, the interval (``max_age``) and how to read the estate when no stored snapshot
will do (``pipeline.read_estate``). Out: the ``EstateReads`` and their age in seconds.
Table ``eastwest_snapshots``: a row per policy and scope (its inventory, its hub's transit
routing, or why it could not be read; the raw answers its inventory kept for the scope's tick,
``EstateReads.kept``, as JSON text per kind), with the policy's digest and when the reads began.
A worker decodes a scope's kept answers only when it ticks that scope.

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
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from orchestrator.model.policy import Policy
from orchestrator.pipeline import EstateReads, policy_scopes
from orchestrator.reconcile.snapshot_codec import (
    SnapshotFormatError,
    decode,
    decode_payload,
    encode,
    encode_payload,
)
from orchestrator.state import Scope
from providers.base import Load

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
);
ALTER TABLE eastwest_snapshots ADD COLUMN IF NOT EXISTS kept JSONB
"""
_SCHEMA_LOCK = 0x65617374_736E6170  # "eastsnap": the advisory lock around the schema
_ROWS = """
SELECT scope, digest, skipped, inventory, transit,
       EXTRACT(EPOCH FROM clock_timestamp() - read_at)::float8, kept
FROM eastwest_snapshots WHERE policy = %s
"""
_INSERT = """
INSERT INTO eastwest_snapshots
    (policy, scope, digest, read_at, skipped, inventory, transit, kept)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
"""
Read = Callable[[], EstateReads]
# A scope's kept answers past this many bytes of JSON are not stored: the worker ticking the
# scope reads them itself (a page per 1,000 ENIs), rather than every worker decoding megabytes.
KEPT_LIMIT = 4 << 20


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
             _json(reads.inventory.get(scope)), _json(reads.transit.get(scope)),
             _kept(scope, reads.kept.get(scope)))
            for scope in sorted(policy_scopes(policy)[0])
        ]  # fmt: skip
        with db.cursor() as cursor:
            cursor.executemany(_INSERT, rows)


def _json(value: object) -> Jsonb | None:
    return None if value is None else Jsonb(encode(value))


def _kept(scope: Scope, kept: Mapping[str, Load] | None) -> Jsonb | None:
    """Each kind's answer as JSON text, within ``KEPT_LIMIT`` for the scope."""
    texts: dict[str, str] = {}
    size = 0
    for kind, load in sorted((kept or {}).items()):
        try:
            text = encode_payload(load())
        except SnapshotFormatError as exc:
            log.debug("shared snapshot: %s %s not shared (%s)", scope, kind, exc)
            continue
        size += len(text)
        if size > KEPT_LIMIT:
            log.debug("shared snapshot: %s answers past %d bytes not shared", scope, KEPT_LIMIT)
            break
        texts[kind] = text
    return Jsonb(texts) if texts else None


def _loader(text: str) -> Load:
    def load() -> Any:
        try:
            return decode_payload(text)
        except SnapshotFormatError as exc:  # ``Load``'s contract: the reader reads instead
            raise ValueError(str(exc)) from exc

    return load


def _decoded(rows: Sequence[tuple[Any, ...]]) -> EstateReads:
    reads = EstateReads({}, {}, {})
    for scope_text, _, skipped, inventory, transit, _, kept in sorted(rows):
        scope = Scope.parse(scope_text)
        if isinstance(kept, dict):
            reads.kept[scope] = {str(k): _loader(str(v)) for k, v in kept.items()}
        if skipped is not None:
            reads.skipped[scope] = skipped
        if inventory is not None:
            reads.inventory[scope] = decode(inventory)
        if transit is not None:
            reads.transit[scope] = decode(transit)
    return reads
