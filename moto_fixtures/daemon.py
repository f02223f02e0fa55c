"""The sandbox's background process: ``python -m moto_fixtures.daemon --dir DIR``.

In: a directory. Out: the three fake clouds (``clouds.py``: patched moto for AWS, the Alibaba RPC
fake and the Azure ARM fake, the last two seeded) serving on 127.0.0.1 until SIGTERM or SIGINT,
a control endpoint beside them, and ``DIR/daemon.json`` while they serve (instead, when they
could not start, ``DIR/daemon-failure.txt``: the cause in one line)::

    {"pid": …, "aws_port": …, "control_port": …,
     "alibaba": {<sandbox.json's alibaba section>}, "azure": {<its azure section>}}

Always: the command returns only once every fake answers or one has failed — exit status 0
means ``daemon.json`` is written and the fakes keep running detached; 1 means they could not
start, and the log names the fake to blame. One process serves all three, so one SIGTERM stops
them all; a fake whose server thread dies later is named in the log and reported by the control
endpoint's health, and the others keep serving.

Control endpoint (``http://127.0.0.1:<control_port>``): ``GET /_eastwest/health`` answers
``{"aws": "ok", "alibaba": "ok", "azure": "ok"}`` (503 when one is ``"stopped"``); ``POST
/_eastwest/reset`` restarts and re-seeds the Alibaba and Azure fakes that were used since their
seed (ports, ids and file paths unchanged) and answers ``{"reset": [names]}``; a keep-alive
connection opened before a reset still reaches the old state, so clients are made afresh.

To come back at once yet leave a server behind, the command forks: the child serves and, once
ready, tells the parent through a pipe; the parent exits with the verdict. The server thus is
not a child of whoever ran the command, so ``sandbox up`` leaves no process to reap (and no
``ResourceWarning``), and ``sandbox down`` from any later process can stop it. ``--foreground``
skips the fork (for debugging: the server runs in the terminal until Ctrl-C).

``--watch-pid PID`` (default: ``$EASTWEST_SANDBOX_WATCH_PID``, else none) stops the daemon as on
SIGTERM once process PID is gone, checked every second. The test suite sets the variable to its
own pid (tests/conftest.py), so that every daemon a test run starts, directly or through
``eastwest sandbox up``, dies with the run even when the run is killed before its teardown. A
user's ``eastwest sandbox up`` sets nothing and its daemon outlives the command, as it must.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from moto_fixtures.clouds import TITLES, Clouds, CloudStartError, start_clouds

DAEMON_STATE = "daemon.json"
# Written instead of daemon.json when a fake cannot start: the one line that names the cause,
# for `sandbox up` to put on the terminal ahead of the log's tail.
DAEMON_FAILURE = "daemon-failure.txt"
LOG_FILE = "sandbox.log"  # the daemon's stdout and stderr, opened by `sandbox up`
_LOG_TAIL_LINES = 20
_READY = b"ready"
_STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}
_WATCH_S = 1.0
WATCH_PID_ENV = "EASTWEST_SANDBOX_WATCH_PID"
_HOST = "127.0.0.1"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    directory: Path = args.dir.resolve()
    directory.mkdir(parents=True, exist_ok=True)
    if args.foreground:
        return serve(directory, args.aws_port, ready_fd=None, watch_pid=args.watch_pid)
    read_fd, write_fd = os.pipe()
    if os.fork() == 0:
        os.close(read_fd)
        return serve(directory, args.aws_port, ready_fd=write_fd, watch_pid=args.watch_pid)
    os.close(write_fd)
    # EOF without the message means the server process died before it was ready.
    with os.fdopen(read_fd, "rb") as pipe:
        verdict = pipe.read()
    return 0 if verdict == _READY else 1


def serve(
    directory: Path, aws_port: int, ready_fd: int | None, watch_pid: int | None = None
) -> int:
    """Serve until SIGTERM/SIGINT (or until process ``watch_pid`` is gone); report readiness
    on ``ready_fd`` if given."""
    # Block the stop signals before any thread starts, so that every thread inherits the mask
    # and only sigtimedwait() below ever sees them: no handler runs inside a request thread.
    signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    me = f"eastwest sandbox daemon {os.getpid()}"
    try:
        # moto takes seconds to import: only the serving process pays for it, after the fork.
        clouds = start_clouds(directory, aws_port)
    except CloudStartError as exc:
        traceback.print_exc()
        print(f"{me}: {exc}", flush=True)  # last, so that the log's tail names the culprit
        (directory / DAEMON_FAILURE).write_text(f"{exc}\n", encoding="utf-8")
        return 1
    control = _start_control(clouds, directory)
    state = directory / DAEMON_STATE
    _record(directory, clouds, control.server_port)
    for name, server in clouds.servers().items():
        print(f"{me}: {TITLES[name]} at {server.url}", flush=True)
    if ready_fd is not None:
        os.write(ready_fd, _READY)
        os.close(ready_fd)
    received = _watch(clouds, me, watch_pid)
    why = f"process {watch_pid} is gone" if received is None else signal.Signals(received).name
    print(f"{me}: {why}, stopping")
    control.shutdown()
    control.server_close()
    clouds.stop()
    state.unlink(missing_ok=True)
    print(f"{me}: stopped", flush=True)
    return 0


def _watch(clouds: Clouds, me: str, watch_pid: int | None) -> int | None:
    """Wait for a stop signal (its number) or the end of ``watch_pid`` (None); meanwhile name in
    the log any fake whose server thread died."""
    reported: set[str] = set()
    while True:
        info = signal.sigtimedwait(_STOP_SIGNALS, _WATCH_S)
        if info is not None:
            return info.si_signo
        if watch_pid is not None and not alive(watch_pid):
            return None
        for name, status in clouds.health().items():
            if status != "ok" and name not in reported:
                reported.add(name)
                print(f"{me}: the {TITLES[name]} fake stopped serving", flush=True)


def alive(pid: int) -> bool:
    """Whether ``pid`` still runs: a zombie waiting for its parent to reap it does not."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        pass
    try:  # a zombie still answers the probe; procfs, where there is one, tells
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="utf-8")
    except OSError:
        return True
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def _record(directory: Path, clouds: Clouds, control_port: int) -> None:
    state = {"pid": os.getpid(), "control_port": control_port, **clouds.describe()}
    _write_atomically(directory / DAEMON_STATE, state)


def _start_control(clouds: Clouds, directory: Path) -> ThreadingHTTPServer:
    where: dict[str, int] = {}  # the port, known once the server is bound

    class Handler(BaseHTTPRequestHandler):
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            """One line per health check is noise in the log: drop it."""

        def do_GET(self) -> None:
            if self.path != "/_eastwest/health":
                self._send(404, {"error": self.path})
                return
            health = clouds.health()
            self._send(200 if set(health.values()) == {"ok"} else 503, health)

        def do_POST(self) -> None:
            if self.path != "/_eastwest/reset":
                self._send(404, {"error": self.path})
                return
            try:
                reset = clouds.reset_used()
            except CloudStartError as exc:  # the caller gets the reason, the log too
                print(f"eastwest sandbox daemon: reset failed: {exc}", flush=True)
                self._send(500, {"error": str(exc)})
                return
            # The sections do not change on a reset; rewrite them anyway so that the file
            # always matches what is serving.
            _record(directory, clouds, where["port"])
            self._send(200, {"reset": reset})

        def _send(self, status: int, body: object) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer((_HOST, 0), Handler)
    where["port"] = server.server_port
    server.daemon_threads = True
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
    ).start()
    return server


def failure(directory: Path, status: int) -> str:
    """Why the daemon in ``directory`` did not start: its own one-line verdict when it left one,
    so that the cause leads ``sandbox up``'s message, else its exit status."""
    try:
        cause = (directory / DAEMON_FAILURE).read_text(encoding="utf-8").strip()
    except OSError:
        cause = ""
    return cause or f"exit status {status}"


def log_tail(directory: Path) -> str:
    """The end of ``DIR/sandbox.log``, indented, to append to an error message."""
    path = directory / LOG_FILE
    try:
        lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return f" (no log at {path})"
    tail = "\n".join(f"    {line}" for line in lines[-_LOG_TAIL_LINES:])
    return f"; the end of {path}:\n{tail}" if tail else f" ({path} is empty)"


def _write_atomically(path: Path, data: dict[str, Any]) -> None:
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
    watch = os.environ.get(WATCH_PID_ENV)
    parser.add_argument(
        "--watch-pid",
        type=int,
        default=int(watch) if watch else None,
        help=f"stop once this process is gone (default: ${WATCH_PID_ENV}); for test runs",
    )
    return parser


if __name__ == "__main__":
    sys.exit(main())
