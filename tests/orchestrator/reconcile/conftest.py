"""Fixtures for the reconciler: a real PostgreSQL server, and the sandbox daemon.

``postgres_url`` (session, one per xdist worker) starts PostgreSQL from ``initdb``/``postgres``
in a temporary directory on 127.0.0.1 and a free port, and stops it at the end (or dies with the
worker: pg.py); when it cannot start, its tests are skipped with the reason, and fail under CI
(tests/missing_tool.py). ``pg_store`` gives each test empty tables.
The sandbox fixtures (a real ``eastwest sandbox up`` daemon) come from tests/conftest.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import pytest

from tests.missing_tool import missing_tool
from tests.orchestrator.reconcile.pg import PostgresUnavailableError, free_port, postgres_server

__all__ = ["free_port"]  # imported from here by test_run_process.py


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    with ExitStack() as stack:
        try:
            url = stack.enter_context(postgres_server())
        except PostgresUnavailableError as exc:
            missing_tool(f"PostgreSQL cannot be started: {exc}")
        yield url


@pytest.fixture
def pg_store(postgres_url: str) -> str:
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as db:
        db.execute("DROP TABLE IF EXISTS eastwest_runs, eastwest_lease, eastwest_snapshots")
    return postgres_url
