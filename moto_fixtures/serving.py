"""What every local fake cloud does with its server thread: stop it once, cleanly, and work as a
context manager. Each fake builds its own server (werkzeug for moto, ``http.server`` for the
Alibaba and Azure fakes) and hands it here with the thread serving it."""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Protocol, Self


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
