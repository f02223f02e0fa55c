"""The local Alibaba Cloud RPC endpoint: stdlib HTTP on 127.0.0.1, quiet, with a call log.

In: a port (0: any free one), the fake key pair, the CBN async delay and fault settings. Out: an
``AlibabaServer`` (``.url``, ``.endpoint`` for ``set_endpoint``, ``.backend`` (cn-hangzhou),
``.region(name)``, ``.calls``, ``.faults``) serving from a background thread until ``.stop()``.
Always: a request is authenticated, then checked against the metadata, then faults are applied,
then the handler runs under the account's lock on the backend of the request's ``RegionId``
(which the SDK signs into every request, whatever regional endpoint it is sent to; the fake
serves them all on one port); every call that names an action is logged when it arrives. Control
endpoints: ``GET /_eastwest/health``, ``GET/DELETE /_eastwest/calls``, ``GET/POST
/_eastwest/faults`` (``faults.py``; ``DELETE`` clears them), ``GET/POST/DELETE
/_eastwest/limits`` (per-account rate limits, ``latency.py``), ``POST
/_eastwest/instances`` (JSON ``{"VSwitchId", "SecurityGroupIds", "InstanceName", "Tags",
"RegionId"}``: a new instance with its primary ENI, as RunInstances would make it), ``POST
/_eastwest/regions`` (JSON ``{"RegionId": "cn-shanghai"}``: ``seed_region`` on the seeded CEN;
answers its ``RegionReport``, 409 when there is no seeded CEN or the region is seeded already).
"""

from __future__ import annotations

import json
import logging
import re
import socket
import threading
import uuid
from collections.abc import Mapping
from dataclasses import asdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from moto_fixtures.alibaba import errors, latency, metadata
from moto_fixtures.alibaba.faults import AlibabaFaults
from moto_fixtures.alibaba.models.backend import Backend, Regions
from moto_fixtures.alibaba.models.workloads import Launch
from moto_fixtures.alibaba.protocol import Authenticator, parse_params
from moto_fixtures.alibaba.responses import Handler, handlers
from moto_fixtures.aws.calls import Call, CallLog
from moto_fixtures.aws.faults import Faults
from moto_fixtures.limits import RateLimits
from moto_fixtures.serving import WHOLE_RESPONSE, BackgroundServer, serve_in_background

HOST = "127.0.0.1"
ACCESS_KEY_ID = "LTAIeastwestSANDBOX"
ACCESS_KEY_SECRET = "eastwest-sandbox-fake-secret-not-a-credential"  # noqa: S105 (fake, fixed)
_log = logging.getLogger(__name__)
# Region ids as Alibaba Cloud spells them (cn-hangzhou, ap-southeast-1, cn-shanghai-finance-1):
# anything else is refused rather than made into a region of its own.
_REGION = re.compile(r"[a-z]{2,}(-[a-z0-9]+){1,3}")


class _State:
    def __init__(
        self,
        auth: Authenticator,
        regions: Regions,
        faults: AlibabaFaults,
        table: Mapping[tuple[str, str], Handler] | None,
    ) -> None:
        self.auth, self.regions, self.faults = auth, regions, faults
        self.backend = regions.default
        self.calls = CallLog()
        self.limits = RateLimits("alibaba")
        self.handlers: dict[tuple[str, str], Handler] = dict(handlers() if table is None else table)
        self.owner: AlibabaServer | None = None  # the server object, for ``/_eastwest/regions``


class _Handler(BaseHTTPRequestHandler):
    # Keep-alive requests otherwise wait on Nagle's algorithm (SANDBOX-NOTES: ~23 vs ~800/s).
    disable_nagle_algorithm = True
    protocol_version = "HTTP/1.1"
    wbufsize = WHOLE_RESPONSE  # headers and body in one send(), as the AWS fake
    state: _State

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """Per-request access lines are noise for the CLI and the tests: drop them."""

    def log_message(self, format: str, *args: Any) -> None:
        _log.warning(format, *args)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if url.path.startswith("/_eastwest/"):
            self._control(method, url.path, body)
            return
        params = parse_params(url.query, body, self.headers.get("Content-Type", ""))
        request_id = str(uuid.uuid4()).upper()
        try:
            payload, lost = self._call(method, params)
        except errors.AlibabaError as exc:
            self._send_error(request_id, exc)
            return
        except Exception as exc:  # noqa: BLE001 - a fault of the fake itself: say it to the client
            # Without an answer the client sees only a dropped connection (RemoteDisconnected)
            # and the cause stays in the server's log; the real API answers InternalError too.
            _log.exception("the Alibaba Cloud fake failed on %s", params.get("Action", "?"))
            cause = f"the fake failed: {type(exc).__name__}: {exc}"
            self._send_error(request_id, errors.AlibabaError(cause))
            return
        if lost:
            self._hang_up()
            return
        self._send(200, {"RequestId": request_id, **payload})

    def _hang_up(self) -> None:
        """A lost answer: the call was carried out, and the client sees the connection close
        with no answer (``SDK.HttpError``), so it cannot tell whether the call happened."""
        self.close_connection = True
        self.connection.shutdown(socket.SHUT_RDWR)

    def _send_error(self, request_id: str, exc: errors.AlibabaError) -> None:
        self._send(
            exc.status,
            {
                "RequestId": request_id,
                "HostId": self.headers.get("Host", HOST),
                "Code": exc.code,
                "Message": exc.message,
                "Recommend": f"https://api.aliyun.com/troubleshoot?q={exc.code}",
            },
        )

    def _call(self, method: str, params: dict[str, str]) -> tuple[dict[str, Any], bool]:
        action, version = params.get("Action", ""), params.get("Version", "")
        if action:
            self.state.calls.record(Call(account=self.state.backend.account_id, action=action))
        self.state.auth.check(method, params)
        product = metadata.product_of(version)
        if product is None:
            raise errors.InvalidVersion()
        handler = self.state.handlers.get((product, action))
        if handler is None or not metadata.documented(version, action):
            raise errors.InvalidAction(f"Specified api {action} is not found.")
        _refuse_too_many(version, action, params)
        problems = metadata.problems(version, action, params)
        missing = [p.split(" ", 1)[1] for p in problems if p.startswith("MissingParameter")]
        if missing:
            raise errors.MissingParameter(
                f"The input parameter {missing[0]} that is mandatory for processing this"
                " request is not supplied."
            )
        if problems:
            raise errors.InvalidParameter(problems[0])
        lost = self.state.faults.before(action)
        latency.check(self.state.limits, self.state.backend.account_id, params)
        backend = self._backend(params.get("RegionId", ""))
        with backend.lock:
            backend.cbn.settle()
            return handler(backend, params), lost

    def _backend(self, region: str) -> Backend:
        if not region:
            return self.state.backend
        if not _REGION.fullmatch(region):
            raise errors.InvalidRegionId()
        return self.state.regions.get(region)

    def _control(self, method: str, path: str, body: bytes) -> None:
        state = self.state
        if path == "/_eastwest/health":
            self._send(200, {"status": "ok"})
        elif path == "/_eastwest/calls" and method == "DELETE":
            state.calls.clear()
            self._send(204, None)
        elif path == "/_eastwest/calls":
            self._send(200, [asdict(c) for c in state.calls.calls()])
        elif path == "/_eastwest/faults":
            self._faults(method, body)
        elif path == "/_eastwest/limits":
            self._send(*latency.control(state.limits, method, body))
        elif path == "/_eastwest/instances" and method == "POST":
            self._launch(json.loads(body or b"{}"))
        elif path == "/_eastwest/regions" and method == "POST":
            self._seed_region(json.loads(body or b"{}"))
        else:
            self._send(404, {"Code": "NotFound", "Message": path})

    def _faults(self, method: str, body: bytes) -> None:
        faults = self.state.faults
        try:
            if method == "POST":
                faults.set(json.loads(body or b"{}"))
        except (ValueError, TypeError) as exc:
            self._send(400, {"Code": "InvalidParameter", "Message": str(exc)})
            return
        if method == "DELETE":
            faults.clear()
        self._send(200, faults.settings.to_json())

    def _launch(self, spec: dict[str, Any]) -> None:
        """RunInstances is not in the metadata: a new instance (a scale-out) comes from here. It
        is logged as a ``RunInstances`` call, so the sandbox's reset sees the fake was used."""
        backend = self.state.regions.get(str(spec.get("RegionId") or self.state.backend.region))
        self.state.calls.record(Call(account=backend.account_id, action="RunInstances"))
        launch = Launch(
            str(spec.get("VSwitchId", "")),
            tuple(str(g) for g in spec.get("SecurityGroupIds", [])),
            str(spec.get("InstanceName", "")),
            {str(k): str(v) for k, v in dict(spec.get("Tags", {})).items()},
        )
        try:
            with backend.lock:
                instance = backend.workloads.launch(launch)
        except errors.AlibabaError as exc:
            self._send(exc.status, {"Code": exc.code, "Message": exc.message})
            return
        self._send(
            200,
            {"InstanceId": instance.instance_id, "NetworkInterfaceId": instance.primary_eni},
        )

    def _seed_region(self, spec: dict[str, Any]) -> None:
        """A second region for a fake in another process (a sandbox daemon's), which a test
        cannot seed with its own ``seed_region``. Not under the lock: the seed calls this
        server through the SDK like any client."""
        from moto_fixtures.alibaba import landing_zone as lz  # noqa: PLC0415 (seed ↔ server)
        from moto_fixtures.alibaba.seed_region import seed_region  # noqa: PLC0415

        cbn, owner = self.state.backend.cbn, self.state.owner
        cen = next((c for c, name in sorted(cbn.cens.items()) if name == lz.CEN_NAME), None)
        if cen is None or owner is None:
            self._send(409, {"Code": "Conflict", "Message": "no seeded CEN to join"})
            return
        try:
            report = seed_region(owner, cen, str(spec.get("RegionId") or lz.SECOND_REGION))
        except errors.AlibabaError as exc:
            self._send(409, {"Code": exc.code, "Message": exc.message})
            return
        self._send(200, asdict(report))

    def _send(self, status: int, payload: Any) -> None:
        data = b"" if payload is None else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def _refuse_too_many(version: str, action: str, params: dict[str, str]) -> None:
    """More items in a list than its ``maxItems``: the action's own ``TooMany…`` code where the
    metadata documents one (``InvalidParameter.TooManyInstanceIds``, 403), else
    ``InvalidParameter``."""
    names = metadata.too_many(version, action, params)
    if not names:
        return
    documented = metadata.error_code(version, action, "TooMany")
    if documented is None:
        raise errors.InvalidParameter(f"The specified parameter {names[0]} has too many items.")
    raise errors.documented(documented.code, documented.status, documented.message)


class AlibabaServer(BackgroundServer):
    """A running fake endpoint. Stop it with ``stop()`` or by leaving a ``with`` block."""

    def __init__(
        self, server: ThreadingHTTPServer, thread: threading.Thread, state: _State
    ) -> None:
        super().__init__(server, thread)
        self._state = state
        self.port: int = server.server_address[1]
        self.endpoint = f"{HOST}:{self.port}"
        self.url = f"http://{self.endpoint}"
        self.backend, self.calls, self.faults = state.backend, state.calls, state.faults
        self.regions = state.regions
        state.owner = self
        self.limits = state.limits
        # The fake's own key pair: clients (the seed, tests) sign with it; it opens nothing real.
        self.access_key_id = state.auth.access_key_id
        self.access_key_secret = state.auth.access_key_secret

    def region(self, name: str) -> Backend:
        """The backend of region ``name`` (made empty on first use, as a request would)."""
        return self.regions.get(name)


def start_alibaba_server(
    port: int = 0,
    access_key_id: str = ACCESS_KEY_ID,
    access_key_secret: str = ACCESS_KEY_SECRET,
    async_delay: float = 0.0,
    faults: Faults | None = None,
    *,
    table: Mapping[tuple[str, str], Handler] | None = None,
) -> AlibabaServer:
    """Start the fake on 127.0.0.1:``port`` in a daemon thread. ``table`` replaces the routing
    table (``responses.handlers()``), for tests that need a handler to misbehave."""
    metadata.load()  # a missing or broken metadata file fails here, with its own error
    state = _State(
        Authenticator(access_key_id, access_key_secret),
        Regions(async_delay),
        AlibabaFaults(faults),
        table,
    )
    server, thread = serve_in_background(_Handler, {"state": state}, port, "alibaba")
    return AlibabaServer(server, thread, state)
