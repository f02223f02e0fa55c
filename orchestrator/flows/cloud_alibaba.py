"""Ingest from Alibaba Cloud: the VPC flow logs the policy's Alibaba accounts deliver to
Simple Log Service (``eastwest flows ingest --from alibaba POLICY…``).

In: a ``Policy``, the logstores to read (``REGION/PROJECT/LOGSTORE``; when none is named,
those VPC's ``DescribeFlowLogs`` names for each Alibaba account and region of the policy),
the sandbox description (or None for the real clouds), an open ``FlowStore`` and a progress
callback. Out: an ``IngestReport``, one "file" per page of a shard read.
Always: incremental: each shard is read from the position stored with the records of its
last page (one transaction), so pulling twice stores nothing twice; a logstore that cannot
be read is reported and the others go on, and so is a region whose flow logs cannot be
listed. Each logstore is read with the credentials of every Alibaba account of the policy
that has its region.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from orchestrator.errors import ProviderError
from orchestrator.flows import alibaba_format
from orchestrator.flows.cloud import AccountScope as Scope
from orchestrator.flows.cloud import Numbered, Progress, account_scopes, store_lines
from orchestrator.flows.cloud_sources import read_destinations
from orchestrator.flows.ingest import IngestReport
from orchestrator.flows.records import Parsed, Sink
from orchestrator.flows.store import FlowStore
from orchestrator.model.policy import Policy

if TYPE_CHECKING:
    from providers.alibaba.flows import LogstoreRef, ShardPage


def ingest_alibaba(
    policy: Policy,
    named: Iterable[str],
    sandbox: dict[str, Any] | None,
    store: FlowStore,
    progress: Progress,
) -> IngestReport:
    """Raises ``ValueError`` for a logstore not written REGION/PROJECT/LOGSTORE."""
    from providers.alibaba.flows import (  # noqa: PLC0415 - the alibaba extra
        LogstoreRef,
        flow_log_stores,
        read_logstore,
        sls_client,
    )

    report = IngestReport()

    def find(scope: Scope) -> list[LogstoreRef]:
        account, profile, region = scope
        found = flow_log_stores(account, profile, region, sandbox)
        progress(f"alibaba {account} {region}: {len(found)} logstore(s) named by DescribeFlowLogs")
        return found

    def read(scope: Scope, ref: LogstoreRef) -> None:
        account, profile, _ = scope
        progress(f"alibaba {account}: reading {ref}")
        pages = read_logstore(sls_client(account, profile, sandbox), ref, store.cursors())
        _store_pages(store, pages, report, progress, f"alibaba {account} {ref}")

    read_destinations(
        account_scopes(policy, "alibaba"),
        [LogstoreRef.parse(text) for text in named],
        report,
        belongs=lambda scope, ref: ref.region == scope[2],
        find=find,
        read=read,
        key=lambda scope, ref: (scope[0], ref),  # each account reads with its own credentials
    )
    return report


def _store_pages(
    store: FlowStore,
    pages: Iterator[ShardPage],
    report: IngestReport,
    progress: Progress,
    where: str,
) -> None:
    try:
        for page in pages:
            for note in page.notes:
                progress(note)
            if page.lines:
                store_lines(
                    store, (page.source, page.position), page.lines, _parser(page.source), report
                )
                progress(f"  {page.source}: {len(page.lines)} log(s)")
    except ProviderError as exc:
        text = str(exc)  # a Log Service error names its source already; a credential one not
        report.rejected.append(text if text.startswith("alibaba ") else f"{where}: {text}")


def _parser(source: str) -> Callable[[Numbered, Sink], Parsed]:
    def parse(numbered: Numbered, sink: Sink) -> Parsed:
        return alibaba_format.parse_lines(source, numbered, sink)

    return parse
