"""The flow store: one DuckDB file holding every ingested flow, aggregated by hour.

In: ``Parsed`` files. Out: hourly rows of conversations (client, server, protocol, server
port, action) with record, packet and byte counts and first/last seen, in the table
``conversations`` with addresses as numbers (``schema``: the view ``hourly`` shows them as
text).
Always: a file is identified by the digest of its content, so ingesting it again changes
nothing; a file is stored whole in one transaction or not at all; a record is turned into a
conversation by its ports (the lower port is the server's, the usual ephemeral-port rule), so
the two directions of one connection count as one conversation. Each file adds its own hourly
rows (an append: no index to update, which made ingest three times slower); ``prune``
deletes old hours and folds the rows of one conversation and hour into one, and every reader
sums, so the two layouts read the same.
"""

from __future__ import annotations

import csv
import hashlib
import re
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from orchestrator.extras import require
from orchestrator.flows.records import FlowError, Parsed
from orchestrator.flows.schema import IPV4_VALUE, prepare, python_values

if TYPE_CHECKING:
    import duckdb

DEFAULT_STORE = Path(".eastwest/flows.duckdb")
# DuckDB's buffer pool; the process peaks ~250 MiB above it (Python, DuckDB's own state).
# At 10M records (docs/benchmarks.md): 640 MB peaked at 838-884 MiB, 512 MB at 715-772
# MiB in the same CPU time, 400 MB at 615-647 MiB but 3-4 CPU seconds more (spilling).
MEMORY_LIMIT = "512MB"
HOUR = 3600

_COLUMNS = (
    "{'src': 'VARCHAR', 'dst': 'VARCHAR', 'sport': 'INTEGER', 'dport': 'INTEGER', "
    "'proto': 'INTEGER', 'packets': 'BIGINT', 'bytes': 'BIGINT', 'start_s': 'BIGINT', "
    "'end_s': 'BIGINT', 'action': 'VARCHAR', 'iface': 'VARCHAR'}"
)
# Ports tell the server: TCP and UDP only; other protocols keep their direction, port 0.
_SERVER_SIDE = "proto IN (6, 17) AND sport < dport"
# A record (columns src, dst, sport, dport, proto, packets, bytes, start_s, end_s, and
# action as its code, ``schema.ACTIONS``) as its conversation's key, and the counts of the
# records of one key: ``GROUP BY ALL`` of the two.
CONVERSATION = f"""start_s // {HOUR} * {HOUR} AS hour,
  CASE WHEN {_SERVER_SIDE} THEN dst ELSE src END AS client,
  CASE WHEN {_SERVER_SIDE} THEN src ELSE dst END AS server,
  proto,
  CASE WHEN proto NOT IN (6, 17) THEN 0 WHEN {_SERVER_SIDE} THEN sport ELSE dport END AS port,
  action"""
COUNTS = """count(*) AS records, sum(packets) AS packets, sum(bytes) AS bytes,
  min(start_s) AS first_seen, max(greatest(end_s, start_s)) AS last_seen"""


def action_code(text: str) -> str:
    """The SQL of ``text`` (an expression: ACCEPT, REJECT or anything else) as its code."""
    return f"CASE {text} WHEN 'ACCEPT' THEN 1 WHEN 'REJECT' THEN 2 ELSE 0 END::UTINYINT"


_MERGE = f"""CREATE TEMP TABLE agg AS SELECT {CONVERSATION}, true AS flow, {COUNTS}
FROM (SELECT * REPLACE ({action_code("action")} AS action) FROM batch) GROUP BY ALL"""  # noqa: S608 - constants only
# The distinct addresses of the conversations in ``agg``: ``value`` NULL where not IPv4.
_ADDRESSES = f"""CREATE TEMP TABLE addr AS SELECT a, {IPV4_VALUE} AS value, a AS text
FROM (SELECT client AS a FROM agg WHERE flow UNION SELECT server FROM agg WHERE flow)"""  # noqa: S608 - constants only
_APPEND = """
INSERT INTO conversations SELECT g.hour, c.value, s.value, g.proto, g.port, g.action,
  g.records, g.packets, g.bytes, g.first_seen, g.last_seen
FROM agg g JOIN addr c ON g.client = c.a JOIN addr s ON g.server = s.a WHERE g.flow
"""
_NEW_ADDRESSES = """
INSERT INTO addresses SELECT DISTINCT value, text FROM addr
WHERE value NOT IN (SELECT value FROM addresses)
"""
_PLACED = "{'a': 'VARCHAR', 'value': 'UHUGEINT', 'text': 'VARCHAR'}"
_COMPACT = """
CREATE TEMP TABLE compacted AS
SELECT hour, client, server, proto, port, action, sum(records), sum(packets), sum(bytes),
  min(first_seen), max(last_seen)
FROM conversations GROUP BY ALL
"""
_UNUSED_ADDRESSES = """
DELETE FROM addresses WHERE value NOT IN
  (SELECT client FROM conversations UNION SELECT server FROM conversations)
"""


@dataclass(frozen=True, slots=True)
class Staging:
    path: Path
    stream: IO[str]
    write: Callable[[Iterable[Any]], object]


def connect_memory() -> duckdb.DuckDBPyConnection:
    require("flows", "eastwest flows")
    import duckdb  # noqa: PLC0415 - the flows extra, imported only when flows are used

    return duckdb.connect(":memory:")


class FlowStore:
    def __init__(self, path: Path, *, fast: bool = True, read_only: bool = False) -> None:
        """``fast``: AWS text goes through DuckDB's own reader (``fast_aws``); False sends
        every file through the Python parsers (the tests compare the two). ``read_only``:
        for readers that must not wait for, nor block, an ingest (the reconciler); the
        store must exist."""
        self.fast = fast
        require("flows", "eastwest flows")
        import duckdb  # noqa: PLC0415 - the flows extra, imported only when flows are used

        if not read_only:
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.db = duckdb.connect(str(path), read_only=read_only)
            # A bound, so that a month of flows ingests in under 1 GiB (DuckDB spills past it
            # to a folder beside the store); DuckDB's own default is 80% of the machine.
            self.db.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
            self.db.execute("SET temp_directory = ?", [str(path.parent / ".flows-spill")])
            # Appends need no order (every reader sorts or sums): without it DuckDB writes
            # in parallel, half the CPU of an append.
            self.db.execute("SET preserve_insertion_order = false")
            prepare(self.db, read_only=read_only, where=str(path))
        except FlowError:
            self.db.close()
            raise
        except duckdb.Error as exc:
            raise FlowError(f"the flow store {path} cannot be opened: {exc}") from None
        self.path = path

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> FlowStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def known_path(self, path: str) -> bool:
        """Whether a file was stored from ``path`` before (whatever its content then)."""
        return bool(self.rows("SELECT 1 FROM files WHERE path = ? LIMIT 1", [path]))

    def seen(self, digest: str) -> bool:
        return bool(self.db.execute("SELECT 1 FROM files WHERE digest = ?", [digest]).fetchall())

    @contextmanager
    def staging(self) -> Iterator[Staging]:
        """A CSV file beside the store that a parse writes its records to, one by one: DuckDB
        then reads it in one fast pass (row-by-row inserts crawl)."""
        with tempfile.TemporaryDirectory(dir=self.path.parent) as tmp:
            path = Path(tmp) / "batch.csv"
            with path.open("w", newline="", encoding="utf-8") as out:
                yield Staging(path, out, csv.writer(out).writerow)

    def add(
        self,
        parsed: Parsed,
        digest: str,
        staged: Staging,
        cursor: tuple[str, int] | None = None,
    ) -> bool:
        """Store one parsed file (its records in ``staged``) unless its content is stored
        already; True when stored. All of it or nothing: one transaction, which also moves
        a cloud source's ``cursor`` (source, last event time) when given."""
        if self.seen(digest):
            return False
        staged.stream.flush()
        db = self.db
        db.execute("BEGIN TRANSACTION")
        try:
            self._load_csv("batch", _COLUMNS, staged.path)
            self.merge_batch()
            self.record_file(parsed, digest)
            if cursor is not None:
                db.execute("INSERT OR REPLACE INTO cursors VALUES (?, ?)", list(cursor))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return True

    def merge_batch(self) -> None:
        """The rows of the temporary table ``batch`` (records, every address valid) into
        conversations; the table is dropped."""
        self.db.execute("DROP TABLE IF EXISTS agg")
        self.db.execute(_MERGE)
        self.db.execute("DROP TABLE batch")
        self.append_conversations(ipv4_only=False)

    def append_conversations(self, *, ipv4_only: bool) -> bool:
        """The rows of the temporary table ``agg`` (conversations with text addresses, as
        ``CONVERSATION`` and ``COUNTS`` make them, and ``flow``) that are flows appended,
        their addresses as numbers; ``agg`` is dropped. False, and nothing appended, when
        ``ipv4_only`` and an address is not dotted IPv4 (the Python parser then reads the
        file); an address Python cannot read either is a ``FlowError``."""
        db = self.db
        db.execute("DROP TABLE IF EXISTS addr")
        db.execute(_ADDRESSES)
        others = [a for (a,) in self.rows("SELECT a FROM addr WHERE value IS NULL")]
        if others and ipv4_only:
            return False
        if others:
            self._place_others(others)
        db.execute(_NEW_ADDRESSES)
        db.execute(_APPEND)
        db.execute("DROP TABLE agg")
        db.execute("DROP TABLE addr")
        return True

    def _place_others(self, texts: list[str | None]) -> None:
        """Addresses other than dotted IPv4 (IPv6, nearly always) read by Python."""
        found, bad = python_values(t for t in texts if t is not None)
        if bad or None in texts:
            raise FlowError(f"addresses that are not IP addresses reached the store: {bad[:3]}")
        self.load_table("placed", _PLACED, found)
        self.db.execute(
            "UPDATE addr SET value = p.value, text = p.text FROM placed p WHERE addr.a = p.a"
        )
        self.db.execute("DROP TABLE placed")

    def addresses(self, since: int = 0) -> list[str]:
        """The text of every address in a conversation of an hour from ``since`` on."""
        rows = self.rows(
            "SELECT text FROM addresses WHERE value IN (SELECT client FROM conversations "
            "WHERE hour >= ? UNION SELECT server FROM conversations WHERE hour >= ?)",
            [since, since],
        )
        return [text for (text,) in rows]

    def record_file(self, parsed: Parsed, digest: str) -> None:
        row = (parsed.file, parsed.format, int(time.time()))
        counts = (parsed.count, parsed.malformed_count, parsed.no_data)
        self.db.execute("INSERT INTO files VALUES (?, ?, ?, ?, ?, ?, ?)", [digest, *row, *counts])

    def cursors(self) -> dict[str, int]:
        return {source: int(ms) for source, ms in self.rows("SELECT * FROM cursors")}

    def load_table(self, name: str, columns: str, rows: Iterable[tuple[Any, ...]]) -> None:
        """A temporary table ``name`` (``columns`` as read_csv takes them) holding ``rows``."""
        with self.staging() as staged:
            written = 0
            for row in rows:
                staged.write(row)
                written += 1
            staged.stream.flush()
            if written:
                self._load_csv(name, columns, staged.path)
                return
        # DuckDB's reader refuses an empty file: the empty table is declared instead.
        declared = ", ".join(f"{c} {t}" for c, t in re.findall(r"'(\w+)': '(\w+)'", columns))
        self.db.execute(f"DROP TABLE IF EXISTS {name}")
        self.db.execute(f"CREATE TEMP TABLE {name} ({declared})")

    def _load_csv(self, name: str, columns: str, path: Path) -> None:
        self.db.execute(f"DROP TABLE IF EXISTS {name}")
        self.db.execute(
            f"CREATE TEMP TABLE {name} AS SELECT * FROM read_csv(?, header=false, "  # noqa: S608 - names from code
            f"columns={columns}, quote='\"', escape='\"')",
            [str(path)],
        )

    def prune(self, older_than_s: int, now: int | None = None) -> tuple[int, int]:
        """Delete the hours that ended more than ``older_than_s`` ago, then fold the rows
        of one conversation and hour that several files left into one. Returns (rows
        deleted, rows left)."""
        cutoff = (int(time.time()) if now is None else now) - older_than_s
        db = self.db
        db.execute("BEGIN TRANSACTION")
        try:
            gone = db.execute("DELETE FROM conversations WHERE hour + ? <= ?", [HOUR, cutoff])
            deleted = int(gone.fetchone()[0])  # type: ignore[index]
            db.execute(_COMPACT)
            db.execute("DELETE FROM conversations")
            db.execute("INSERT INTO conversations SELECT * FROM compacted")
            db.execute("DROP TABLE compacted")
            db.execute(_UNUSED_ADDRESSES)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return deleted, int(self.rows("SELECT count(*) FROM conversations")[0][0])

    def rows(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        return self.db.execute(sql, list(params)).fetchall()


def digest_of(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()
