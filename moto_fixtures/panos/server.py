"""A local VM-Series management plane: the PAN-OS XML API over HTTPS on 127.0.0.1.

In: a port (0: any free one), the firewall's hostname and serial, and its admins (user →
password). Out: a ``PanosServer`` (``.url``, ``.port``, ``.device``, ``.api``, ``.username``,
``.password``) serving from a background thread until ``.stop()``; with device groups, a
Panorama. Always: HTTPS with a
certificate made at start-up (pan-python does not verify certificates unless given an SSL
context, so the CA bundle is offered, not required); ``/api/`` takes GET or POST as the
firewall does; control endpoints beside it, for tests and the sandbox: ``GET
/_eastwest/health``, ``GET/POST /_eastwest/faults`` (JSON ``{"commit_seconds", "fail_commits",
"ha_state", "down"}``), ``GET /_eastwest/running`` (the running configuration, XML).
"""

from __future__ import annotations

import json
import shutil
import ssl
import tempfile
import threading
from collections.abc import Mapping, Sequence
from dataclasses import asdict, fields
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from socket import socket
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from xml.etree import ElementTree as ET

from moto_fixtures.azure.certs import write_certificates
from moto_fixtures.panos.api import Api
from moto_fixtures.panos.device import Device, Faults
from moto_fixtures.panos.panorama import PanoramaDevice
from moto_fixtures.serving import WHOLE_RESPONSE, BackgroundServer, serve_from_thread

HOST = "127.0.0.1"
USERNAME = "admin"
PASSWORD = "eastwest-sandbox-panos"  # noqa: S105 (a fixed password of a local fake)
# A second admin, whose pending changes a partial commit of eastwest's must leave alone.
OTHER_USERNAME = "operator"
OTHER_PASSWORD = "eastwest-sandbox-operator"  # noqa: S105 (fake)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    api: Api
    tls: ssl.SSLContext

    def get_request(self) -> tuple[socket, Any]:
        sock, address = self.socket.accept()
        return self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), address


class _Handler(BaseHTTPRequestHandler):
    disable_nagle_algorithm = True  # SANDBOX-NOTES: ~23 vs ~800 requests/s with keep-alive
    protocol_version = "HTTP/1.1"
    wbufsize = WHOLE_RESPONSE  # headers and body in one send(), as the AWS fake
    server: _Server

    def setup(self) -> None:
        self.request.do_handshake()
        super().setup()

    def log_message(self, format: str, *args: Any) -> None:
        """Per-request access lines are noise for the CLI and the tests: drop them."""

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8") if length else ""
        if url.path.startswith("/_eastwest/"):
            self._control(method, url.path, body)
            return
        if url.path.rstrip("/") != "/api":
            self._send(404, b"<html><body>Not Found</body></html>", "text/html")
            return
        device = self.server.api.device
        if device.faults.down:
            self._send(503, b"<html><body>Service Unavailable</body></html>", "text/html")
            return
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        params.update(parse_qsl(body, keep_blank_values=True))
        status, data = self.server.api.handle(params, self.headers.get("X-PAN-KEY"))
        self._send(status, data, "application/xml; charset=UTF-8")

    def _control(self, method: str, path: str, body: str) -> None:
        device = self.server.api.device
        if path == "/_eastwest/health":
            self._json(200, {"status": "ok"})
        elif path == "/_eastwest/faults" and method == "POST":
            with device.lock:
                _set_faults(device.faults, json.loads(body or "{}"))
                self._json(200, asdict(device.faults))
        elif path == "/_eastwest/faults":
            self._json(200, asdict(device.faults))
        elif path == "/_eastwest/running":
            with device.lock:
                device.settle()
                data = ET.tostring(device.running, encoding="unicode").encode()
            self._send(200, data, "application/xml; charset=UTF-8")
        else:
            self._json(404, {"error": f"no control endpoint {path}"})

    def _json(self, status: int, body: object) -> None:
        self._send(status, json.dumps(body).encode(), "application/json")

    def _send(self, status: int, data: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _set_faults(faults: Faults, values: Mapping[str, Any]) -> None:
    known = {f.name: f.type for f in fields(faults)}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise ValueError(f"unknown faults: {', '.join(unknown)}")
    for name, value in values.items():
        setattr(faults, name, value)


class PanosServer(BackgroundServer):
    """A running fake firewall. Stop it with ``stop()`` or by leaving a ``with`` block."""

    def __init__(self, server: _Server, thread: threading.Thread, tmp: Path, ca: Path) -> None:
        super().__init__(server, thread)
        self._tmp = tmp
        self.ca_bundle = str(ca)
        self.api = server.api
        self.device = server.api.device
        self.port: int = server.server_address[1]
        self.url = f"https://{HOST}:{self.port}"
        self.username, self.password = USERNAME, PASSWORD

    def stop(self) -> None:
        super().stop()
        shutil.rmtree(self._tmp, ignore_errors=True)


def start_panos_server(
    port: int = 0,
    hostname: str = "PA-VM-sandbox",
    serial: str = "007951000000001",
    groups: Mapping[str, Sequence[str]] | None = None,
) -> PanosServer:
    """A fake VM-Series, or with ``groups`` (device group → its firewalls' serials) a fake
    Panorama (``panorama.py``)."""
    tmp = Path(tempfile.mkdtemp(prefix="eastwest-panos-"))
    files = write_certificates(tmp)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(files.cert, files.key)
    server = _Server((HOST, port), _Handler)
    server.tls = tls
    users = {USERNAME: PASSWORD, OTHER_USERNAME: OTHER_PASSWORD}
    device = Device(hostname, serial)
    if groups is not None:
        device = PanoramaDevice(hostname, serial, groups)
    server.api = Api(device, users)
    thread = serve_from_thread(server, "panos")
    return PanosServer(server, thread, tmp, files.ca_bundle)
