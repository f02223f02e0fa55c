"""A flow-log file of any supported cloud format, opened and parsed.

In: a path (plain or gzip; text, JSON or Parquet). Out: a ``Parsed``. Raises ``FlowError``
when the file as a whole cannot be read (missing, a truncated gzip stream, a JSON document
that does not parse, an unknown format): such a file is rejected whole and nothing of it is
stored.
Always: line by line for the line formats, so a file of any size streams; a line that is not
UTF-8 is refused, never guessed at.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, cast

from orchestrator.flows import alibaba_format, aws_format, azure_format
from orchestrator.flows.records import FlowError, Parsed, Sink

_GZIP = b"\x1f\x8b"
_PARQUET = b"PAR1"
# A JSON document is parsed whole; past this size it is refused rather than exhausting memory
# (Azure writes one blob per hour per interface, far below it).
JSON_LIMIT = 256 * 2**20


def read_file(path: Path, aws_fields: tuple[str, ...] | None = None, sink: Sink = None) -> Parsed:
    try:
        with path.open("rb") as raw:
            magic = raw.read(4)
        if magic == _PARQUET:
            from orchestrator.flows.parquet import read_parquet  # noqa: PLC0415 - duckdb

            return read_parquet(path, sink)
        return _read_stream(path, magic[:2] == _GZIP, aws_fields, sink)
    except (OSError, EOFError, zlib.error) as exc:
        raise FlowError(f"{path}: cannot be read ({exc}); nothing of it was stored") from None


def _read_stream(
    path: Path, gzipped: bool, aws_fields: tuple[str, ...] | None, sink: Sink
) -> Parsed:
    with _open(path, gzipped) as stream:
        head = stream.read(4096)
        stream.seek(0)
        text_head = head.decode("utf-8", errors="replace")
        if azure_format.looks_like(text_head) and not alibaba_format.looks_like(text_head):
            return _azure(path, stream, sink)
        lines = _lines(stream)
        if alibaba_format.looks_like(text_head):
            return alibaba_format.parse_lines(str(path), lines, sink)
        if text_head.strip() and not _looks_aws(text_head):
            raise FlowError(f"{path}: not a flow log of a known format")
        return aws_format.parse_lines(str(path), lines, aws_fields, sink)


def _open(path: Path, gzipped: bool) -> IO[bytes]:
    if gzipped:
        return cast("IO[bytes]", gzip.GzipFile(path, "rb"))
    return path.open("rb")


def _looks_aws(head: str) -> bool:
    first = head.lstrip().split("\n", 1)[0]
    return aws_format.is_header(first) or first[:1].isdigit()


def _lines(stream: IO[bytes]) -> Iterator[tuple[int, str | None]]:
    for lineno, raw in enumerate(stream, start=1):
        try:
            yield lineno, raw.decode("utf-8").rstrip("\r\n")
        except UnicodeDecodeError:
            yield lineno, None  # the parsers refuse it by number


def _azure(path: Path, stream: IO[bytes], sink: Sink) -> Parsed:
    body = stream.read(JSON_LIMIT + 1)
    if len(body) > JSON_LIMIT:
        raise FlowError(f"{path}: a JSON flow log over {JSON_LIMIT >> 20} MiB is not read")
    try:
        return azure_format.parse_document(str(path), body.decode("utf-8"), sink)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FlowError(f"{path}: not a readable Azure flow log ({exc})") from None
