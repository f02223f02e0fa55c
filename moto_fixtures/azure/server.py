"""The local Azure Resource Manager (Microsoft.Network) over HTTPS on 127.0.0.1.

In: a port (0 picks a free one), the operation delay, page size, ``Retry-After`` and faults. Out:
an ``AzureServer`` serving ARM at ``.url`` from a background thread until ``.stop()``, with
``.ca_bundle`` for clients' ``connection_verify``. Control endpoints (no token needed):
``GET /_eastwest/health``, ``GET|DELETE /_eastwest/calls``, ``GET|POST|DELETE
/_eastwest/faults`` (``control.py``: throttling, 503s, latency, lost answers),
``GET|POST|DELETE /_eastwest/limits`` (per-subscription rate limits, ``latency.py``),
``GET|POST|DELETE /_eastwest/probe-results`` (load balancer backends' health, ``lb.py``).
Always: HTTPS with a certificate made at start-up (azure-core sends bearer tokens over HTTPS
only); no request is logged to stderr; the TLS handshake runs in the request's own thread, so a
stalled client cannot block the accept loop.
"""

from __future__ import annotations

import json
import logging
import shutil
import socket as sockets
import ssl
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from socket import socket
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from moto_fixtures.azure import latency, lb
from moto_fixtures.azure.arm import Arm, Reply, Request
from moto_fixtures.azure.certs import write_certificates
from moto_fixtures.azure.control import LOST, Call, Control, Faults, action_of
from moto_fixtures.azure.state import Store
from moto_fixtures.limits import RateLimits
from moto_fixtures.serving import WHOLE_RESPONSE, BackgroundServer, serve_from_thread

HOST = "127.0.0.1"
CONTROL = "/_eastwest/"
_log = logging.getLogger(__name__)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    arm: Arm
    control: Control
    limits: RateLimits
    base_url: str
    tls: ssl.SSLContext

    def get_request(self) -> tuple[socket, Any]:
        sock, address = self.socket.accept()
        return self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), address


class _Handler(BaseHTTPRequestHandler):
    # Keep-alive requests otherwise wait on Nagle's algorithm: ~23 requests/s instead of ~800.
    disable_nagle_algorithm = True
    protocol_version = "HTTP/1.1"  # keep-alive, as the SDK's connection pool expects
    wbufsize = WHOLE_RESPONSE  # headers and body in one send(), as the AWS fake
    server: _Server

    def setup(self) -> None:
        self.request.do_handshake()
        super().setup()

    def log_message(self, format: str, *args: Any) -> None:
        """Per-request access lines are noise for the CLI and the tests: drop them."""

    def do_GET(self) -> None:
        self._serve()

    do_PUT = do_DELETE = do_PATCH = do_POST = do_GET  # noqa: N815 (http.server's names)

    def _serve(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if url.path.startswith(CONTROL):
            limits = self.server.limits
            if url.path == latency.PATH:
                self._send(Reply(*latency.control(limits, self.command, body)))
            elif url.path == lb.CONTROL_PATH:
                store = self.server.arm.store
                self._send(Reply(*lb.probe_results_control(store, self.command, body)))
            else:
                self._send(self._control(url.path, body))
            return
        request = Request(
            method=self.command,
            path=url.path,
            query=dict(parse_qsl(url.query, keep_blank_values=True)),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            base_url=self.server.base_url,
        )
        fault: Reply | str | None = None
        try:
            fault = self._faulted(request)
            reply = fault if isinstance(fault, Reply) else self.server.arm.handle(request)
        except Exception as exc:  # noqa: BLE001 - a fault of the fake itself: say it to the client
            # Without an answer the client sees only a dropped connection and the cause stays
            # in the server's log; ARM answers an unexpected failure with a 500 body too.
            _log.exception("the Azure fake failed on %s %s", self.command, url.path)
            message = f"the fake failed: {type(exc).__name__}: {exc}"
            reply = Reply(500, {"error": {"code": "InternalServerError", "message": message}})
        self.server.control.record(Call(self.command, url.path, reply.status))
        if fault == LOST:
            self._hang_up()
            return
        self._send(reply)

    def _hang_up(self) -> None:
        """A lost answer: the request was carried out; the client sees the connection close."""
        self.close_connection = True
        self.connection.shutdown(sockets.SHUT_RDWR)

    def _faulted(self, request: Request) -> Reply | str | None:
        control = self.server.control
        action = action_of(request.method, request.path)
        if control.faults.latency and control.faults.covers(action):
            time.sleep(control.faults.latency)
        parts = request.path.split("/")
        fault = control.fault(request.method, parts[2] if len(parts) > 2 else "", action)
        if isinstance(fault, str):
            return fault  # a lost answer: the caller hangs up after the write
        if fault is None:
            retry = control.faults.retry_after
            fault = latency.check(self.server.limits, request.method, request.path, retry)
        if fault is None:
            return None
        return Reply(fault.status, fault.body(), dict(fault.headers))

    def _control(self, path: str, body: bytes) -> Reply:
        control = self.server.control
        if path == "/_eastwest/health":
            return Reply(200, {"status": "ok"})
        if path == "/_eastwest/calls" and self.command in ("GET", "DELETE"):
            if self.command == "DELETE":
                control.clear()
                return Reply(204)
            return Reply(200, control.calls())
        if path == "/_eastwest/faults" and self.command in ("GET", "POST", "DELETE"):
            try:
                if self.command == "POST":
                    control.set_faults(control.faults.updated(json.loads(body or b"{}")))
            except (ValueError, TypeError) as error:
                return Reply(400, {"error": {"code": "BadRequest", "message": str(error)}})
            if self.command == "DELETE":
                control.set_faults(Faults(retry_after=control.faults.retry_after))
            return Reply(200, control.faults.to_json())
        return Reply(404, {"error": {"code": "NotFound", "message": path}})

    def _send(self, reply: Reply) -> None:
        data = b"" if reply.body is None else json.dumps(reply.body).encode()
        self.send_response(reply.status)
        headers = {"x-ms-request-id": "00000000-0000-0000-0000-000000000000", **reply.headers}
        for name, value in headers.items():
            self.send_header(name, value)
        if reply.body is not None:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class AzureServer(BackgroundServer):
    """A running local ARM endpoint. Stop it with ``stop()`` or by leaving a ``with`` block."""

    def __init__(self, server: _Server, thread: threading.Thread, tmp: Path, ca: Path) -> None:
        super().__init__(server, thread)
        self._tmp = tmp
        self.ca_bundle = str(ca)
        self.port: int = server.server_address[1]
        self.url = f"https://{HOST}:{self.port}"
        self.store = server.arm.store
        self.control = server.control
        self.limits = server.limits

    def stop(self) -> None:
        """Stop serving, release the port and remove the certificates; safe to call twice."""
        super().stop()
        shutil.rmtree(self._tmp, ignore_errors=True)


def start_azure_server(
    port: int = 0,
    async_delay: float = 0.0,
    page_size: int = 50,
    *,
    retry_after: int = 1,
    faults: Faults | None = None,
) -> AzureServer:
    """Start the fake ARM on 127.0.0.1:``port`` (0: any free port) in a thread.

    ``async_delay``: seconds an operation stays ``InProgress``; ``retry_after``: the
    ``Retry-After`` of operation answers (0 lets tests poll at their own ``polling_interval``).
    """
    tmp = Path(tempfile.mkdtemp(prefix="eastwest-azure-"))
    files = write_certificates(tmp)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(files.cert, files.key)
    server = _Server((HOST, port), _Handler)
    server.tls = tls
    server.base_url = f"https://{HOST}:{server.server_address[1]}"
    server.arm = Arm(Store(), async_delay, retry_after, page_size)
    server.limits = RateLimits("azure")
    server.control = Control(faults or Faults(retry_after=max(retry_after, 1)))
    thread = serve_from_thread(server, "azure")
    return AzureServer(server, thread, tmp, files.ca_bundle)
