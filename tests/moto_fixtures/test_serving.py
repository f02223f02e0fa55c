"""Each fake's HTTP handler sends a whole response (status line, headers, body) in one send().

Sent in two, the headers reach the client alone; the Terraform AWS provider's Go client then
sometimes closes its connection before the body comes, and re-sends a write the fake already
made (docs/sandbox.md, "Whole responses"). The handlers run here on one end of a loopback TCP
connection whose sends are counted; the test reads the other end as a client would.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterable
from types import SimpleNamespace
from typing import Any

import pytest

from moto_fixtures.alibaba import server as alibaba_server
from moto_fixtures.aws.server import _QuietHandler
from moto_fixtures.azure import server as azure_server
from moto_fixtures.panos import server as panos_server
from moto_fixtures.serving import WHOLE_RESPONSE, QuietHandler

BODY = b"<Response>" + b"x" * 3000 + b"</Response>"
LARGE = b"y" * 300_000  # a large DescribeRouteTables answer is of this order


class CountingSocket(socket.socket):
    """A socket that remembers what each send()/sendall() call carried."""

    sends: list[bytes]

    def send(self, data: Any, flags: int = 0) -> int:
        self.sends.append(bytes(data))
        return super().send(data, flags)

    def sendall(self, data: Any, flags: int = 0) -> None:
        self.sends.append(bytes(data))
        super().sendall(data, flags)


def _wsgi(body: bytes) -> Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]:
    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        start_response("200 OK", [("Content-Type", "text/xml"), ("Content-Length", str(len(body)))])
        return [body]

    return app


def _serve_moto(connection: socket.socket, body: bytes) -> None:
    # What werkzeug's server hands the handler; only what the handler reads.
    server: Any = SimpleNamespace(
        app=_wsgi(body),
        passthrough_errors=False,
        ssl_context=None,
        server_address=("127.0.0.1", 1),
        multithread=True,
        multiprocess=False,
    )
    _QuietHandler(connection, ("127.0.0.1", 2), server)


class _Replying(QuietHandler):
    body = b""

    def do_POST(self) -> None:  # noqa: N802 - http.server calls it so
        self.reply(200, {"Content-Type": "application/json"}, self.body)


def _serve_quiet(connection: socket.socket, body: bytes) -> None:
    handler = type("Bound", (_Replying,), {"body": body})
    handler(connection, ("127.0.0.1", 2), SimpleNamespace())


def _tcp_pair() -> tuple[socket.socket, socket.socket]:
    """Both ends of a loopback TCP connection (the handlers set TCP_NODELAY: no socketpair)."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        client = socket.create_connection(listener.getsockname())
        server_end, _ = listener.accept()
    return client, server_end


def _exchange(serve: Callable[[socket.socket, bytes], None], body: bytes) -> tuple[bytes, int]:
    """The bytes a client reads for one POST, and how many sends carried them."""
    client, server_end = _tcp_pair()
    counting = CountingSocket(server_end.family, server_end.type, fileno=server_end.detach())
    counting.sends = []
    client.sendall(b"POST / HTTP/1.1\r\nHost: fake\r\nContent-Length: 0\r\n\r\n")
    client.shutdown(socket.SHUT_WR)  # no second request: the handler stops after this one

    def handle() -> None:
        try:
            serve(counting, body)
        finally:
            counting.close()  # what socketserver does once the handler returns

    worker = threading.Thread(target=handle)
    worker.start()
    received = b""
    while chunk := client.recv(1 << 16):
        received += chunk
    worker.join(timeout=10)
    client.close()
    return received, len(counting.sends)


@pytest.mark.parametrize(
    ("serve", "body", "sends"),
    [
        (_serve_moto, BODY, 1),
        (_serve_quiet, BODY, 1),
        (_serve_quiet, b"", 1),
        # Past WHOLE_RESPONSE's 1 MiB a body would leave in sends of its own; 300 kB does not.
        (_serve_moto, LARGE, 1),
        (_serve_quiet, LARGE, 1),
    ],
    ids=["aws-xml", "quiet-handler", "quiet-empty", "aws-300kB", "quiet-300kB"],
)
def test_a_response_leaves_in_one_send(
    serve: Callable[[socket.socket, bytes], None], body: bytes, sends: int
) -> None:
    received, count = _exchange(serve, body)
    head, _, got = received.partition(b"\r\n\r\n")
    assert head.split(b"\r\n")[0].endswith(b" 200 OK")
    assert f"Content-Length: {len(body)}".encode() in head
    assert got == body
    assert count == sends


@pytest.mark.parametrize("server", [alibaba_server, azure_server, panos_server])
def test_every_fake_buffers_its_whole_response(server: Any) -> None:
    """The fakes with handlers of their own (state, TLS) buffer as ``QuietHandler`` does: a
    response's headers and body leave in the flush after the handler returns, one send()."""
    assert server._Handler.wbufsize == WHOLE_RESPONSE
