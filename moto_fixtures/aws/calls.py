"""A WSGI middleware that records every AWS API call the fake cloud receives.

In: the WSGI environ of each request. Out: an ordered list of ``Call(account, action)``, served as
JSON by ``GET /_eastwest/calls`` and emptied by ``DELETE /_eastwest/calls``. Always: a request
with no action (``/moto-api/…``, the call log itself) is not a call and is not recorded; a call is
recorded when it arrives, whether or not it then succeeds, so that tests can prove that *no* call
that changes anything was even attempted.

The account is the ``x-moto-account-id`` header moto itself honours (moto's default account
otherwise); the action is the ``Action`` query or form parameter of the query protocol (EC2,
ELBv2, STS), or the operation named by ``X-Amz-Target`` for JSON services.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import parse_qs

PATH = "/_eastwest/calls"
DEFAULT_ACCOUNT = "123456789012"

# WSGI's types are loose on purpose; these aliases only name the pieces.
Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WsgiApp = Callable[[Environ, StartResponse], Iterable[bytes]]


@dataclass(frozen=True)
class Call:
    account: str
    action: str


class CallLog:
    """The record of calls, shared by the server's request threads."""

    def __init__(self) -> None:
        self._calls: list[Call] = []
        self._lock = threading.Lock()

    def record(self, call: Call) -> None:
        with self._lock:
            self._calls.append(call)

    def calls(self) -> list[Call]:
        with self._lock:
            return list(self._calls)

    def clear(self) -> None:
        with self._lock:
            self._calls.clear()

    def wrap(self, app: WsgiApp) -> WsgiApp:
        """Return ``app`` with the call log in front of it."""

        def middleware(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
            if environ.get("PATH_INFO") == PATH:
                return self._serve(environ, start_response)
            action = action_of(environ)
            if action is not None:
                account = environ.get("HTTP_X_MOTO_ACCOUNT_ID") or DEFAULT_ACCOUNT
                self.record(Call(account=account, action=action))
            return app(environ, start_response)

        return middleware

    def _serve(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        if method == "DELETE":
            self.clear()
            start_response("204 No Content", [("Content-Length", "0")])
            return [b""]
        if method != "GET":
            start_response("405 Method Not Allowed", [("Allow", "GET, DELETE")])
            return [b""]
        body = json.dumps([asdict(call) for call in self.calls()]).encode()
        start_response(
            "200 OK",
            [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
        )
        return [body]


def action_of(environ: Environ) -> str | None:
    """The API action a request calls, or None for a request that is no API call. A request
    marked ``x-eastwest-observer`` (the test suite's ownership guard reading every fake before
    and after a test) counts as none: it is not logged, faulted or limited, so the guard's reads
    leave a test's call counts and fault draws as they were."""
    if environ.get("HTTP_X_EASTWEST_OBSERVER"):
        return None
    query = parse_qs(str(environ.get("QUERY_STRING", "")))
    if "Action" in query:
        return query["Action"][0]
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return str(target).rsplit(".", 1)[-1]
    form = parse_qs(_peek_form(environ))
    if "Action" in form:
        return form["Action"][0]
    return None


def _peek_form(environ: Environ) -> str:
    """Read a form-encoded body and put it back for the application behind us."""
    if not str(environ.get("CONTENT_TYPE", "")).startswith("application/x-www-form-urlencoded"):
        return ""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return ""
    body: bytes = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body.decode("utf-8", errors="replace")
