"""The flow store's tables, their version, and the upgrade of a store written by an older
eastwest.

In: an open DuckDB connection to the store. Out: the store at ``VERSION`` (made, checked, or
upgraded in one transaction), or ``FlowError`` naming why it cannot be used.
Always: addresses are stored as numbers (``UHUGEINT``): an IPv6 address as its 128-bit
value, an IPv4 address as its IPv4-mapped IPv6 value (``::ffff:a.b.c.d``, RFC 4291 2.5.5.2),
so that one column holds both and an IPv4 address is ``IPV4_BASE`` plus its 32-bit value;
the table ``addresses`` keeps the text of each number stored (IPv4 dotted, IPv6 in its
canonical form), and the view ``hourly`` shows the conversations with addresses as text,
as version 1 stored them, for readers that want text.

Version 1 (before 2026-12) held ``hourly`` as a table with text addresses: it is upgraded
when the store is opened for writing, and refused, with the command that upgrades it, when
opened read-only.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from orchestrator.flows.records import FlowError

if TYPE_CHECKING:
    import duckdb

VERSION = 2
IPV4_BASE = 0xFFFF << 32
IPV4_END = IPV4_BASE + (1 << 32)

_TABLES = """
CREATE TABLE meta(key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS files(
  digest VARCHAR PRIMARY KEY, path VARCHAR, format VARCHAR, ingested_at BIGINT,
  records BIGINT, malformed BIGINT, no_data BIGINT);
CREATE TABLE IF NOT EXISTS cursors(source VARCHAR PRIMARY KEY, last_ms BIGINT);
CREATE TABLE addresses(value UHUGEINT, text VARCHAR);
CREATE TABLE conversations(
  hour BIGINT, client UHUGEINT, server UHUGEINT, proto UTINYINT, port USMALLINT,
  action UTINYINT, records BIGINT, packets BIGINT, bytes BIGINT, first_seen BIGINT,
  last_seen BIGINT);
"""
# ``action``: 0 unknown, 1 ACCEPT, 2 REJECT (a byte, not text: it is part of every
# conversation's key).
ACTIONS = ("", "ACCEPT", "REJECT")
# Text addresses for readers that want them (and the SQL of version 1 keeps working).
_VIEW = """
CREATE VIEW hourly AS
SELECT h.hour, c.text AS client, s.text AS server, h.proto::INTEGER AS proto,
  h.port::INTEGER AS port, ['', 'ACCEPT', 'REJECT'][h.action + 1] AS action, h.records,
  h.packets, h.bytes, h.first_seen, h.last_seen
FROM conversations h JOIN addresses c ON h.client = c.value JOIN addresses s ON h.server = s.value
"""
_OCTET = r"(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
IPV4_PATTERN = rf"{_OCTET}\.{_OCTET}\.{_OCTET}\.{_OCTET}"
# A dotted IPv4 text as its stored number (NULL for any other text), for a column ``a``.
IPV4_VALUE = (
    f"CASE WHEN regexp_full_match(a, '{IPV4_PATTERN}') THEN {IPV4_BASE}::UHUGEINT"
    " + (split_part(a, '.', 1)::UHUGEINT << 24) + (split_part(a, '.', 2)::UHUGEINT << 16)"
    " + (split_part(a, '.', 3)::UHUGEINT << 8) + split_part(a, '.', 4)::UHUGEINT END"
)


def value_of(text: str) -> tuple[int, str]:
    """An address's stored number and canonical text; ``ValueError`` for what is not one."""
    ip = ipaddress.ip_address(text)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if isinstance(ip, ipaddress.IPv4Address):
        return IPV4_BASE + int(ip), str(ip)
    return int(ip), str(ip)


def text_of(value: int) -> str:
    if IPV4_BASE <= value < IPV4_END:
        return str(ipaddress.IPv4Address(value - IPV4_BASE))
    return str(ipaddress.IPv6Address(value))


def prepare(db: duckdb.DuckDBPyConnection, *, read_only: bool, where: str) -> None:
    """Make a new store, check a current one, or upgrade one of version 1."""
    version = _version(db)
    if version == VERSION:
        return
    if version > VERSION:
        raise FlowError(
            f"the flow store {where} was written by a newer eastwest (store version "
            f"{version}; this one reads version {VERSION})"
        )
    if read_only:
        raise FlowError(
            f"the flow store {where} is of version {version} (this eastwest reads version "
            f"{VERSION}): any `eastwest flows` command upgrades it once, e.g. "
            f"`eastwest flows prune --older-than 36500 --store {where}`"
        )
    _in_transaction(db, lambda: _make(db, upgrade=version == 1))


def _version(db: duckdb.DuckDBPyConnection) -> int:
    listed = db.execute(
        "SELECT table_name, table_type FROM information_schema.tables "
        "WHERE table_schema = 'main' AND table_catalog = current_database()"
    )
    tables = dict(listed.fetchall())
    if "meta" in tables:
        found = db.execute("SELECT value FROM meta WHERE key = 'version'").fetchall()
        return int(found[0][0]) if found else 0
    return 1 if tables.get("hourly") == "BASE TABLE" else 0


def _make(db: duckdb.DuckDBPyConnection, *, upgrade: bool) -> None:
    if upgrade:
        db.execute("ALTER TABLE hourly RENAME TO hourly_v1")
    db.execute(_TABLES)
    if upgrade:
        _upgrade_rows(db)
    db.execute(_VIEW)
    db.execute("INSERT INTO meta VALUES ('version', ?)", [str(VERSION)])


def _upgrade_rows(db: duckdb.DuckDBPyConnection) -> None:
    """Version 1's rows with their text addresses turned into numbers (each distinct
    address once, in Python: a store of version 1 may hold IPv6 addresses)."""
    texts = db.execute("SELECT client FROM hourly_v1 UNION SELECT server FROM hourly_v1")
    mapped = [(text, *value_of(text)) for (text,) in texts.fetchall()]
    db.execute("CREATE TEMP TABLE upgrade_map(a VARCHAR, value UHUGEINT, text VARCHAR)")
    db.executemany("INSERT INTO upgrade_map VALUES (?, ?, ?)", mapped)
    db.execute("INSERT INTO addresses SELECT DISTINCT value, text FROM upgrade_map")
    db.execute(
        "INSERT INTO conversations SELECT h.hour, c.value, s.value, h.proto, h.port, "
        "CASE h.action WHEN 'ACCEPT' THEN 1 WHEN 'REJECT' THEN 2 ELSE 0 END, h.records, "
        "h.packets, h.bytes, h.first_seen, h.last_seen "
        "FROM hourly_v1 h JOIN upgrade_map c ON h.client = c.a JOIN upgrade_map s "
        "ON h.server = s.a"
    )
    db.execute("DROP TABLE upgrade_map")
    db.execute("DROP TABLE hourly_v1")


def _in_transaction(db: duckdb.DuckDBPyConnection, work: Callable[[], None]) -> None:
    db.execute("BEGIN TRANSACTION")
    try:
        work()
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def python_values(texts: Iterable[str]) -> tuple[list[tuple[str, int, str]], list[str]]:
    """(text, number, canonical text) of each address Python reads, and the texts that are
    not addresses."""
    found, bad = [], []
    for text in texts:
        try:
            found.append((text, *value_of(text)))
        except ValueError:
            bad.append(text)
    return found, bad
