"""AWS VPC Flow Logs delivered to S3 as Apache Parquet, read with DuckDB's ``read_parquet``.

In: a Parquet file. Out: a ``Parsed`` (row numbers stand for line numbers).
Always: the columns are the flow-log fields with ``_`` for ``-`` (the AWS VPC User Guide,
"Flow log files", Parquet: ``account_id``, ``interface_id``, ``log_status`` …); a row is read
through the same checks as a text record, so both deliveries refuse the same records.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from orchestrator.flows import aws_format
from orchestrator.flows.records import FlowError, Parsed, Sink
from orchestrator.flows.store import connect_memory


def read_parquet(path: Path, sink: Sink = None) -> Parsed:
    db = connect_memory()
    import duckdb  # noqa: PLC0415 - connect_memory checked the flows extra

    try:
        cursor = db.execute("SELECT * FROM read_parquet(?)", [str(path)])
        names = tuple(d[0].replace("_", "-") for d in cursor.description)
        rows = cursor.fetchall()
    except duckdb.Error as exc:
        raise FlowError(f"{path}: not a readable Parquet flow log ({exc})") from None
    finally:
        db.close()
    unknown = [n for n in names if n not in aws_format.KNOWN_FIELDS]
    if unknown:
        raise FlowError(f"{path}: Parquet columns {unknown} are not AWS flow-log fields")
    parsed = aws_format.parse_lines(str(path), _as_lines(rows), names, sink)
    parsed.format = "aws-parquet"
    return parsed


def _as_lines(rows: list[tuple[object, ...]]) -> Iterator[tuple[int, str | None]]:
    for number, row in enumerate(rows, start=1):
        yield number, " ".join("-" if v is None else str(v) for v in row)
