"""Faults on demand for the local AWS, as the Alibaba and Azure fakes have them.

In: every API request (one with an action; the control paths and ``/moto-api/…`` never suffer a
fault), and settings posted to ``/_eastwest/faults``. Out: per request, at most one of:
throttling (HTTP 503 ``RequestLimitExceeded`` on EC2, the only status botocore's legacy retry
mode retries that code with; 400 ``Throttling`` / ``ThrottlingException`` on other query and
JSON services), a server error (HTTP 500 ``InternalError``), or a *lost response* (the action is
performed, then the connection is closed with no answer: the client cannot tell whether it
happened). ``latency`` seconds are added to every faultable call, faulted or not.
Always: one draw per faultable call from a generator seeded by ``seed`` (posting settings
restarts it), so a run with the same seed and calls sees the same faults; ``actions``, when not
empty, limits faults and latency to those actions; a throttled or failed call changes nothing.
"""

from __future__ import annotations

import json
import random
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from moto_fixtures.aws.calls import Environ, StartResponse, WsgiApp

PATH = "/_eastwest/faults"
Action = Callable[[Environ], str | None]


@dataclass(frozen=True)
class Faults:
    """Shares (0-1) of calls throttled, failed with 500 or whose answer is lost; seconds added."""

    throttle: float = 0.0
    server_error: float = 0.0
    lost: float = 0.0
    latency: float = 0.0
    actions: tuple[str, ...] = ()  # only these actions (e.g. "CreateRoute"); empty: every one
    seed: int = 0

    def updated(self, changes: dict[str, Any]) -> Faults:
        known = {f.name for f in fields(self)}
        unknown = set(changes) - known
        if unknown:
            raise ValueError(f"unknown fault settings: {sorted(unknown)}")
        merged = {**asdict(self), **changes}
        shares = [float(merged[k]) for k in ("throttle", "server_error", "lost")]
        if any(s < 0 for s in shares) or sum(shares) > 1:
            raise ValueError("throttle, server_error and lost are shares: each ≥ 0, sum ≤ 1")
        return replace(
            self,
            throttle=shares[0],
            server_error=shares[1],
            lost=shares[2],
            latency=float(merged["latency"]),
            actions=tuple(str(a) for a in merged["actions"]),
            seed=int(merged["seed"]),
        )

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "actions": list(self.actions)}


class FaultInjector:
    """The faults in force and their seeded generator, shared by the request threads."""

    def __init__(self, faults: Faults | None = None) -> None:
        self._lock = threading.Lock()
        self.set(faults or Faults())

    def set(self, faults: Faults) -> None:
        with self._lock:
            self.faults = faults
            self._random = random.Random(faults.seed)  # noqa: S311 (fault draws, not secrets)

    def draw(self, action: str) -> tuple[Faults, str | None]:
        """The faults in force and the one ``action`` suffers now: throttle, error, lost."""
        with self._lock:
            faults = self.faults
            if faults.actions and action not in faults.actions:
                return faults, None
            roll = self._random.random()
        for kind, share in (
            ("throttle", faults.throttle),
            ("error", faults.throttle + faults.server_error),
            ("lost", faults.throttle + faults.server_error + faults.lost),
        ):
            if roll < share:
                return faults, kind
        return faults, None

    def wrap(self, app: WsgiApp, action_of: Action) -> WsgiApp:
        """``app`` behind the control path and the faults; ``action_of`` names a call's action
        (None for requests that are not API calls)."""

        def middleware(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
            if environ.get("PATH_INFO") == PATH:
                return self._serve(environ, start_response)
            action = action_of(environ)
            if action is None:
                return app(environ, start_response)
            faults, kind = self.draw(action)
            if faults.latency and (not faults.actions or action in faults.actions):
                time.sleep(faults.latency)
            if kind == "lost":
                return _lose(app, environ)
            if kind is not None:
                return _error(environ, start_response, kind)
            return app(environ, start_response)

        return middleware

    def _serve(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        status = "200 OK"
        if method == "POST":
            try:
                body = _read_json(environ)
                self.set(self.faults.updated(body))
            except (ValueError, TypeError) as exc:
                return _reply(start_response, "400 Bad Request", {"error": str(exc)})
        elif method == "DELETE":
            self.set(Faults())
        elif method != "GET":
            start_response("405 Method Not Allowed", [("Allow", "GET, POST, DELETE")])
            return [b""]
        return _reply(start_response, status, self.faults.to_json())


def _read_json(environ: Environ) -> dict[str, Any]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length > 0 else b"{}"
    body = json.loads(raw or b"{}")
    if not isinstance(body, dict):
        raise ValueError("the fault settings are a JSON object")
    return body


def _reply(start_response: StartResponse, status: str, body: object) -> list[bytes]:
    data = json.dumps(body).encode()
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    )
    return [data]


def _lose(app: WsgiApp, environ: Environ) -> Iterable[bytes]:
    """Carry the call out, then hang up without answering. werkzeug takes the raised
    ``ConnectionAbortedError`` for a client that went away and writes nothing more."""
    list(app(environ, lambda *_args, **_kw: lambda _data: None))
    connection = environ.get("werkzeug.socket")
    if isinstance(connection, socket.socket):
        connection.shutdown(socket.SHUT_RDWR)
    raise ConnectionAbortedError("eastwest fault: the response was lost")


def _service(environ: Environ) -> str:
    """The signing name in the SigV4 credential scope (``…/us-east-1/ec2/aws4_request``)."""
    auth = str(environ.get("HTTP_AUTHORIZATION", ""))
    scope = auth.split("Credential=", 1)[-1].split(",", 1)[0].split("/")
    return scope[3] if len(scope) > 3 else ""


_EC2 = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>{code}</Code>'
    "<Message>{message}</Message></Error></Errors><RequestID>{rid}</RequestID></Response>"
)
_QUERY = (
    "<ErrorResponse><Error><Type>{kind}</Type><Code>{code}</Code><Message>{message}</Message>"
    "</Error><RequestId>{rid}</RequestId></ErrorResponse>"
)


def _error(environ: Environ, start_response: StartResponse, kind: str) -> list[bytes]:
    """The answer of a throttled or failed call, in the wire format of its service."""
    rid = "eastwest-fault-0000"
    if kind == "error":
        status, code, message = "500 Internal Server Error", "InternalError", "internal error"
    elif _service(environ) == "ec2":
        status, code, message = "503 Service Unavailable", "RequestLimitExceeded", "slow down"
    else:
        status, code, message = "400 Bad Request", "Throttling", "Rate exceeded"
    if environ.get("HTTP_X_AMZ_TARGET"):
        body = json.dumps({"__type": code + ("Exception" if kind == "throttle" else "")})
        content_type = "application/x-amz-json-1.1"
    elif _service(environ) == "ec2":
        body = _EC2.format(code=code, message=message, rid=rid)
        content_type = "text/xml"
    else:
        sender = "Sender" if kind == "throttle" else "Receiver"
        body = _QUERY.format(kind=sender, code=code, message=message, rid=rid)
        content_type = "text/xml"
    data = body.encode()
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(data)))])
    return [data]
