"""History stores: SQLite by path (the default), PostgreSQL by ``postgresql://`` URL.

``open_store`` picks the backend; the PostgreSQL module (and psycopg) is imported only for a
URL, so the default store costs no extra import.
"""

from __future__ import annotations

from pathlib import Path

from orchestrator.extras import require
from orchestrator.reconcile.store.base import Lease, RunRecord, Store

DEFAULT_STORE = ".eastwest/history.sqlite3"
_POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def open_store(spec: str) -> Store:
    """``spec`` is a file path or a ``postgresql://`` URL. Raises ``StoreError``."""
    if spec.startswith(_POSTGRES_SCHEMES):
        require("postgres", "a PostgreSQL history store")
        from orchestrator.reconcile.store.postgres import PostgresStore  # noqa: PLC0415 - psycopg only for PostgreSQL

        return PostgresStore(spec)
    from orchestrator.reconcile.store.sqlite import SqliteStore  # noqa: PLC0415 - kept symmetric: nothing opened at import

    return SqliteStore(Path(spec))


__all__ = ["DEFAULT_STORE", "Lease", "RunRecord", "Store", "open_store"]
