"""Ingest from Azure: the virtual network flow logs Network Watcher writes to storage
accounts (``eastwest flows ingest --from azure POLICY…``).

In: a ``Policy`` (its Azure accounts say which subscriptions, regions and sovereign cloud),
the containers to read (``ACCOUNT`` or ``ACCOUNT/CONTAINER``; when none is named, the storage
accounts the flow logs of the subscriptions' Network Watchers in the policy's regions name in
their ``storageId``), the sandbox description (or None for the real clouds), an open
``FlowStore`` and a progress callback. Out: an ``IngestReport``, one "file" per blob
read. Always: incremental: each blob is read from the byte after its last stored record (a
position kept in the store, moved in the same transaction as the records), so pulling twice
stores nothing twice; a container or blob that cannot be read is reported and the others go
on, and so is a subscription whose flow logs cannot be listed; a storage account two
subscriptions name is read once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from orchestrator.errors import ProviderError
from orchestrator.flows import azure_format
from orchestrator.flows.cloud import Numbered, Progress, store_lines
from orchestrator.flows.cloud_sources import read_destinations
from orchestrator.flows.ingest import IngestReport
from orchestrator.flows.records import Parsed, Sink
from orchestrator.flows.store import FlowStore
from orchestrator.model.policy import AzureAccount, Policy

if TYPE_CHECKING:
    from providers.azure.flows import BlobReader, ContainerRef


def ingest_azure(
    policy: Policy,
    named: Iterable[str],
    sandbox: dict[str, Any] | None,
    store: FlowStore,
    progress: Progress,
) -> IngestReport:
    """Raises ``ValueError`` for a container not written ACCOUNT[/CONTAINER]."""
    from providers.azure.flows import (  # noqa: PLC0415 - the azure extra
        ContainerRef,
        blob_reader,
        flow_log_containers,
    )

    report = IngestReport()
    accounts = [a for a in policy.accounts if isinstance(a, AzureAccount)]
    if not accounts:
        report.rejected.append("azure: nothing to read: the policy has no Azure account")
        return report

    def find(account: AzureAccount) -> list[ContainerRef]:
        sub = account.subscription_id
        found = flow_log_containers(sub, account.regions, account.azure_cloud, sandbox)
        progress(f"azure {sub}: {len(found)} storage account(s) named by Network Watcher")
        return found

    def read(account: AzureAccount, ref: ContainerRef) -> None:
        progress(f"azure: reading {ref}")
        _read_container(blob_reader(account.azure_cloud, sandbox), ref, store, report, progress)

    read_destinations(
        accounts,
        [ContainerRef.parse(text) for text in named],
        report,
        belongs=lambda account, _: account is accounts[0],  # a named one: read once
        find=find,
        read=read,
        key=lambda account, ref: (account.azure_cloud, ref),
    )
    return report


def _read_container(
    reader: BlobReader, ref: ContainerRef, store: FlowStore, report: IngestReport,
    progress: Progress,
) -> None:  # fmt: skip
    from providers.azure.flows import read_container  # noqa: PLC0415 - the azure extra

    try:
        for piece in read_container(reader, ref, store.cursors()):
            if piece.error:
                report.rejected.append(piece.error)
                continue
            _store_piece(store, piece.source, piece.text, piece.position, report)
            progress(f"  {piece.source}: read to byte {piece.position}")
    except ProviderError as exc:
        report.rejected.append(str(exc))


def _store_piece(
    store: FlowStore, source: str, text: str, position: int, report: IngestReport
) -> None:
    def parse(numbered: Numbered, sink: Sink) -> Parsed:
        return azure_format.parse_document(source, numbered[0][1] or "", sink)

    try:
        store_lines(store, (source, position), (text,), parse, report)
    except ValueError as exc:  # not a flow-log document: nothing of it is stored
        report.rejected.append(f"{source}: not a readable Azure flow log ({exc})")
