"""The three clouds' flow-log formats, read from fixtures made of their documented examples
(tests/fixtures/flows/README.md names each source and each record broken on purpose)."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from orchestrator.flows import aws_format
from orchestrator.flows.reader import read_file
from orchestrator.flows.records import FlowError, FlowRecord

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "flows"


@pytest.mark.parametrize(
    ("name", "fmt", "records", "no_data", "malformed"),
    [
        pytest.param(
            "aws-default.log",
            "aws",
            4,
            2,
            {
                7: "expected 14 fields, found 9",
                8: "flow log version '9' is not one of 2-5",
                9: "srcaddr '172.31.16.999' is not an IP address",
                10: "dstport 70000 is out of range (0-65535)",
                11: "the line is not UTF-8",
            },
            id="aws-default-v2",
        ),
        pytest.param("aws-s3-custom.log.gz", "aws", 3, 0, {}, id="aws-s3-custom-gzip"),
        pytest.param(
            "alibaba.jsonl",
            "alibaba",
            2,
            1,
            {4: "flow log version '2' is not 1", 5: "Expecting ',' delimiter"},
            id="alibaba-sls",
        ),
        pytest.param(
            "azure-vnet.json",
            "azure",
            5,
            0,
            {
                30: "expected 13 tuple fields, found 8",
                31: "source '10.0.0.999' is not an IP address",
            },
            id="azure-vnet-v4",
        ),
        pytest.param(
            "azure-nsg-v2.json",
            "azure",
            7,
            0,
            {
                35: "protocol 'X' is not T or U",
                36: "an NSG flow log version 1 tuple (8 fields); version 2 is read",
            },
            id="azure-nsg-v2",
        ),
    ],
)
def test_each_format_reads_its_records_and_refuses_the_broken_ones_by_line(
    name: str, fmt: str, records: int, no_data: int, malformed: dict[int, str]
) -> None:
    parsed = read_file(FIXTURES / name)
    assert parsed.format == fmt
    assert len(parsed.records) == records
    assert parsed.no_data == no_data
    found = {m.line: m.reason for m in parsed.malformed}
    assert set(found) == set(malformed)
    for line, reason in malformed.items():
        assert found[line].startswith(reason), (line, found[line])
    assert all(m.file == str(FIXTURES / name) for m in parsed.malformed)


@pytest.mark.parametrize(
    ("name", "index", "expected"),
    [
        pytest.param(
            "aws-default.log",
            0,
            FlowRecord(
                "172.31.16.139", "172.31.16.21", 20641, 22, 6, 20, 4249,
                1418530010, 1418530070, "ACCEPT", "eni-1235b8ca123456789",
            ),
            id="aws-accept",
        ),
        pytest.param(
            "aws-s3-custom.log.gz",
            1,
            FlowRecord(
                "10.0.0.62", "52.213.180.42", 5001, 43416, 6, 7, 376,
                1566848875, 1566848933, "ACCEPT", "eni-1235b8ca123456789",
            ),
            id="aws-custom-fields-by-header",
        ),
        pytest.param(
            "alibaba.jsonl",
            1,
            FlowRecord(
                "192.168.1.10", "192.168.3.30", 40000, 22, 6, 3, 180,
                1700000010, 1700000070, "REJECT", "eni-bp1dxxxxxxxxxxxx",
            ),
            id="alibaba-reject",
        ),
        pytest.param(
            "azure-vnet.json",
            1,
            FlowRecord(
                "10.0.0.6", "192.0.2.180", 23956, 443, 6, 5, 2347,
                1663146003, 1663146003, "ACCEPT", "112233445566",
            ),
            id="azure-vnet-both-directions-counted",
        ),
        pytest.param(
            "azure-vnet.json",
            4,
            FlowRecord(
                "198.51.100.7", "10.0.0.6", 51000, 22, 6, 0, 0,
                1663146004, 1663146004, "REJECT", "112233445566",
            ),
            id="azure-vnet-denied",
        ),
        pytest.param(
            "azure-nsg-v2.json",
            0,
            FlowRecord(
                "94.102.49.190", "10.5.16.4", 28746, 443, 17, 0, 0,
                1542110402, 1542110402, "REJECT", "000D3AF87856",
            ),
            id="azure-nsg-udp-denied",
        ),
    ],
)  # fmt: skip
def test_a_record_reads_as_documented(name: str, index: int, expected: FlowRecord) -> None:
    assert read_file(FIXTURES / name).records[index] == expected


def test_a_custom_format_given_for_cloudwatch_lines(tmp_path: Path) -> None:
    fields = aws_format.parse_format("${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} "
                                     "${packets} ${bytes} ${start} ${end} ${action}")  # fmt: skip
    path = tmp_path / "cw.log"
    path.write_text("10.0.0.1 10.0.1.1 40000 443 6 1 60 100 160 ACCEPT\n")
    (record,) = read_file(path, fields).records
    assert (record.src, record.dport, record.action, record.interface) == (
        "10.0.0.1", 443, "ACCEPT", ""
    )  # fmt: skip


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        pytest.param("${srcaddr} ${nope}", "not an AWS flow log format", id="unknown-field"),
        pytest.param("${srcaddr} ${dstaddr}", "the format lacks srcport", id="too-few"),
        pytest.param("srcaddr dstaddr", "not an AWS flow log format", id="no-placeholders"),
    ],
)
def test_a_bad_custom_format_is_refused(spec: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        aws_format.parse_format(spec)


@pytest.mark.parametrize(
    ("content", "error"),
    [
        pytest.param(gzip.compress(b"2 1 eni-1 10.0.0.1 10.0.0.2 1 2 6 1 1 1 1 ACCEPT OK\n" * 9)
                     [:60], "cannot be read", id="truncated-gzip"),
        pytest.param(b'{"records": [ {"flowRecords": ', "not a readable Azure flow log",
                     id="truncated-json"),
        pytest.param(b"<html>hello</html>\n", "not a flow log of a known format", id="unknown"),
        pytest.param(b"PAR1garbage", "not a readable Parquet flow log", id="bad-parquet"),
    ],
)  # fmt: skip
def test_a_file_unreadable_as_a_whole_is_rejected(
    tmp_path: Path, content: bytes, error: str
) -> None:
    path = tmp_path / "broken"
    path.write_bytes(content)
    with pytest.raises(FlowError, match=error):
        read_file(path)


def test_parquet_delivery_reads_like_text(tmp_path: Path) -> None:
    from orchestrator.flows.store import connect_memory

    text = read_file(FIXTURES / "aws-default.log")
    path = tmp_path / "flows.parquet"
    db = connect_memory()
    db.execute(
        "CREATE TABLE t(version INTEGER, account_id VARCHAR, interface_id VARCHAR, "
        "srcaddr VARCHAR, dstaddr VARCHAR, srcport INTEGER, dstport INTEGER, protocol INTEGER, "
        'packets BIGINT, bytes BIGINT, start BIGINT, "end" BIGINT, action VARCHAR, '
        "log_status VARCHAR)"
    )
    for r in text.records:
        db.execute(
            "INSERT INTO t VALUES (2, '123456789010', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'OK')",
            [r.interface, r.src, r.dst, r.sport, r.dport, r.proto, r.packets, r.bytes,
             r.start, r.end, r.action],
        )  # fmt: skip
    db.execute("INSERT INTO t VALUES (2, '1', 'eni-1', NULL, NULL, NULL, NULL, NULL, NULL, "
               "NULL, 1, 2, NULL, 'NODATA')")  # fmt: skip
    db.execute("INSERT INTO t VALUES (2, '1', 'eni-1', 'x', '10.0.0.1', 1, 2, 6, 1, 1, 1, 2, "
               "'ACCEPT', 'OK')")  # fmt: skip
    db.execute(f"COPY t TO '{path}' (FORMAT parquet)")
    db.close()
    parsed = read_file(path)
    assert parsed.format == "aws-parquet"
    assert parsed.records == text.records
    assert parsed.no_data == 1
    assert [(m.line, m.reason) for m in parsed.malformed] == [
        (len(text.records) + 2, "srcaddr 'x' is not an IP address")
    ]


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        pytest.param("10.0.0.1", "10.0.0.1", id="ipv4"),
        pytest.param("255.255.255.255", "255.255.255.255", id="ipv4-top"),
        pytest.param("2001:DB8::1", "2001:db8::1", id="ipv6-normalised"),
        pytest.param("10.0.0.256", None, id="octet-too-big"),
        pytest.param("10.0.0.01", None, id="leading-zero"),
        pytest.param("10.0.0", None, id="three-octets"),
        pytest.param("\uff110.0.0.1", None, id="non-ascii-digit"),
    ],
)
def test_addresses_are_checked_fast_and_exactly(text: str, ok: str | None) -> None:
    from orchestrator.flows.fields import address

    if ok is None:
        with pytest.raises(ValueError, match="is not an IP address"):
            address(text, "srcaddr")
    else:
        assert address(text, "srcaddr") == ok
