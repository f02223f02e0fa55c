"""Ingest from Azure: the virtual network flow logs Network Watcher writes to storage
accounts (``eastwest flows ingest --from azure POLICY…``).

In: a ``Policy`` (its Azure accounts say which sovereign cloud), the containers to read
(``ACCOUNT`` or ``ACCOUNT/CONTAINER``: a flow log's ``storageId`` names the account; with the
sandbox, its own when none is named), the sandbox description (or None for the real clouds),
an open ``FlowStore`` and a progress callback. Out: an ``IngestReport``, one "file" per blob
read. Always: incremental: each blob is read from the byte after its last stored record (a
position kept in the store, moved in the same transaction as the records), so pulling twice
stores nothing twice; a container or blob that cannot be read is reported and the others go on.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from orchestrator.errors import ProviderError
from orchestrator.flows import azure_format
from orchestrator.flows.cloud import Numbered, Progress, store_lines
from orchestrator.flows.ingest import IngestReport
from orchestrator.flows.records import Parsed, Sink
from orchestrator.flows.store import FlowStore
from orchestrator.model.policy import Policy


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
        read_container,
        sandbox_containers,
    )

    refs = [ContainerRef.parse(text) for text in named]
    if not refs and sandbox is not None:
        refs = sandbox_containers(sandbox)
    report = IngestReport()
    clouds = sorted({a.azure_cloud for a in policy.accounts if a.cloud == "azure"})
    if not refs or not clouds:
        report.rejected.append(
            "azure: nothing to read: the policy needs an Azure account, and each flow log's "
            "storage account is named with --source ACCOUNT[/CONTAINER]"
        )
        return report
    reader = blob_reader(clouds[0], sandbox)
    for ref in refs:
        progress(f"azure: reading {ref}")
        try:
            for piece in read_container(reader, ref, store.cursors()):
                if piece.error:
                    report.rejected.append(piece.error)
                    continue
                _store_piece(store, piece.source, piece.text, piece.position, report)
                progress(f"  {piece.source}: read to byte {piece.position}")
        except ProviderError as exc:
            report.rejected.append(str(exc))
    return report


def _store_piece(
    store: FlowStore, source: str, text: str, position: int, report: IngestReport
) -> None:
    def parse(numbered: Numbered, sink: Sink) -> Parsed:
        return azure_format.parse_document(source, numbered[0][1] or "", sink)

    try:
        store_lines(store, (source, position), (text,), parse, report)
    except ValueError as exc:  # not a flow-log document: nothing of it is stored
        report.rejected.append(f"{source}: not a readable Azure flow log ({exc})")
