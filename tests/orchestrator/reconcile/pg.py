"""A throwaway PostgreSQL server: ``initdb`` in a temporary directory, then ``postgres`` itself
on 127.0.0.1 and a free port, stopped and removed on exit. Shared by the tests (conftest.py) and
the worker benchmark (tests/benchmarks/worker_scale.py).

Always: the server dies with the process that started it, even when that process is killed and
never reaches its ``finally`` (a test run stopped by a timeout): ``postgres`` is started as our
own child, not through ``pg_ctl`` (whose server is a grandchild, detached), with the kernel's
parent-death signal set (``prctl(PR_SET_PDEATHSIG)``, Linux) to SIGQUIT, PostgreSQL's immediate
shutdown, which takes its backends down with it.
"""

from __future__ import annotations

import ctypes
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
# Looked up here, in the parent: the child between fork and exec only calls it (a dlopen there
# could wait forever on a lock another thread held at the fork).
_LIBC = ctypes.CDLL(None, use_errno=True)
_READY_S = 60.0  # initdb's fresh cluster starts in about a second; a loaded machine is slower


class PostgresUnavailableError(Exception):
    """This machine cannot start PostgreSQL; the message says why."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def die_with_parent(signo: int = signal.SIGQUIT) -> None:
    """A ``preexec_fn``: the child gets ``signo`` when the thread that started it exits. Runs
    after ``Popen``'s ``user=`` switch (a change of user would clear it)."""
    if _LIBC.prctl(PR_SET_PDEATHSIG, signo, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")


@contextmanager
def postgres_server() -> Iterator[str]:
    """The URL of a fresh server (user ``eastwest``, database ``postgres``)."""
    if not (shutil.which("initdb") and shutil.which("postgres")):
        raise PostgresUnavailableError("initdb and postgres are not on PATH")
    root = Path(tempfile.mkdtemp(prefix="eastwest-pg-"))
    try:
        user = _as_postgres_user(root)
        data, port = root / "data", free_port()
        initdb = ["initdb", "-D", str(data), "-U", "eastwest", "-A", "trust"]
        subprocess.run(initdb, check=True, capture_output=True, cwd=root, **user)
        with _running(data, root, port, user):
            yield f"postgresql://eastwest@127.0.0.1:{port}/postgres"
    finally:
        shutil.rmtree(root, ignore_errors=True)


@contextmanager
def _running(data: Path, root: Path, port: int, user: dict[str, Any]) -> Iterator[None]:
    command = ["postgres", "-D", str(data), "-p", str(port), "-k", str(root)]
    command += ["-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"]
    with (root / "log").open("wb") as log:
        # Its own session: a Ctrl-C in the terminal reaches the test run, whose teardown stops
        # the server, rather than the server too.
        server = subprocess.Popen(
            command, stdout=log, stderr=subprocess.STDOUT, cwd=root, start_new_session=True,
            preexec_fn=die_with_parent,  # noqa: PLW1509 - it only calls prctl, looked up before
            **user,
        )  # fmt: skip
    try:
        _wait_ready(server, data / "postmaster.pid", root / "log")
        yield
    finally:
        server.send_signal(signal.SIGQUIT)  # immediate shutdown: the data is thrown away
        server.wait(timeout=30)


def _wait_ready(server: subprocess.Popen[bytes], pidfile: Path, log: Path) -> None:
    """Until the postmaster says ``ready`` in its pid file (what ``pg_ctl -w`` waits for)."""
    deadline = time.monotonic() + _READY_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:]
            raise PostgresUnavailableError(f"postgres exited with {server.returncode}: {tail}")
        lines = pidfile.read_text().splitlines() if pidfile.exists() else []
        if len(lines) >= 8 and lines[7].strip() == "ready":
            return
        time.sleep(0.05)
    server.kill()
    server.wait()
    raise PostgresUnavailableError(f"postgres was not ready within {_READY_S:.0f} s")


def _as_postgres_user(root: Path) -> dict[str, Any]:
    """``Popen``'s arguments to run PostgreSQL as the postgres user when we are root (it refuses
    to run as root); none otherwise."""
    if os.geteuid() != 0:
        return {}
    try:
        user = pwd.getpwnam("postgres")
    except KeyError:
        raise PostgresUnavailableError(
            "running as root and there is no 'postgres' user to run PostgreSQL as"
        ) from None
    os.chown(root, user.pw_uid, user.pw_gid)
    return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
