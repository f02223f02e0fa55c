"""A throwaway PostgreSQL server: ``initdb``/``pg_ctl`` in a temporary directory on 127.0.0.1
and a free port, stopped and removed on exit. Shared by the tests (conftest.py) and the
worker benchmark (tests/benchmarks/worker_scale.py)."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class PostgresUnavailableError(Exception):
    """This machine cannot start PostgreSQL; the message says why."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@contextmanager
def postgres_server() -> Iterator[str]:
    """The URL of a fresh server (user ``eastwest``, database ``postgres``)."""
    if not (shutil.which("initdb") and shutil.which("pg_ctl")):
        raise PostgresUnavailableError("initdb and pg_ctl are not on PATH")
    root = Path(tempfile.mkdtemp(prefix="eastwest-pg-"))
    prefix = _as_postgres_user(root)
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


def _as_postgres_user(root: Path) -> list[str]:
    if os.geteuid() != 0:
        return []
    # PostgreSQL refuses to run as root: run it as the postgres user when there is one.
    try:
        user = pwd.getpwnam("postgres")
    except KeyError:
        raise PostgresUnavailableError(
            "running as root and there is no 'postgres' user to run PostgreSQL as"
        ) from None
    os.chown(root, user.pw_uid, user.pw_gid)
    return ["runuser", "-u", "postgres", "--"]
