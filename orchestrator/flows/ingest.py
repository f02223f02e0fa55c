"""Ingest: flow-log files (or folders of them) into the flow store.

In: paths and an open ``FlowStore``. Out: an ``IngestReport``: per file stored, skipped (the
same content was ingested before) or rejected (unreadable as a whole), every malformed record
with file and line, and the totals.
Always: one file's failure never stops the others; a rejected file leaves the store as it was.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from orchestrator.flows.fast_aws import SEEN, ingest_aws_text
from orchestrator.flows.reader import read_file
from orchestrator.flows.records import FlowError, Malformed, Parsed
from orchestrator.flows.store import FlowStore, digest_of


@dataclass(slots=True)
class IngestReport:
    stored: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)  # "path: why"
    malformed: list[Malformed] = field(default_factory=list)  # the first ones of each file
    malformed_count: int = 0
    records: int = 0
    no_data: int = 0
    # The files DuckDB's own reader took (``fast_aws``), the others went through Python's.
    read_by_duckdb: list[str] = field(default_factory=list)

    def count(self, parsed: Parsed) -> None:
        """One more source stored."""
        self.stored.append(parsed.file)
        self.records += parsed.count
        self.no_data += parsed.no_data
        self.malformed.extend(parsed.malformed)
        self.malformed_count += parsed.malformed_count

    def lines(self, limit: int = 20) -> list[str]:
        out = [
            f"Ingested {len(self.stored)} file(s): {self.records} flow record(s), "
            f"{self.malformed_count} malformed, {self.no_data} no-data; "
            f"{len(self.skipped)} already ingested, {len(self.rejected)} rejected."
        ]
        out += [f"  rejected: {why}" for why in self.rejected]
        out += [f"  malformed: {m}" for m in self.malformed[:limit]]
        if self.malformed_count > limit:
            out.append(f"  … and {self.malformed_count - limit} more malformed record(s)")
        return out


def ingest_paths(
    store: FlowStore, paths: Iterable[Path], aws_fields: tuple[str, ...] | None = None
) -> IngestReport:
    report = IngestReport()
    for path in _files(paths):
        try:
            _ingest_one(store, path, aws_fields, report)
        except FlowError as exc:
            report.rejected.append(str(exc))
    return report


def _ingest_one(
    store: FlowStore, path: Path, aws_fields: tuple[str, ...] | None, report: IngestReport
) -> None:
    if store.fast and not store.known_path(str(path)):
        # A new file's SHA-256 is made in a thread while DuckDB reads it (hashlib lets go of
        # the GIL); a path stored before is likely the same content again: hashed first,
        # so that it is skipped without a read.
        with ThreadPoolExecutor(max_workers=1) as pool:
            pending = pool.submit(_digest, path)
            fast = ingest_aws_text(store, path, pending.result, aws_fields)
            digest = pending.result()
    else:
        digest = _digest(path)
        fast = None if store.seen(digest) else _fast(store, path, digest, aws_fields)
    if fast == SEEN or (fast is None and store.seen(digest)):
        report.skipped.append(str(path))
    elif fast is not None:
        report.count(fast)
        report.read_by_duckdb.append(str(path))
    else:
        with store.staging() as staged:
            parsed = read_file(path, aws_fields, sink=staged.write)
            store.add(parsed, digest, staged)
        report.count(parsed)


def _fast(
    store: FlowStore, path: Path, digest: str, aws_fields: tuple[str, ...] | None
) -> Parsed | Literal["seen"] | None:
    return ingest_aws_text(store, path, digest, aws_fields) if store.fast else None


def _digest(path: Path) -> str:
    try:
        return digest_of(path)
    except OSError as exc:
        raise FlowError(f"{path}: cannot be read ({exc})") from None


def _files(paths: Iterable[Path]) -> Iterator[Path]:
    for path in paths:
        if path.is_dir():
            yield from sorted(p for p in path.rglob("*") if p.is_file())
        else:
            yield path
