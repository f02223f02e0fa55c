"""The store's schema: addresses as numbers, its version, and the upgrade of a version 1 store."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from orchestrator.flows.ingest import ingest_paths
from orchestrator.flows.records import FlowError
from orchestrator.flows.schema import IPV4_BASE, text_of, value_of
from orchestrator.flows.store import FlowStore

# Version 1's tables as eastwest made them before addresses were numbers.
_V1 = """
CREATE TABLE files(
  digest VARCHAR PRIMARY KEY, path VARCHAR, format VARCHAR, ingested_at BIGINT,
  records BIGINT, malformed BIGINT, no_data BIGINT);
CREATE TABLE cursors(source VARCHAR PRIMARY KEY, last_ms BIGINT);
CREATE TABLE hourly(
  hour BIGINT, client VARCHAR, server VARCHAR, proto INTEGER, port INTEGER, action VARCHAR,
  records BIGINT, packets BIGINT, bytes BIGINT, first_seen BIGINT, last_seen BIGINT);
"""
V1_ROWS = [
    (3600, "10.0.0.1", "10.0.1.1", 6, 443, "ACCEPT", 3, 9, 900, 3600, 3700),
    (3600, "2001:db8::1", "2001:db8::2", 17, 53, "REJECT", 1, 1, 80, 3601, 3601),
    (7200, "10.0.0.1", "203.0.113.9", 1, 0, "", 2, 2, 168, 7200, 7260),
]
ALL = "SELECT * FROM hourly ORDER BY ALL"


@pytest.mark.parametrize(
    ("text", "value", "canonical"),
    [
        pytest.param("10.0.0.1", IPV4_BASE + 0x0A000001, "10.0.0.1", id="ipv4"),
        pytest.param("0.0.0.0", IPV4_BASE, "0.0.0.0", id="ipv4-zero"),
        pytest.param("255.255.255.255", IPV4_BASE + 2**32 - 1, "255.255.255.255", id="ipv4-top"),
        pytest.param("2001:DB8::1", 0x20010DB8 << 96 | 1, "2001:db8::1", id="ipv6"),
        pytest.param("::1", 1, "::1", id="ipv6-loopback"),
        pytest.param("::ffff:10.0.0.1", IPV4_BASE + 0x0A000001, "10.0.0.1", id="ipv4-mapped"),
        pytest.param("ffff:" * 7 + "ffff", 2**128 - 1, "ffff:" * 7 + "ffff", id="ipv6-top"),
    ],
)
def test_an_address_is_one_number_and_back(text: str, value: int, canonical: str) -> None:
    assert value_of(text) == (value, canonical)
    assert text_of(value) == canonical


def _v1_store(path: Path) -> None:
    db = duckdb.connect(str(path))
    db.execute(_V1)
    db.executemany("INSERT INTO hourly VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", V1_ROWS)
    db.execute("INSERT INTO files VALUES ('d1', 'a.log', 'aws', 1, 6, 0, 0)")
    db.close()


def test_a_version_1_store_is_upgraded_with_every_row_kept(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    _v1_store(path)
    with FlowStore(path) as store:
        assert store.rows(ALL) == sorted(V1_ROWS)
        assert store.rows("SELECT value FROM meta WHERE key = 'version'") == [("2",)]
        assert store.rows("SELECT count(*) FROM conversations") == [(3,)]
        assert store.seen("d1")
        assert sorted(store.addresses()) == sorted(
            {"10.0.0.1", "10.0.1.1", "2001:db8::1", "2001:db8::2", "203.0.113.9"}
        )
    with FlowStore(path, read_only=True) as store:  # upgraded once, read as it is
        assert store.rows(ALL) == sorted(V1_ROWS)


@pytest.mark.parametrize(
    ("version", "says"),
    [pytest.param(1, "upgrades it once", id="older"), pytest.param(3, "newer", id="newer")],
)
def test_a_store_of_another_version_opened_read_only_is_refused_with_why(
    tmp_path: Path, version: int, says: str
) -> None:
    path = tmp_path / "s.duckdb"
    if version == 1:
        _v1_store(path)
    else:
        FlowStore(path).close()
        db = duckdb.connect(str(path))
        db.execute("UPDATE meta SET value = ? WHERE key = 'version'", [str(version)])
        db.close()
    with pytest.raises(FlowError, match=says):
        FlowStore(path, read_only=True)


def test_ipv6_and_ipv4_of_one_file_are_stored_as_numbers_and_read_back_as_text(
    tmp_path: Path,
) -> None:
    path = tmp_path / "mixed.log"
    path.write_text(
        "2 1 eni-1 2001:db8::1 2001:db8::2 40000 443 6 1 60 7200 7205 ACCEPT OK\n"
        "2 1 eni-1 10.0.0.1 10.0.1.1 40000 443 6 1 60 7200 7205 REJECT OK\n"
    )
    with FlowStore(tmp_path / "s.duckdb") as store:
        assert ingest_paths(store, [path]).records == 2
        assert store.rows("SELECT client, server, action FROM hourly ORDER BY ALL") == [
            ("10.0.0.1", "10.0.1.1", "REJECT"),
            ("2001:db8::1", "2001:db8::2", "ACCEPT"),
        ]
        numbers = store.rows("SELECT client FROM conversations ORDER BY client")
        assert [int(n) for (n,) in numbers] == [IPV4_BASE + 0x0A000001, 1 | 0x20010DB8 << 96]
