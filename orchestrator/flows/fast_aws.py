"""AWS flow-log text read by DuckDB itself: the fast path of ``flows ingest`` for the
format that comes in the largest volumes.

In: an open ``FlowStore``, a file (plain or gzip) and its fields. Out: the file's ``Parsed``
counts, its records merged into the store in one transaction; or None when the file must go
through the Python parser instead (not AWS text, an IPv6 address, or a record the checks
below refuse: the Python parser then names each refused record by line, exactly).
Always: a record stored here is one the Python parser would store, with the same values: the
same field count (DuckDB refuses other counts, and lines that are not UTF-8, with their line
numbers), version, ports, counters and times in the same ranges, IPv4 addresses in the same
dotted form.

Speed: a file of ASCII only (every AWS flow log) is read, checked and aggregated into its
conversations in one pass of DuckDB's reader, never materialised as records; only the
conversations (far fewer than records) are kept, checked for their addresses, and appended.
A file with other bytes is read as text into a table first: a projection pushed into the
reader with ``store_rejects`` and a line that is not UTF-8 hits an internal error of DuckDB
1.5 (and unread columns are not checked for their encoding at all).
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Literal

from orchestrator.flows import aws_format
from orchestrator.flows.fields import COUNT_MAX, PORT_MAX, PROTO_MAX, TIME_MAX
from orchestrator.flows.records import NOT_UTF8, FlowError, Parsed
from orchestrator.flows.store import CONVERSATION, COUNTS, FlowStore, action_code


def head_of(path: Path) -> tuple[bool, str]:
    """(gzip?, first line) of a file, read in 4 KiB."""
    with path.open("rb") as raw:
        gzipped = raw.read(2) == b"\x1f\x8b"
    opener = gzip.open if gzipped else open
    with opener(path, "rb") as stream:
        first = stream.read(4096).split(b"\n", 1)[0]
    return gzipped, first.decode("utf-8", errors="replace")


# What ``ingest_aws_text`` says of a file whose content was stored before.
SEEN: Literal["seen"] = "seen"


def ingest_aws_text(
    store: FlowStore,
    path: Path,
    digest: str | Callable[[], str],
    aws_fields: tuple[str, ...] | None,
) -> Parsed | Literal["seen"] | None:
    """``digest``: the file's, or what gives it once the file is read (a hash still being
    made beside DuckDB's read); a file whose digest is stored already is not committed
    (``SEEN``)."""
    gzipped, first = head_of(path)
    header = aws_format.is_header(first)
    if not header and not first[:1].isdigit():
        return None
    fields = tuple(first.split()) if header else aws_fields or aws_format.DEFAULT_FIELDS
    if not all(f in fields for f in aws_format.REQUIRED):
        return None
    ascii_only = _scan(path, gzipped)
    return _Load(store, path, fields).run(
        digest, header=header, gzipped=gzipped, one_pass=ascii_only
    )


def _scan(path: Path, gzipped: bool) -> bool:
    """Whether the file is ASCII only, read whole at memory speed. DuckDB reads a truncated
    gzip stream as if it ended there; Python's gzip notices (the stream's end marker and CRC
    are missing): a truncated file is refused here."""
    ascii_only = True
    try:
        with gzip.open(path, "rb") if gzipped else path.open("rb") as stream:
            for block in iter(lambda: stream.read(1 << 22), b""):
                ascii_only = ascii_only and block.isascii()
    except (OSError, EOFError, zlib.error) as exc:
        raise FlowError(f"{path}: cannot be read ({exc}); nothing of it was stored") from None
    return ascii_only


_LIMITS = {
    "srcport": PORT_MAX,
    "dstport": PORT_MAX,
    "protocol": PROTO_MAX,
    "packets": COUNT_MAX,
    "bytes": COUNT_MAX,
    "start": TIME_MAX,
    "end": TIME_MAX,
}


class _Load:
    def __init__(self, store: FlowStore, path: Path, fields: tuple[str, ...]) -> None:
        self.store, self.path, self.fields = store, path, fields
        self.col = {f: f"c{i}" for i, f in enumerate(fields)}

    def _get(self, field: str, default: str = "'-'") -> str:
        return self.col.get(field, default)

    def run(
        self, digest: str | Callable[[], str], *, header: bool, gzipped: bool, one_pass: bool
    ) -> Parsed | Literal["seen"] | None:
        import duckdb  # noqa: PLC0415 - the store, open already, checked the flows extra

        db = self.store.db
        db.execute("BEGIN TRANSACTION")
        try:
            parsed = self._load(self._reader(header=header, gzipped=gzipped), one_pass=one_pass)
            known = digest if isinstance(digest, str) else digest()
            if parsed is None or self.store.seen(known):
                db.execute("ROLLBACK")
                return None if parsed is None else SEEN
            self.store.record_file(parsed, known)
            db.execute("COMMIT")
        except duckdb.Error as exc:
            db.execute("ROLLBACK")
            why = f"{self.path}: cannot be read ({exc}); nothing of it was stored"
            raise FlowError(why) from None
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return parsed

    def _load(self, reader: str, *, one_pass: bool) -> Parsed | None:
        """The file's records aggregated into conversations, with per conversation the
        records that fail a check; None when any record fails one (the Python parser will
        name it)."""
        db = self.store.db
        for table in ("raw", "agg", "raw_rejects", "raw_scans"):
            db.execute(f"DROP TABLE IF EXISTS {table}")
        if not one_pass:
            db.execute(f"CREATE TEMP TABLE raw AS SELECT * FROM {reader}")  # noqa: S608 - names from code
            reader = "raw"
        db.execute(
            f"CREATE TEMP TABLE agg AS SELECT {CONVERSATION}, flow, {COUNTS}, "  # noqa: S608 - names from code
            f"count(*) FILTER (NOT known OR (flow AND NOT ok)) AS bad "
            f"FROM (SELECT {self._row()} FROM (SELECT *, {self._casts()} FROM {reader})) "
            "GROUP BY ALL"
        )
        (flows, no_data, bad), *_ = self.store.rows(
            "SELECT coalesce(sum(records) FILTER (flow), 0), "
            "coalesce(sum(records) FILTER (NOT flow), 0), coalesce(sum(bad), 0) FROM agg"
        )
        if bad or not self.store.append_conversations(ipv4_only=True):
            return None
        parsed = Parsed(str(self.path), "aws", sink=lambda _: None)
        parsed.count, parsed.no_data = int(flows), int(no_data)
        self._refusals(parsed)
        return parsed

    def _reader(self, *, header: bool, gzipped: bool) -> str:
        columns = "{" + ", ".join(f"'{c}': 'VARCHAR'" for c in self.col.values()) + "}"
        path = str(self.path).replace("'", "''")
        return (
            f"read_csv('{path}', delim=' ', quote='', escape='', "
            f"header={str(header).lower()}, columns={columns}, auto_detect=false, "
            f"new_line='\\n', store_rejects=true, rejects_table='raw_rejects', "
            f"rejects_scan='raw_scans', compression='{'gzip' if gzipped else 'none'}')"
        )

    def _row(self) -> str:
        """One record typed (``TRY_CAST``: a bad field gives NULL, not an error), with
        whether it is a flow (not a no-data record), of a known version, and passes every
        check of the Python parser but the addresses' (``ok``: those are checked once per
        distinct address, on the conversations)."""
        version, status = self._get("version", "'2'"), self._get("log-status", "'OK'")
        return (
            f"{self._columns()}, "
            f"coalesce({status} NOT IN ('NODATA', 'SKIPDATA'), true) AS flow, "
            f"coalesce({version} IN ('2', '3', '4', '5'), false) AS known, "
            f"coalesce({self._valid()}, false) AS ok"
        )

    def _casts(self) -> str:
        """Each number field cast once (``n<column>``), for the checks and the values."""
        casts = (f"TRY_CAST({self.col[f]} AS BIGINT) AS n{self.col[f]}" for f in self._numbers)
        return ", ".join(casts)

    @property
    def _numbers(self) -> list[str]:
        return [f for f in _LIMITS if f in self.col]

    def _number(self, field: str) -> str:
        """The SQL of a number field's value (0 for ``-``, NULL if not a number)."""
        if field not in self.col:
            return "0"
        return f"CASE WHEN {self.col[field]} = '-' THEN 0 ELSE n{self.col[field]} END"

    def _valid(self) -> str:
        # The text must be the number's own spelling: DuckDB's cast also takes "+443",
        # "4.3", "1_000" and "0x1f", which the Python parser refuses ("0443", which it takes,
        # only sends the file to it).
        checks = [
            f"({self.col[f]} = '-' OR (n{self.col[f]}::VARCHAR = {self.col[f]} "
            f"AND n{self.col[f]} BETWEEN 0 AND {_LIMITS[f]}))"
            for f in self._numbers
        ]
        return " AND ".join(checks) or "true"

    def _columns(self) -> str:
        number = self._number
        action = self._get("action", "''")
        end = self._get("end")
        return ", ".join(
            [
                f"{self._get('srcaddr')} AS src",
                f"{self._get('dstaddr')} AS dst",
                f"TRY_CAST({number('srcport')} AS INTEGER) AS sport",
                f"TRY_CAST({number('dstport')} AS INTEGER) AS dport",
                f"TRY_CAST({number('protocol')} AS INTEGER) AS proto",
                f"{number('packets')} AS packets",
                f"{number('bytes')} AS bytes",
                f"{number('start')} AS start_s",
                f"CASE WHEN {end} = '-' THEN {number('start')} ELSE {number('end')} END AS end_s",
                f"{action_code(action)} AS action",
            ]
        )

    def _refusals(self, parsed: Parsed) -> None:
        """Lines DuckDB refused itself (a wrong field count, not UTF-8), one per line."""
        rows = self.store.rows(
            "SELECT line, list(error_type), list(error_message) FROM raw_rejects "
            "GROUP BY line ORDER BY line"
        )
        for line, kinds, messages in rows:
            why = NOT_UTF8 if "INVALID ENCODING" in kinds else _count(messages)
            parsed.refuse(int(line), why)


def _count(messages: list[str]) -> str:
    """DuckDB says "Expected Number of Columns: 14 Found: 9" (for a short line, once per
    missing column, counting up): the lowest count found is the line's."""
    found = []
    for message in messages:
        numbers = [w for w in message.replace(":", " ").split() if w.isdigit()]
        if len(numbers) >= 2:
            found.append((int(numbers[0]), int(numbers[1])))
    if not found:
        return messages[0]
    expected, count = min(found, key=lambda pair: pair[1])
    return f"expected {expected} fields, found {count}"
