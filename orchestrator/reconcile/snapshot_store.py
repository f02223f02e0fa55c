"""The interval's reads shared by every queue worker through PostgreSQL (issue 13: "inventory
snapshots live in the same database"), so that W workers read each scope once per interval,
not W times, and read it side by side rather than waiting for one of them.

In: the policy, the interval (``max_age``) and how to read some scopes of the estate
(``pipeline.read_estate(only=…)``). Out: the ``EstateReads`` of every scope and their age in
seconds (the oldest row's).
Table ``eastwest_snapshots``: a row per policy and scope (its inventory, its hub's transit
routing, or why it could not be read; the raw answers its inventory kept for the scope's tick,
``EstateReads.kept``, as JSON text per kind), with the policy's digest and when its read began.
A worker decodes a scope's kept answers only when it ticks that scope.

Always: one reader per scope at a time, and every worker that needs the snapshot reads: it
claims up to ``CHUNK`` scopes whose rows will not do (a session advisory lock per policy and
scope, taken without waiting, so the workers of an interval split the estate between them),
reads them, writes their rows and lets them go, until no scope is left unclaimed; then it waits
for each scope another worker still reads (its lock), and reads it itself if that worker died
before writing it. A row will do when it has the policy's digest (an edited policy reads again)
and is younger than ``max_age`` by the server's clock; a scope that could not be read lives
only ``retry_age``, and while one is in the snapshot every row does (``SharedCompile``'s rule).
Rows that do not decode in this version (``snapshot_codec``) are read again, all of them, by
the worker that found them. A store that cannot be reached costs the sharing, never the tick:
the worker reads everything itself.
"""

from __future__ import annotations

import hashlib
import logging
import random
from collections.abc import Callable, Collection, Mapping, Sequence
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
_AGES = """
SELECT scope, skipped IS NOT NULL, EXTRACT(EPOCH FROM clock_timestamp() - read_at)::float8
FROM eastwest_snapshots WHERE policy = %s AND digest = %s
"""
_ROWS = """
SELECT scope, skipped, inventory, transit,
       EXTRACT(EPOCH FROM clock_timestamp() - read_at)::float8, kept
FROM eastwest_snapshots WHERE policy = %s AND digest = %s AND scope = ANY(%s)
"""
_UPSERT = """
INSERT INTO eastwest_snapshots
    (policy, scope, digest, read_at, skipped, inventory, transit, kept)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (policy, scope) DO UPDATE SET digest = EXCLUDED.digest,
    read_at = EXCLUDED.read_at, skipped = EXCLUDED.skipped, inventory = EXCLUDED.inventory,
    transit = EXCLUDED.transit, kept = EXCLUDED.kept
"""
# The session advisory lock that claims a scope's read: one key per policy and scope.
_TRY = """
SELECT s FROM unnest(%s::text[]) AS s
WHERE pg_try_advisory_lock(hashtextextended('eastwest-snapshot:' || %s || ':' || s, 0))
"""
_WAIT = """
SELECT pg_advisory_lock(hashtextextended('eastwest-snapshot:' || %s || ':' || %s, 0))
"""
_FREE = """
SELECT pg_advisory_unlock(hashtextextended('eastwest-snapshot:' || %s || ':' || s, 0))
FROM unnest(%s::text[]) AS s
"""
# The scopes a worker claims at a time: small, so that workers arriving together each take a
# share of even a small estate (4 workers, 100 scopes), large enough to read side by side.
CHUNK = 16
Read = Callable[[Collection[Scope]], EstateReads]  # reads these scopes of the policy
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
        self.reused = 0  # snapshots this worker read no scope of (tests, benchmarks)

    def reads(
        self, policy: Policy, max_age: float, retry_age: float, read: Read
    ) -> tuple[EstateReads, float]:
        scopes = policy_scopes(policy)[0]
        try:
            with psycopg.connect(self.url, autocommit=True, connect_timeout=5) as db:
                self._ensure_schema(db)
                rows = _Rows(db, policy, scopes, max_age, retry_age)
                read_here = rows.share_reading(read)
                stored = rows.decoded()
                if stored is not None:
                    self.reused += not read_here
                    return stored
                began = rows.now()  # the rows will not decode: read them all again
                got = read(list(scopes))
                rows.write(got, sorted(rows.scopes), began)
                return got, 0.0
        except psycopg.Error as exc:
            log.warning("shared snapshot: the store failed (%s); this worker reads itself", exc)
            return read(list(scopes)), 0.0

    def _ensure_schema(self, db: psycopg.Connection[Any]) -> None:
        if self._schema:
            return
        with db.transaction():
            db.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            db.execute(_SCHEMA)
        self._schema = True


class _Rows:
    """One policy's rows as one worker sees them, over its connection."""

    def __init__(
        self,
        db: psycopg.Connection[Any],
        policy: Policy,
        scopes: Collection[Scope],
        max_age: float,
        retry_age: float,
    ) -> None:
        self.db, self.policy, self.max_age, self.retry_age = db, policy, max_age, retry_age
        self.scopes = {str(s): s for s in scopes}
        self.digest = policy_digest(policy)

    def missing(self) -> list[str]:
        """The policy's scopes without a row that will do, in order."""
        found = self.db.execute(_AGES, (self.policy.name, self.digest)).fetchall()
        ages = [(str(s), bool(skipped), float(age)) for s, skipped, age in found]
        young = [r for r in ages if r[0] in self.scopes and 0 <= r[2] < self._limit(r[1])]
        if any(skipped for _, skipped, _ in young):  # an unread scope: the snapshot's life
            young = [r for r in young if r[2] < self.retry_age]
        fresh = {s for s, _, _ in young}
        return [s for s in sorted(self.scopes) if s not in fresh]

    def _limit(self, skipped: bool) -> float:
        return self.retry_age if skipped else self.max_age

    def share_reading(self, read: Read) -> bool:
        """Read the scopes no other worker reads until none will not do; True if this worker
        read any. Each round claims up to ``CHUNK`` scopes without waiting, starting at a
        random place so that workers arriving together take different ones; when every
        scope left is claimed, it waits for one claim to end and reads that scope if its
        claimant did not."""
        done: set[str] = set()  # each scope at most once a call: rows expiring meanwhile
        while missing := [s for s in self.missing() if s not in done]:  # are left to decoded()
            start = random.randrange(len(missing))  # noqa: S311 - spreading, not secrecy
            claimed = self._try(missing[start:] + missing[:start])
            if not claimed:
                self.db.execute(_WAIT, (self.policy.name, missing[0]))
                claimed = [missing[0]]
            try:
                began = self.now()
                still = set(self.missing())  # another worker may have written them meanwhile
                todo = [s for s in claimed if s in still]
                if todo:
                    self.write(read([self.scopes[s] for s in todo]), todo, began)
                    done.update(todo)
            finally:
                self.db.execute(_FREE, (self.policy.name, claimed))
        return bool(done)

    def _try(self, candidates: list[str]) -> list[str]:
        """Claim up to ``CHUNK`` of ``candidates`` that no other worker holds."""
        claimed: list[str] = []
        at = 0
        while at < len(candidates) and len(claimed) < CHUNK:
            window = candidates[at : at + CHUNK - len(claimed)]
            at += len(window)
            got = self.db.execute(_TRY, (window, self.policy.name)).fetchall()
            claimed += [str(row[0]) for row in got]
        return claimed

    def now(self) -> object:
        """The server's clock, which every row's age is measured by."""
        row = self.db.execute("SELECT clock_timestamp()").fetchone()
        return None if row is None else row[0]

    def write(self, reads: EstateReads, scopes: Sequence[str], began: object) -> None:
        """The rows of ``scopes`` from ``reads``, whose reading began at ``began``."""
        rows = [
            (self.policy.name, text, self.digest, began, reads.skipped.get(scope),
             _json(reads.inventory.get(scope)), _json(reads.transit.get(scope)),
             _kept(scope, reads.kept.get(scope)))
            for text, scope in ((t, self.scopes[t]) for t in scopes)
        ]  # fmt: skip
        with self.db.cursor() as cursor:
            cursor.executemany(_UPSERT, rows)

    def decoded(self) -> tuple[EstateReads, float] | None:
        """Every scope's rows and the oldest's age, or None when one will not do or decode."""
        if self.missing():
            return None
        wanted = sorted(self.scopes)
        rows = self.db.execute(_ROWS, (self.policy.name, self.digest, wanted)).fetchall()
        if sorted(str(r[0]) for r in rows) != wanted:
            return None  # replaced by an edited policy's between the two queries
        try:
            return _decoded(rows), max((float(r[4]) for r in rows), default=0.0)
        except (SnapshotFormatError, KeyError, TypeError, ValueError) as exc:
            log.warning("shared snapshot: unreadable rows (%s); reading again", exc)
            return None


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
    for scope_text, skipped, inventory, transit, _, kept in sorted(rows):
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
