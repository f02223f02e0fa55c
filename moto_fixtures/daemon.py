"""The sandbox's background process: ``python -m moto_fixtures.daemon --dir DIR``.

In: a directory. Out: the patched local AWS serving on 127.0.0.1 until SIGTERM or SIGINT, and
``DIR/daemon.json`` (``{"pid": …, "aws_port": …}``) while it serves. Always: the command returns
only once the server answers or has failed — exit status 0 means ``daemon.json`` is written and
the server keeps running detached; 1 means it could not start and the log says why.

To come back at once yet leave a server behind, the command forks: the child serves and, once
ready, tells the parent through a pipe; the parent exits with the verdict. The server thus is
not a child of whoever ran the command, so ``sandbox up`` leaves no process to reap (and no
``ResourceWarning``), and ``sandbox down`` from any later process can stop it. ``--foreground``
skips the fork (for debugging: the server runs in the terminal until Ctrl-C).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from pathlib import Path

DAEMON_STATE = "daemon.json"
_READY = b"ready"
_STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    directory: Path = args.dir.resolve()
    directory.mkdir(parents=True, exist_ok=True)
    if args.foreground:
        return serve(directory, args.aws_port, ready_fd=None)
    read_fd, write_fd = os.pipe()
    if os.fork() == 0:
        os.close(read_fd)
        return serve(directory, args.aws_port, ready_fd=write_fd)
    os.close(write_fd)
    # EOF without the message means the server process died before it was ready.
    with os.fdopen(read_fd, "rb") as pipe:
        verdict = pipe.read()
    return 0 if verdict == _READY else 1


def serve(directory: Path, aws_port: int, ready_fd: int | None) -> int:
    """Serve until SIGTERM/SIGINT; report readiness on ``ready_fd`` if given."""
    # Block the stop signals before any thread starts, so that every thread inherits the mask
    # and only sigwait() below ever sees them: no handler runs inside a request thread.
    signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    # moto takes seconds to import: only the serving process pays for it, after the fork.
    from moto_fixtures.aws.server import start_aws_server  # noqa: PLC0415

    server = start_aws_server(aws_port)
    state = directory / DAEMON_STATE
    _write_atomically(state, {"pid": os.getpid(), "aws_port": server.port})
    print(f"eastwest sandbox daemon {os.getpid()}: AWS at {server.url}", flush=True)
    if ready_fd is not None:
        os.write(ready_fd, _READY)
        os.close(ready_fd)
    received = signal.sigwait(_STOP_SIGNALS)
    print(f"eastwest sandbox daemon {os.getpid()}: {signal.Signals(received).name}, stopping")
    server.stop()
    state.unlink(missing_ok=True)
    print(f"eastwest sandbox daemon {os.getpid()}: stopped", flush=True)
    return 0


def _write_atomically(path: Path, data: dict[str, int]) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_text(json.dumps(data) + "\n", encoding="utf-8")
    os.replace(temporary, path)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m moto_fixtures.daemon", description="Serve the eastwest sandbox clouds."
    )
    parser.add_argument("--dir", type=Path, required=True, help="the sandbox directory")
    parser.add_argument("--aws-port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--foreground", action="store_true", help="do not detach")
    return parser


if __name__ == "__main__":
    sys.exit(main())
