"""Per-account rate limits for the local AWS, behind ``/_eastwest/limits``.

In: every API call (the control paths never count) and the settings of ``moto_fixtures.limits``
posted to ``/_eastwest/limits``. Out: a call past its bucket — per account (the
``x-moto-account-id`` header), region (the SigV4 credential scope) and read/write — is answered
as EC2 throttles (503 ``RequestLimitExceeded``; other services ``Throttling``) and changes
nothing. Latency per call is ``/_eastwest/faults``' ``latency`` (``faults.py``); the two compose:
the latency is served first, so a slow cloud and a throttling one can be measured together.
"""

from __future__ import annotations

from collections.abc import Iterable

from moto_fixtures.aws.calls import DEFAULT_ACCOUNT, Environ, StartResponse, WsgiApp
from moto_fixtures.aws.faults import Action, _error, _reply
from moto_fixtures.limits import RateLimits, kind_of_action

PATH = "/_eastwest/limits"


def _region(environ: Environ) -> str:
    """The region of the SigV4 credential scope (``…/20261205/us-east-1/ec2/aws4_request``)."""
    auth = str(environ.get("HTTP_AUTHORIZATION", ""))
    scope = auth.split("Credential=", 1)[-1].split(",", 1)[0].split("/")
    return scope[2] if len(scope) > 2 else ""


def with_limits(limits: RateLimits, app: WsgiApp, action_of: Action) -> WsgiApp:
    """``app`` behind the control path and the per-account buckets."""

    def middleware(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == PATH:
            return _serve(limits, environ, start_response)
        action = action_of(environ)
        if action is None:
            return app(environ, start_response)
        account = str(environ.get("HTTP_X_MOTO_ACCOUNT_ID") or DEFAULT_ACCOUNT)
        if not limits.allow(account, _region(environ), kind_of_action(action)):
            return _error(environ, start_response, "throttle")
        return app(environ, start_response)

    return middleware


def _serve(limits: RateLimits, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
    method = str(environ.get("REQUEST_METHOD", "GET"))
    if method not in ("GET", "POST", "DELETE"):
        start_response("405 Method Not Allowed", [("Allow", "GET, POST, DELETE")])
        return [b""]
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    try:
        return _reply(start_response, "200 OK", limits.control(method, body))
    except ValueError as exc:  # json.JSONDecodeError included
        return _reply(start_response, "400 Bad Request", {"error": str(exc)})
