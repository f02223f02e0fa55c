"""The local AWS: moto in server mode on 127.0.0.1, patched, quiet, with a call log.

In: a port (0 picks a free one). Out: an ``AwsServer`` serving every moto service at ``.url``
from a background thread until ``.stop()``. Always: the patches of ``patches.py`` are installed
before the first request; moto's public AMIs are not loaded (see ``start_aws_server``); no
request is logged to stderr (werkzeug's per-request lines would drown the CLI's output); server
errors still reach the ``moto_fixtures.aws.server`` logger. Faults on demand (throttling, 500s,
latency, lost responses) come from ``faults.py`` through ``/_eastwest/faults``; per-account
rate limits from ``latency.py`` through ``/_eastwest/limits``.

The same function serves the tests (in-process, one server per session) and the sandbox daemon
(``moto_fixtures.daemon``, a separate process).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable
from typing import Any

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import BaseWSGIServer, make_server

from moto_fixtures.aws.calls import CallLog, Environ, StartResponse, WsgiApp, action_of
from moto_fixtures.aws.faults import FaultInjector
from moto_fixtures.aws.latency import with_limits
from moto_fixtures.aws.patches import apply_patches
from moto_fixtures.limits import RateLimits
from moto_fixtures.serving import WHOLE_RESPONSE, BackgroundServer, serve_from_thread

HOST = "127.0.0.1"
HEALTH_PATH = "/_eastwest/health"
_log = logging.getLogger(__name__)


class _QuietHandler(MotoRequestHandler):
    # Keep-alive requests otherwise wait on Nagle's algorithm: ~23 requests/s instead of ~800.
    disable_nagle_algorithm = True
    # werkzeug writes the headers and then the body; buffered, both leave in the one send() of
    # its flush. See WHOLE_RESPONSE for the Terraform provider's re-sent writes this prevents.
    wbufsize = WHOLE_RESPONSE

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Per-request access lines are noise for the CLI and the tests: drop them."""

    def log(self, type: str, message: str, *args: Any) -> None:
        level = logging.INFO if type == "info" else logging.WARNING
        _log.log(level, message, *args)


class AwsServer(BackgroundServer):
    """A running local AWS endpoint. Stop it with ``stop()`` or by leaving a ``with`` block."""

    def __init__(
        self,
        server: BaseWSGIServer,
        thread: threading.Thread,
        calls: CallLog,
        faults: FaultInjector,
        limits: RateLimits | None = None,
    ) -> None:
        super().__init__(server, thread)
        self.calls = calls
        self.faults = faults
        self.limits = limits or RateLimits("aws")
        self.host = HOST
        self.port: int = server.server_address[1]
        self.url = f"http://{HOST}:{self.port}"


def _with_health(app: WsgiApp) -> WsgiApp:
    """Answer ``GET /_eastwest/health`` without touching moto: the sandbox's liveness probe."""

    def health(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != HEALTH_PATH:
            return app(environ, start_response)
        body = b'{"status": "ok"}'
        start_response(
            "200 OK",
            [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
        )
        return [body]

    return health


def _one_at_a_time(app: WsgiApp) -> WsgiApp:
    """Serve one API request at a time. moto's backends are plain dicts shared by the server's
    threads, and the patches read and write them in several steps (tags beside the objects
    they tag); EC2 answers each request atomically. Concurrent clients (Terraform writes ten
    resources at once) would otherwise see half-done states."""
    lock = threading.Lock()

    def serialised(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        with lock:
            return list(app(environ, start_response))

    return serialised


def start_aws_server(port: int = 0) -> AwsServer:
    """Start the patched moto server on 127.0.0.1:``port`` (0: any free port) in a thread."""
    # moto loads ~1,300 public AMIs (with volumes and snapshots) into every account it meets,
    # which costs 0.1-0.3 s per account and per reset. The seed registers the one image it needs.
    # setdefault: whoever sets the variable explicitly keeps the choice.
    os.environ.setdefault("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")
    apply_patches()
    calls, faults = CallLog(), FaultInjector()
    moto = _one_at_a_time(DomainDispatcherApplication(create_backend_app))
    # The call log sits before the faults: a faulted call was still attempted.
    limits = RateLimits("aws")
    app = _with_health(calls.wrap(faults.wrap(with_limits(limits, moto, action_of), action_of)))
    server = make_server(HOST, port, app, threaded=True, request_handler=_QuietHandler)
    thread = serve_from_thread(server, "aws")
    return AwsServer(server, thread, calls, faults, limits)
