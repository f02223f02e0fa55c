"""A flow store of conversations, written as AWS flow logs (version 2) log them: each
connection once each way, and ingested."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from orchestrator.flows.ingest import ingest_paths
from orchestrator.flows.store import FlowStore

Talk = tuple[str, str, int, int]  # (client, server, server port, connections)


def store_of(directory: Path, talks: Iterable[Talk], step: int = 60) -> Path:
    """The store of ``talks``, the n-th of them ``step`` seconds after the one before."""
    lines = []
    for n, (client, server, port, connections) in enumerate(talks):
        for c in range(connections):
            t, eph = 1_700_000_000 + step * n, 40000 + c
            lines.append(f"2 1 eni-1 {client} {server} {eph} {port} 6 1 60 {t} {t} ACCEPT OK")
            lines.append(f"2 1 eni-2 {server} {client} {port} {eph} 6 1 60 {t} {t} ACCEPT OK")
    (directory / "flows.log").write_text("\n".join(lines) + "\n")
    store = directory / "flows.duckdb"
    with FlowStore(store) as db:
        assert ingest_paths(db, [directory / "flows.log"]).records == len(lines)
    return store
