"""Ingest from the clouds themselves: the flow logs the policy's AWS accounts deliver to
CloudWatch Logs and to S3 (``eastwest flows ingest --from aws POLICY…``; S3 objects in
``cloud_s3``).

In: a ``Policy``, the sandbox description (or None for the real clouds) and an open
``FlowStore``. Out: an ``IngestReport`` like a file ingest's, one "file" per log group read
and per S3 object.
Always: incremental: each log group is read from the last event stored before (a cursor
kept in the store, moved in the same transaction as the records), so pulling twice stores
nothing twice; a log group that cannot be read is reported and the others go on.
``store_lines`` is how every cloud source (here, ``cloud_alibaba``, ``cloud_azure``) stores a
batch with its cursor.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Literal

from orchestrator.errors import ProviderError
from orchestrator.flows import aws_format
from orchestrator.flows.cloud_s3 import ingest_buckets
from orchestrator.flows.ingest import IngestReport
from orchestrator.flows.records import Parsed, Sink
from orchestrator.flows.store import FlowStore
from orchestrator.model.policy import AzureAccount, Policy

if TYPE_CHECKING:
    from providers.aws.flows import LogBatch

Numbered = list[tuple[int, str | None]]
Progress = Callable[[str], object]  # one line for the user, on stderr


def ingest_aws(
    policy: Policy,
    sandbox: dict[str, Any] | None,
    store: FlowStore,
    progress: Progress = lambda _: None,
) -> IngestReport:
    from providers.aws.flows import account_clients, read_flow_logs  # noqa: PLC0415 - boto3

    report = IngestReport()
    for account, profile, region in account_scopes(policy, "aws"):
        progress(f"aws {account} {region}: reading the VPC flow logs (CloudWatch Logs, S3)")
        clients = account_clients(account, profile, sandbox)
        try:
            read = read_flow_logs(clients, account, region, store.cursors())
        except ProviderError as exc:
            report.rejected.append(str(exc))
            continue
        report.rejected += [f"{item}: not read here (ingest its files)" for item in read.elsewhere]
        for batch in read.batches:
            _store_batch(store, batch, report)
            progress(f"  {batch.source}: {len(batch.lines)} event(s)")
        ingest_buckets((clients, account, region), read.buckets, store, report, progress)
    return report


AccountScope = tuple[str, str | None, str]  # account id, profile, region


def account_scopes(policy: Policy, cloud: Literal["aws", "alibaba"]) -> Iterator[AccountScope]:
    """Each region of each of the policy's accounts in ``cloud``, with its credentials' profile
    (the AWS and Alibaba pulls read flow logs per account and region)."""
    for account in policy.accounts:
        if account.cloud == cloud and not isinstance(account, AzureAccount):
            for region in account.regions:
                yield account.account_id, getattr(account, "profile", None), region


def _store_batch(store: FlowStore, batch: LogBatch, report: IngestReport) -> None:
    if not batch.lines:
        return
    try:
        fields = aws_format.parse_format(batch.log_format) if batch.log_format else None
    except ValueError as exc:
        report.rejected.append(f"{batch.source}: its LogFormat is not read: {exc}")
        return

    def parse(numbered: Numbered, sink: Sink) -> Parsed:
        return aws_format.parse_lines(batch.source, numbered, fields, sink)

    store_lines(store, (batch.source, batch.last_ms), batch.lines, parse, report)


def store_lines(
    store: FlowStore,
    cursor: tuple[str, int],
    lines: Sequence[str],
    parse: Callable[[Numbered, Sink], Parsed],
    report: IngestReport,
) -> None:
    """The records of ``lines`` read from a cloud source (``cursor``: the source and the
    position after them) stored with the cursor in one transaction; a batch stored before
    (the same source and lines) is skipped by its digest."""
    source = cursor[0]
    digest = hashlib.sha256("\n".join([source, *lines]).encode()).hexdigest()
    with store.staging() as staged:
        parsed = parse(list(enumerate(lines, start=1)), staged.write)
        if not store.add(parsed, digest, staged, cursor=cursor):
            report.skipped.append(source)
            return
    report.count(parsed)
