"""Fixtures for the reconciler: a real PostgreSQL server, and the sandbox daemon.

``postgres_url`` (session) starts PostgreSQL from ``initdb``/``pg_ctl`` in a temporary
directory on 127.0.0.1 and a free port, and stops it at the end; tests are skipped, with the
reason, only when those binaries are not on PATH. ``pg_store`` gives each test empty tables.
The sandbox fixtures (a real ``eastwest sandbox up`` daemon) come from tests/conftest.py.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    if not (shutil.which("initdb") and shutil.which("pg_ctl")):
        pytest.skip("PostgreSQL is not installed (initdb and pg_ctl are not on PATH)")
    root = Path(tempfile.mkdtemp(prefix="eastwest-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:
        # PostgreSQL refuses to run as root: run it as the postgres user when there is one.
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no 'postgres' user to run PostgreSQL as")
        os.chown(root, user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    data, port = root / "data", free_port()
    initdb = ["initdb", "-D", str(data), "-U", "eastwest", "-A", "trust"]
    subprocess.run([*prefix, *initdb], check=True, capture_output=True)
    options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
    start = ["pg_ctl", "-D", str(data), "-l", str(root / "log"), "-o", options, "-w", "start"]
    subprocess.run([*prefix, *start], check=True, capture_output=True)
    try:
        yield f"postgresql://eastwest@127.0.0.1:{port}/postgres"
    finally:
        stop = ["pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop"]
        subprocess.run([*prefix, *stop], check=True, capture_output=True)
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def pg_store(postgres_url: str) -> str:
    import psycopg

    with psycopg.connect(postgres_url, autocommit=True) as db:
        db.execute("DROP TABLE IF EXISTS eastwest_runs, eastwest_lease")
    return postgres_url
