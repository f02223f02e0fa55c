"""The flow store: one DuckDB file holding every ingested flow, aggregated by hour.

In: ``Parsed`` files. Out: hourly rows of conversations (client, server, protocol, server
port, action) with record, packet and byte counts and first/last seen.
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

if TYPE_CHECKING:
    import duckdb

DEFAULT_STORE = Path(".eastwest/flows.duckdb")
MEMORY_LIMIT = "640MB"
HOUR = 3600

_SCHEMA = """
CREATE TABLE IF NOT EXISTS files(
  digest VARCHAR PRIMARY KEY, path VARCHAR, format VARCHAR, ingested_at BIGINT,
  records BIGINT, malformed BIGINT, no_data BIGINT);
CREATE TABLE IF NOT EXISTS cursors(source VARCHAR PRIMARY KEY, last_ms BIGINT);
CREATE TABLE IF NOT EXISTS hourly(
  hour BIGINT, client VARCHAR, server VARCHAR, proto INTEGER, port INTEGER, action VARCHAR,
  records BIGINT, packets BIGINT, bytes BIGINT, first_seen BIGINT, last_seen BIGINT);
"""
_COLUMNS = (
    "{'src': 'VARCHAR', 'dst': 'VARCHAR', 'sport': 'INTEGER', 'dport': 'INTEGER', "
    "'proto': 'INTEGER', 'packets': 'BIGINT', 'bytes': 'BIGINT', 'start_s': 'BIGINT', "
    "'end_s': 'BIGINT', 'action': 'VARCHAR', 'iface': 'VARCHAR'}"
)
# Ports tell the server: TCP and UDP only; other protocols keep their direction, port 0.
_SERVER_SIDE = "proto IN (6, 17) AND sport < dport"
# A record (columns src, dst, sport, dport, proto, packets, bytes, start_s, end_s, action) as
# its conversation's key, and the counts of the records of one key: ``GROUP BY ALL`` of the two.
CONVERSATION = f"""start_s // {HOUR} * {HOUR} AS hour,
  CASE WHEN {_SERVER_SIDE} THEN dst ELSE src END AS client,
  CASE WHEN {_SERVER_SIDE} THEN src ELSE dst END AS server,
  proto,
  CASE WHEN proto NOT IN (6, 17) THEN 0 WHEN {_SERVER_SIDE} THEN sport ELSE dport END AS port,
  coalesce(action, '') AS action"""
COUNTS = """count(*) AS records, sum(packets) AS packets, sum(bytes) AS bytes,
  min(start_s) AS first_seen, max(greatest(end_s, start_s)) AS last_seen"""
_HOURLY = (
    "hour, client, server, proto, port, action, records, packets, bytes, first_seen, last_seen"
)
_MERGE = f"INSERT INTO hourly SELECT {CONVERSATION}, {COUNTS} FROM batch GROUP BY ALL"  # noqa: S608 - constants only

_COMPACT = """
CREATE TEMP TABLE compacted AS
SELECT hour, client, server, proto, port, action, sum(records), sum(packets), sum(bytes),
  min(first_seen), max(last_seen)
FROM hourly GROUP BY ALL
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
            if not read_only:
                self.db.execute(_SCHEMA)
        except duckdb.Error as exc:
            raise FlowError(f"the flow store {path} cannot be opened: {exc}") from None
        self.path = path

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> FlowStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

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
        """The rows of the temporary table ``batch`` (records) into hourly rows; the table
        is dropped."""
        self.db.execute(_MERGE)
        self.db.execute("DROP TABLE batch")

    def append_hourly(self, table: str, where: str) -> None:
        """The rows of ``table`` (conversations with the columns of ``hourly``, already
        aggregated) that hold ``where`` (a condition written in code) appended to ``hourly``."""
        self.db.execute(f"INSERT INTO hourly SELECT {_HOURLY} FROM {table} WHERE {where}")  # noqa: S608 - names from code

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
            gone = db.execute("DELETE FROM hourly WHERE hour + ? <= ?", [HOUR, cutoff])
            deleted = int(gone.fetchone()[0])  # type: ignore[index]
            db.execute(_COMPACT)
            db.execute("DELETE FROM hourly")
            db.execute("INSERT INTO hourly SELECT * FROM compacted")
            db.execute("DROP TABLE compacted")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return deleted, int(self.rows("SELECT count(*) FROM hourly")[0][0])

    def rows(self, sql: str, params: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        return self.db.execute(sql, list(params)).fetchall()


def digest_of(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()
