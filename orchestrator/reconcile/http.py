"""``/metrics``, ``/healthz`` and ``/readyz`` on one port, served from a daemon thread.

``/healthz`` answers 200 while the process serves at all (a liveness probe: restart me if
not); ``/readyz`` answers 200 once a policy is in force and the scheduler runs, and 503 while
starting or shutting down; its body says whether this instance is the active one or a standby.
``eastwest run``, ``run --queue`` and ``eastwest worker`` all serve them (``serve``).
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from orchestrator.errors import EastwestError

log = logging.getLogger("eastwest.reconcile")

Readiness = Callable[[], tuple[bool, dict[str, object]]]
# The Accept header of the scrape in; the body and its Content-Type out.
Exposition = Callable[[str | None], tuple[bytes, str]]


class HealthServer:
    def __init__(self, host: str, port: int, metrics: Exposition, ready: Readiness):
        handler = _handler(metrics, ready)
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="eastwest-http", daemon=True
        )

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def serve(
    listen: tuple[str, int] | None, metrics: Exposition, ready: Readiness
) -> HealthServer | None:
    """The endpoints on ``listen`` (None: none), started; a port in use is the user's to fix
    (two processes on one machine need a port each), so it stops the command, never a retry."""
    if listen is None:
        return None
    host, port = listen
    try:
        server = HealthServer(host, port, metrics, ready)
    except OSError as exc:
        raise EastwestError(
            f"cannot serve metrics on {host}:{port} ({exc.strerror or exc}); "
            "give this process another --listen HOST:PORT, or --listen off"
        ) from exc
    server.start()
    shown_host, shown_port = server.address
    log.info("metrics on http://%s:%s/metrics (also /healthz, /readyz)", shown_host, shown_port)
    return server


def _handler(metrics: Exposition, ready: Readiness) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = urlsplit(self.path).path  # a scrape config may add parameters
            if path == "/metrics":
                self._send(200, *metrics(self.headers.get("Accept")))
            elif path == "/healthz":
                self._send(200, b"ok\n", "text/plain")
            elif path == "/readyz":
                ok, body = ready()
                self._send(200 if ok else 503, json.dumps(body).encode(), "application/json")
            else:
                self._send(404, b"not found\n", "text/plain")

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Scrapes every few seconds would drown the run reports."""

    return Handler
