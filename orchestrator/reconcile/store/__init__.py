"""History stores: SQLite by path (the default), PostgreSQL by ``postgresql://`` URL.

``open_store`` picks the backend; the PostgreSQL module (and psycopg) is imported only for a
URL, so the default store costs no extra import.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from orchestrator.extras import require
from orchestrator.reconcile.store.base import Lease, RunRecord, Store, lease_name

STORE_FILE = "history.sqlite3"
_POSTGRES_SCHEMES = ("postgresql://", "postgres://")


def default_store(environ: Mapping[str, str] = os.environ) -> str:
    """The store when none is given: one absolute path per user, whatever the working
    directory, so that two ``eastwest run`` of one policy started from two directories meet
    at the same lease (docs/reconciler.md). ``$XDG_STATE_HOME/eastwest``, else
    ``~/.local/state/eastwest`` (the XDG base directory default)."""
    state = environ.get("XDG_STATE_HOME", "")
    base = Path(state) if Path(state).is_absolute() else Path.home() / ".local" / "state"
    return str(base / "eastwest" / STORE_FILE)


def open_store(spec: str) -> Store:
    """``spec`` is a file path or a ``postgresql://`` URL. Raises ``StoreError``."""
    if spec.startswith(_POSTGRES_SCHEMES):
        require("postgres", "a PostgreSQL history store")
        from orchestrator.reconcile.store.postgres import PostgresStore  # noqa: PLC0415 - psycopg only for PostgreSQL

        return PostgresStore(spec)
    from orchestrator.reconcile.store.sqlite import SqliteStore  # noqa: PLC0415 - kept symmetric: nothing opened at import

    return SqliteStore(Path(spec))


__all__ = ["Lease", "RunRecord", "Store", "default_store", "lease_name", "open_store"]
