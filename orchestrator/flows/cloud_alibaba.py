"""Ingest from Alibaba Cloud: the VPC flow logs the policy's Alibaba accounts deliver to
Simple Log Service (``eastwest flows ingest --from alibaba POLICY…``).

In: a ``Policy``, the logstores to read (``REGION/PROJECT/LOGSTORE``, the ``ProjectName``
and ``LogStoreName`` of each ``CreateFlowLog``; with the sandbox, its own when none is
named), the sandbox description (or None for the real clouds), an open ``FlowStore`` and a
progress callback. Out: an ``IngestReport``, one "file" per page of a shard read.
Always: incremental: each shard is read from the position stored with the records of its
last page (one transaction), so pulling twice stores nothing twice; a logstore that cannot
be read is reported and the others go on. Each logstore is read with the credentials of
every Alibaba account of the policy that has its region.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

from orchestrator.errors import ProviderError
from orchestrator.flows import alibaba_format
from orchestrator.flows.cloud import Numbered, Progress, store_lines
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
        read_logstore,
        sandbox_logstores,
        sls_client,
    )

    refs = [LogstoreRef.parse(text) for text in named]
    if not refs and sandbox is not None:
        refs = sandbox_logstores(sandbox)
    report = IngestReport()
    if not refs:
        report.rejected.append(
            "alibaba: no logstore to read: name each flow log's with --source "
            "REGION/PROJECT/LOGSTORE"
        )
    for account, profile, ref in _reads(policy, refs):
        progress(f"alibaba {account}: reading {ref}")
        pages = read_logstore(sls_client(account, profile, sandbox), ref, store.cursors())
        _store_pages(store, pages, report, progress, f"alibaba {account} {ref}")
    return report


def _reads(
    policy: Policy, refs: list[LogstoreRef]
) -> Iterator[tuple[str, str | None, LogstoreRef]]:
    for account in policy.accounts:
        if account.cloud == "alibaba":
            for ref in refs:
                if ref.region in account.regions:
                    yield account.account_id, getattr(account, "profile", None), ref


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
