"""What every local fake cloud does with its server thread: stop it once, cleanly, and work as a
context manager. Each fake builds its own server (werkzeug for moto, ``http.server`` for the
Alibaba and Azure fakes) and hands it here with the thread serving it."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Protocol, Self

# Each response leaves in one send(): status line, headers and body buffered together up to this
# size (larger bodies are sent as they are written). Written unbuffered, the headers go out in a
# send() of their own and the body milliseconds later on a loaded machine; the Terraform AWS
# provider's Go client sometimes closes its connection in that gap, fails the body read, and
# aws-sdk-go-v2 retries the call, which the fake had already carried out (docs/sandbox.md,
# "Whole responses").
WHOLE_RESPONSE = 1 << 20


class _Serving(Protocol):
    def shutdown(self) -> None: ...

    def server_close(self) -> None: ...


class BackgroundServer:
    """A server running in a daemon thread; ``url`` is set by the subclass."""

    url: str

    def __init__(self, server: _Serving, thread: threading.Thread) -> None:
        self._server = server
        self._thread = thread

    @property
    def alive(self) -> bool:
        """Whether the serving thread still runs (False once stopped, or if it died)."""
        return self._thread.is_alive()

    def stop(self) -> None:
        """Stop serving and release the port; safe to call twice."""
        if not self._thread.is_alive():
            return
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url})"


class QuietHandler(BaseHTTPRequestHandler):
    """A handler for a fake served in the background: HTTP/1.1 keep-alive without Nagle's delay
    (~20 requests/s with it, SANDBOX-NOTES), each response in one send, no access log, and
    ``reply``."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    wbufsize = WHOLE_RESPONSE

    def log_message(self, format: str, *args: Any) -> None:
        return

    def reply(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def serve_in_background(
    handler: type[BaseHTTPRequestHandler], bound: Mapping[str, Any], port: int, name: str
) -> tuple[ThreadingHTTPServer, threading.Thread]:
    """A ``ThreadingHTTPServer`` on 127.0.0.1:``port`` whose handler class is ``handler``
    with the attributes ``bound``, serving from a daemon thread already started."""
    bound_handler = type(f"Bound{handler.__name__}", (handler,), dict(bound))
    server = ThreadingHTTPServer(("127.0.0.1", port), bound_handler)
    server.daemon_threads = True
    return server, serve_from_thread(server, name)


def serve_from_thread(server: socketserver.TCPServer, name: str) -> threading.Thread:
    """``server`` serving from a daemon thread already started, named after ``name`` and its
    port; ``shutdown()`` waits up to one poll interval."""
    thread = threading.Thread(
        target=server.serve_forever,
        kwargs={"poll_interval": 0.1},
        name=f"eastwest-{name}-{server.server_address[1]}",
        daemon=True,
    )
    thread.start()
    return thread
