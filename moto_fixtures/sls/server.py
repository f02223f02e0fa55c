"""The local Log Service endpoint: stdlib HTTP on 127.0.0.1, quiet.

In: a port (0: any free one) and the fake key pair. Out: an ``SlsServer`` (``.url``,
``.endpoint``, ``.store``, ``put`` to feed it) serving from a background thread until
``.stop()``. Routes (the project is the first label of ``Host``, as the SDK sends it when
its endpoint is an IP address): ``GET /logstores/{logstore}/shards`` (ListShards),
``GET /logstores/{logstore}/shards/{id}?type=cursor&from=…`` (GetCursor) and
``?type=log&cursor=…&count=…`` (PullLogs: protobuf, LZ4 when the client accepts it, with
``x-log-cursor``, ``x-log-count``, ``x-log-bodyrawsize``, ``x-log-compresstype``). Anything
else is ``InvalidRequest`` or ``MethodNotAllowed``; errors are SLS's JSON
``{"errorCode", "errorMessage"}`` with ``x-log-requestid``.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
import zlib
from collections.abc import Iterable, Mapping
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import lz4.block

from moto_fixtures.serving import BackgroundServer, QuietHandler, serve_in_background
from moto_fixtures.sls import wire
from moto_fixtures.sls.store import LogGroup, SlsError, SlsStore

HOST = "127.0.0.1"
ACCESS_KEY_ID = "LTAIeastwestSANDBOX"
ACCESS_KEY_SECRET = "eastwest-sandbox-fake-secret-not-a-credential"  # noqa: S105 (fake, fixed)
MAX_COUNT = 1000  # PullLogs' largest count of log groups
_SHARDS = re.compile(r"^/logstores/([^/]+)/shards$")
_SHARD = re.compile(r"^/logstores/([^/]+)/shards/(\d+)$")


class _Handler(QuietHandler):
    store: SlsStore
    keys: Mapping[str, str]

    def do_GET(self) -> None:  # noqa: N802 - http.server calls it so
        request_id = uuid.uuid4().hex.upper()[:24]
        try:
            status, headers, body = self._route()
        except SlsError as exc:
            status, headers = exc.status, {"Content-Type": "application/json"}
            body = json.dumps({"errorCode": exc.code, "errorMessage": exc.message}).encode()
        self.reply(status, {**headers, "x-log-requestid": request_id}, body)

    def do_POST(self) -> None:  # noqa: N802 - http.server calls it so
        self._refuse()

    def do_PUT(self) -> None:  # noqa: N802 - http.server calls it so
        self._refuse()

    def do_DELETE(self) -> None:  # noqa: N802 - http.server calls it so
        self._refuse()

    def _refuse(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        body = json.dumps({"errorCode": "MethodNotAllowed", "errorMessage": "not served here"})
        self.reply(405, {"Content-Type": "application/json"}, body.encode())

    def _route(self) -> tuple[int, dict[str, str], bytes]:
        url = urlsplit(self.path)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        wire.check_signature(self.keys, "GET", url.path, query, dict(self.headers.items()))
        project = self._project()
        if match := _SHARDS.match(url.path):
            return _json(self._shards(project, match.group(1)))
        match = _SHARD.match(url.path)
        if match is None:
            raise SlsError(400, "InvalidRequest", f"{url.path} is not an API of this service")
        logstore, shard = match.group(1), int(match.group(2))
        if query.get("type") == "cursor":
            cursor = self.store.cursor(project, logstore, shard, query.get("from", ""))
            return _json({"cursor": cursor})
        if query.get("type") == "log":
            return self._pull(project, logstore, shard, query)
        raise SlsError(400, "ParameterInvalid", f"type {query.get('type')!r} is invalid")

    def _project(self) -> str:
        host = (self.headers.get("Host") or "").split(":")[0]
        project, _, rest = host.partition(".")
        if not rest:
            raise SlsError(400, "ProjectNotExist", "no project in the Host header")
        return project

    def _shards(self, project: str, logstore: str) -> list[dict[str, Any]]:
        with self.store.lock:
            found = self.store.logstore(project, logstore)
            count, created = len(found.shards), found.created
        step = 2**128 // count
        return [
            {
                "shardID": i,
                "status": "readwrite",
                "inclusiveBeginKey": f"{i * step:032x}",
                "exclusiveEndKey": f"{min((i + 1) * step, 2**128 - 1):032x}",
                "createTime": created,
            }
            for i in range(count)
        ]

    def _pull(
        self, project: str, logstore: str, shard: int, query: Mapping[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        count = query.get("count", "")
        if not count.isdigit() or not 1 <= int(count) <= MAX_COUNT:
            raise SlsError(400, "ParameterInvalid", f"count {count!r} is not in 1..{MAX_COUNT}")
        if "cursor" not in query:
            raise SlsError(400, "ParameterInvalid", "cursor is missing")
        groups, following = self.store.pull(project, logstore, shard, query["cursor"], int(count))
        raw = wire.log_group_list(groups)
        encoding, body = _compress(raw, self.headers.get("Accept-Encoding") or "")
        headers = {
            "Content-Type": "application/x-protobuf",
            "x-log-cursor": following,
            "x-log-count": str(len(groups)),
            "x-log-bodyrawsize": str(len(raw)),
        }
        if encoding:
            headers["x-log-compresstype"] = encoding
        return 200, headers, body


def _json(payload: Any) -> tuple[int, dict[str, str], bytes]:
    return 200, {"Content-Type": "application/json"}, json.dumps(payload).encode()


def _compress(raw: bytes, accepted: str) -> tuple[str, bytes]:
    """LZ4 (a raw block, no size prefix, as SLS sends it) or deflate when accepted; else none."""
    kinds = {k.strip().lower() for k in accepted.split(",")}
    if "lz4" in kinds:
        return "lz4", lz4.block.compress(raw, store_size=False)
    if "deflate" in kinds:
        return "deflate", zlib.compress(raw)
    return "", raw


class SlsServer(BackgroundServer):
    """A running fake Log Service. Stop it with ``stop()`` or by leaving a ``with`` block."""

    def __init__(self, server: ThreadingHTTPServer, thread: threading.Thread, store: SlsStore):
        super().__init__(server, thread)
        self.store = store
        self.port: int = server.server_address[1]
        self.endpoint = f"{HOST}:{self.port}"
        self.url = f"http://{self.endpoint}"
        self.access_key_id, self.access_key_secret = ACCESS_KEY_ID, ACCESS_KEY_SECRET

    def put(
        self, project: str, logstore: str, records: Iterable[Mapping[str, str]], received: int
    ) -> int:
        """One log group of ``records`` (fields as SLS stores them, strings) received at
        ``received``; the project and logstore are made if new. Returns the shard."""
        self.store.create(project, logstore)
        logs = tuple(
            (int(r.get("start", received) or received), tuple((k, str(v)) for k, v in r.items()))
            for r in records
        )
        return self.store.put(project, logstore, LogGroup(received, logs, topic="flow_log"))


def start_sls_server(port: int = 0, keys: Mapping[str, str] | None = None) -> SlsServer:
    """Start the fake on 127.0.0.1:``port`` in a daemon thread."""
    store = SlsStore()
    bound = {"store": store, "keys": dict(keys or {ACCESS_KEY_ID: ACCESS_KEY_SECRET})}
    server, thread = serve_in_background(_Handler, bound, port, "sls")
    return SlsServer(server, thread, store)
