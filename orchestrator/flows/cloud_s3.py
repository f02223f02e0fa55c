"""Ingest the AWS flow logs delivered to S3: each object of each destination
``DescribeFlowLogs`` names, read by the file readers (text with its header line, gzip or not,
or Parquet) as if it had been downloaded and given to ``flows ingest``.

In: an account's clients, the account and region, the ``S3Destination``s, an open
``FlowStore``, an ``IngestReport`` to add to and a progress callback. Out: the report, one
"file" per object stored, named ``aws/<account>/<region>/s3:<bucket>/<key>``.
Always: incremental: the cursor of an object (its source name → its ETag) is moved in the
same transaction as its records, so an object read once is never downloaded again; an object
whose ETag differs from the one read (S3 delivery never rewrites one) is reported, not read
again; a destination or object that cannot be read is reported and the others go on.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orchestrator.errors import ProviderError
from orchestrator.flows.ingest import IngestReport
from orchestrator.flows.reader import read_file
from orchestrator.flows.records import FlowError, Parsed
from orchestrator.flows.store import FlowStore, digest_of

if TYPE_CHECKING:
    from orchestrator.flows.cloud import Progress
    from providers.aws.flow_objects import FlowObject, S3Destination
    from providers.aws.session import AwsClients

# An ETag as the cursor's number: its first 15 hex digits (60 bits fit the BIGINT column); a
# multipart ETag ("…-3") is hex before its dash too.
_ETAG_DIGITS = 15


def etag_position(etag: str) -> int:
    digits = etag.strip('"').split("-", 1)[0][:_ETAG_DIGITS]
    try:
        return int(digits, 16)
    except ValueError:
        return 0


def ingest_buckets(
    scope: tuple[AwsClients, str, str],
    destinations: Sequence[S3Destination],
    store: FlowStore,
    report: IngestReport,
    progress: Progress,
) -> None:
    from providers.aws.flow_objects import list_objects, s3_client  # noqa: PLC0415 - boto3

    clients, account, region = scope
    s3 = s3_client(clients, region) if destinations else None
    for destination in destinations:
        try:
            listed = list_objects(s3, account, region, destination)
        except ProviderError as exc:
            report.rejected.append(str(exc))
            continue
        fresh = _unread(listed, store.cursors(), f"aws/{account}/{region}", report)
        progress(
            f"aws {account} {region}: s3://{destination.bucket}/"
            f"{destination.prefix(account, region)}: {len(listed)} object(s), {len(fresh)} new"
        )
        for source, item in fresh:
            _ingest_object(s3, source, item, store, report)


def _unread(
    listed: Sequence[FlowObject], cursors: Mapping[str, int], base: str, report: IngestReport
) -> list[tuple[str, FlowObject]]:
    """The objects not read before, each with its source name; a changed one reported."""
    fresh = []
    for item in listed:
        source = f"{base}/s3:{item.bucket}/{item.key}"
        read = cursors.get(source)
        if read is None:
            fresh.append((source, item))
        elif read != etag_position(item.etag):
            report.rejected.append(
                f"{source}: changed since it was read (ETag now {item.etag}); not read again"
            )
    return fresh


def _ingest_object(
    s3: Any, source: str, item: FlowObject, store: FlowStore, report: IngestReport
) -> None:
    from providers.aws.flow_objects import download  # noqa: PLC0415 - boto3

    # Downloaded beside the store (the same disk its staging files use), never into memory.
    with tempfile.TemporaryDirectory(dir=store.path.parent) as tmp:
        path = Path(tmp) / "object"
        try:
            download(s3, item, path)
            with store.staging() as staged:
                parsed = _named(read_file(path, sink=staged.write), source)
                stored = store.add(
                    parsed, digest_of(path), staged, cursor=(source, etag_position(item.etag))
                )
        except (ProviderError, FlowError) as exc:
            report.rejected.append(str(exc).replace(str(path), source))
            return
    if stored:
        report.count(parsed)
    else:
        report.skipped.append(source)


def _named(parsed: Parsed, source: str) -> Parsed:
    """``parsed`` (read from a downloaded copy) naming the object, its refusals too."""
    parsed.file = source
    parsed.malformed = [replace(m, file=source) for m in parsed.malformed]
    return parsed
