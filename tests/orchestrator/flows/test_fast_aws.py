"""DuckDB's reader of AWS text stores exactly what the Python parser stores, and refuses the
same lines with the same reasons; a file it cannot vouch for goes to the Python parser."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from orchestrator.flows.fast_aws import ingest_aws_text
from orchestrator.flows.ingest import ingest_paths
from orchestrator.flows.store import FlowStore
from tests.orchestrator.flows import truth

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "flows"
HOURLY = "SELECT * FROM hourly ORDER BY ALL"
GOOD = "2 1 eni-1 10.0.0.1 10.0.1.1 40000 443 6 3 300 1700000000 1700000060 ACCEPT OK"


def _both(tmp_path: Path, path: Path) -> tuple[tuple[object, ...], tuple[object, ...]]:
    found = []
    for fast in (True, False):
        with FlowStore(tmp_path / f"{fast}.duckdb", fast=fast) as store:
            report = ingest_paths(store, [path])
            malformed = [(m.line, m.reason) for m in report.malformed]
            found.append((store.rows(HOURLY), report.records, report.no_data, malformed))
    return tuple(found[0]), tuple(found[1])


def _content(kind: str) -> str:
    nodata = "2 1 eni-1 - - - - - - - 1700000000 1700000060 - NODATA"
    short = GOOD.rsplit(" ", 3)[0]
    return {
        "clean": "\n".join([GOOD, GOOD.replace("40000", "40001"), nodata]),
        "short-and-long-lines": "\n".join([GOOD, short, GOOD + " extra", "", GOOD]),
        "custom-header": "srcaddr dstaddr srcport dstport protocol packets bytes start\n"
        "10.0.0.1 10.0.1.1 40000 443 6 1 60 1700000000",
    }[kind]


@pytest.mark.parametrize("kind", ["clean", "short-and-long-lines", "custom-header"])
def test_the_fast_path_stores_and_refuses_as_the_python_parser(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "flows.log"
    path.write_text(_content(kind) + "\n")
    fast, slow = _both(tmp_path, path)
    assert fast == slow
    with FlowStore(tmp_path / "probe.duckdb") as store:
        assert ingest_aws_text(store, path, "digest", None) is not None  # the fast path took it


def test_a_generated_truth_set_and_the_gzip_fixture_store_the_same(tmp_path: Path) -> None:
    truth.make(tmp_path / "t.log", seed=21, conversations=200)
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(tmp_path / "t.log", folder / "t.log")
    shutil.copy(FIXTURES / "aws-s3-custom.log.gz", folder / "s3.log.gz")
    fast, slow = _both(tmp_path, folder)
    assert fast == slow
    assert isinstance(fast[1], int)
    assert fast[1] > 200


def test_a_not_utf8_line_is_refused_by_line_on_the_fast_path(tmp_path: Path) -> None:
    path = tmp_path / "flows.log"
    path.write_bytes(f"{GOOD}\n{GOOD[:-2]}\xff\xfe\n{GOOD}\n".encode("latin-1"))
    fast, slow = _both(tmp_path, path)
    assert fast == slow
    assert fast[3] == [(2, "the line is not UTF-8")]


@pytest.mark.parametrize(
    "line",
    [
        pytest.param(GOOD.replace("10.0.0.1", "10.0.0.300"), id="bad-address"),
        pytest.param(GOOD.replace("10.0.0.1", "2001:db8::1"), id="ipv6"),
        pytest.param("9" + GOOD[1:], id="other-version"),
        pytest.param(GOOD.replace(" 443 ", " 70000 "), id="port-out-of-range"),
        pytest.param(GOOD.replace(" 443 ", " https "), id="port-not-a-number"),
        pytest.param(GOOD.replace(" 443 ", " +443 "), id="port-signed"),
        # DuckDB's own cast takes these; the Python parser refuses all but the last.
        pytest.param(GOOD.replace(" 443 ", " 44.3 "), id="port-decimal"),
        pytest.param(GOOD.replace(" 443 ", " 4_43 "), id="port-underscore"),
        pytest.param(GOOD.replace(" 443 ", " 0x1bb "), id="port-hex"),
        pytest.param(GOOD.replace(" 300 ", " 3e2 "), id="bytes-exponent"),
        pytest.param(GOOD.replace(" 443 ", " 0443 "), id="port-leading-zero"),
        pytest.param(GOOD.replace(" 10.0.1.1 ", "  "), id="empty-address"),
    ],
)
def test_what_the_fast_path_cannot_vouch_for_goes_to_the_python_parser(
    tmp_path: Path, line: str
) -> None:
    path = tmp_path / "flows.log"
    path.write_text(f"{GOOD}\n{line}\n")
    with FlowStore(tmp_path / "probe.duckdb") as store:
        assert ingest_aws_text(store, path, "digest", None) is None
        assert store.rows("SELECT count(*) FROM hourly") == [(0,)]
        assert store.rows("SELECT count(*) FROM files") == [(0,)]
    fast, slow = _both(tmp_path, path)
    assert fast == slow


def test_a_truncated_gzip_is_rejected_whole_on_the_fast_path(tmp_path: Path) -> None:
    path = tmp_path / "flows.log.gz"
    lines = "".join(GOOD.replace("40000", str(30000 + i * 7 % 30000)) + "\n" for i in range(5000))
    whole = gzip.compress(lines.encode())
    path.write_bytes(whole[: len(whole) // 2])
    with FlowStore(tmp_path / "s.duckdb") as store:
        report = ingest_paths(store, [path])
        assert len(report.rejected) == 1
        assert store.rows("SELECT count(*) FROM hourly") == [(0,)]
