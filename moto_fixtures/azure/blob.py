"""The local Azure Blob service, path-style as the storage emulators serve it
(``http://127.0.0.1:PORT/<account>/<container>/<blob>``), for ``azure-storage-blob``.

In: a port (0: any free one) and the account keys. Out: a ``BlobServer`` (``.url``,
``.account_url(name)``, ``.store``; ``write`` to put a blob) serving from a background
thread until ``.stop()``. Served: List Blobs (``GET …/<container>?restype=container&comp=list``
with ``prefix``, ``marker``, ``maxresults`` ≤ 5000: the XML ``EnumerationResults`` with
``NextMarker``) and Get Blob (``GET …/<container>/<blob>``, whole or a ``x-ms-range``/``Range``:
206 with ``Content-Range``), with ``ETag``, ``Last-Modified``, ``x-ms-blob-type`` and the
``x-ms-version`` asked for. Always: a request is refused unless signed with the account's
key (SharedKey: HMAC-SHA256 over the verb, the standard headers, the ``x-ms-*`` headers and
the canonical resource and query) and carrying ``x-ms-version``; errors are the service's XML
``<Error><Code>…`` with ``x-ms-error-code``. Writes are not served (the sandbox feeds the
store directly, as Network Watcher would).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import threading
import uuid
from collections.abc import Mapping
from email.utils import formatdate
from http.server import ThreadingHTTPServer
from urllib.parse import parse_qsl, unquote, urlsplit
from xml.sax.saxutils import escape

from moto_fixtures.azure.blob_store import Blob, BlobError, BlobStore
from moto_fixtures.serving import BackgroundServer, QuietHandler, serve_in_background

HOST = "127.0.0.1"
ACCOUNT = "eastwestflowlogs"
# A fake key (base64, as the service's keys are); it opens nothing real.
ACCOUNT_KEY = base64.b64encode(b"eastwest-sandbox-fake-storage-key-not-a-credential").decode()
MAX_RESULTS = 5000
_SIGNED = ("content-encoding", "content-language", "content-length", "content-md5",
           "content-type", "date", "if-modified-since", "if-match", "if-none-match",
           "if-unmodified-since", "range")  # fmt: skip
_RANGE = re.compile(r"^bytes=(\d+)-(\d*)$")


def string_to_sign(
    method: str, path: str, query: list[tuple[str, str]], headers: Mapping[str, str], account: str
) -> str:
    lower = {k.lower(): v for k, v in headers.items() if v}
    if lower.get("content-length") == "0":
        del lower["content-length"]
    standard = "".join(lower.get(h, "") + "\n" for h in _SIGNED)
    x_ms = "".join(f"{k}:{v}\n" for k, v in sorted(lower.items()) if k.startswith("x-ms-"))
    canonical_query = "".join(f"\n{k.lower()}:{unquote(v)}" for k, v in sorted(query))
    return f"{method}\n{standard}{x_ms}/{account}{path}{canonical_query}"


class _Handler(QuietHandler):
    store: BlobStore
    keys: Mapping[str, str]

    def do_GET(self) -> None:  # noqa: N802 - http.server calls it so
        version = self.headers.get("x-ms-version") or ""
        headers = {"x-ms-request-id": str(uuid.uuid4()), "Date": formatdate(usegmt=True)}
        if version:
            headers["x-ms-version"] = version
        try:
            status, more, body = self._route(version)
        except BlobError as exc:
            status, body = exc.status, _error_xml(exc)
            more = {"Content-Type": "application/xml", "x-ms-error-code": exc.code}
        self.reply(status, {**headers, **more}, body)

    def do_PUT(self) -> None:  # noqa: N802 - http.server calls it so
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        exc = BlobError(403, "AuthorizationPermissionMismatch", "This fake serves reads only.")
        self.reply(403, {"x-ms-error-code": exc.code}, _error_xml(exc))

    def _route(self, version: str) -> tuple[int, dict[str, str], bytes]:
        url = urlsplit(self.path)
        query = parse_qsl(url.query, keep_blank_values=True)
        parts = unquote(url.path).lstrip("/").split("/", 2)
        self._authenticate(parts[0], url.path, query)
        if not version:
            raise BlobError(400, "MissingRequiredHeader", "x-ms-version is required.")
        params = dict(query)
        if (
            len(parts) == 2
            and params.get("restype") == "container"
            and params.get("comp") == "list"
        ):
            return self._list(parts[0], parts[1], params)
        if len(parts) == 3 and parts[2]:
            return self._get(parts[0], parts[1], parts[2])
        raise BlobError(400, "UnsupportedQueryParameter", f"{self.path} is not served here.")

    def _authenticate(self, account: str, path: str, query: list[tuple[str, str]]) -> None:
        scheme, _, credential = (self.headers.get("Authorization") or "").partition(" ")
        name, _, signature = credential.partition(":")
        if scheme != "SharedKey" or not signature:
            raise BlobError(
                401, "NoAuthenticationInformation", "Server failed to authenticate the request."
            )
        key = self.keys.get(name)
        if key is None or name != account:
            raise BlobError(403, "AuthenticationFailed", f"The key of {name} signs for {account}.")
        text = string_to_sign("GET", path, query, dict(self.headers.items()), account)
        mac = hmac.new(base64.b64decode(key), text.encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(base64.b64encode(mac).decode(), signature):
            raise BlobError(
                403,
                "AuthenticationFailed",
                "The MAC signature found in the HTTP request is not the same as any computed"
                " signature.",
            )

    def _list(
        self, account: str, container: str, params: Mapping[str, str]
    ) -> tuple[int, dict[str, str], bytes]:
        size = params.get("maxresults", str(MAX_RESULTS))
        if not size.isdigit() or not 1 <= int(size) <= MAX_RESULTS:
            raise BlobError(
                400, "OutOfRangeQueryParameterValue", f"maxresults {size} is out of range."
            )
        prefix, marker = params.get("prefix", ""), params.get("marker", "")
        page, following = self.store.list(account, container, prefix, marker, int(size))
        blobs = "".join(_blob_xml(n, b) for n, b in page)
        body = (
            '<?xml version="1.0" encoding="utf-8"?>'
            f'<EnumerationResults ServiceEndpoint="http://{HOST}/{account}" '
            f'ContainerName="{escape(container)}"><Prefix>{escape(prefix)}</Prefix>'
            f"<Marker>{escape(marker)}</Marker><MaxResults>{size}</MaxResults>"
            f"<Blobs>{blobs}</Blobs><NextMarker>{escape(following)}</NextMarker>"
            "</EnumerationResults>"
        )
        return 200, {"Content-Type": "application/xml"}, body.encode()

    def _get(self, account: str, container: str, name: str) -> tuple[int, dict[str, str], bytes]:
        wanted = self.headers.get("x-ms-range") or self.headers.get("Range") or ""
        match = _RANGE.match(wanted)
        if wanted and match is None:
            raise BlobError(400, "InvalidHeaderValue", f"The range {wanted} is not valid.")
        first = int(match.group(1)) if match else None
        last = int(match.group(2)) if match and match.group(2) else None
        blob, data, size = self.store.read(account, container, name, first, last)
        headers = {
            "Content-Type": "application/json",
            "ETag": blob.etag,
            "Last-Modified": formatdate(blob.modified, usegmt=True),
            "x-ms-blob-type": "BlockBlob",
            "Accept-Ranges": "bytes",
            "x-ms-creation-time": formatdate(blob.created, usegmt=True),
        }
        if first is None:
            return 200, headers, data
        headers["Content-Range"] = f"bytes {first}-{first + len(data) - 1}/{size}"
        return 206, headers, data


def _blob_xml(name: str, blob: Blob) -> str:
    return (
        f"<Blob><Name>{escape(name)}</Name><Properties>"
        f"<Creation-Time>{formatdate(blob.created, usegmt=True)}</Creation-Time>"
        f"<Last-Modified>{formatdate(blob.modified, usegmt=True)}</Last-Modified>"
        f"<Etag>{escape(blob.etag)}</Etag><Content-Length>{len(blob.data)}</Content-Length>"
        "<Content-Type>application/json</Content-Type><BlobType>BlockBlob</BlobType>"
        "<LeaseStatus>unlocked</LeaseStatus><LeaseState>available</LeaseState>"
        "</Properties></Blob>"
    )


def _error_xml(exc: BlobError) -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><Error><Code>{exc.code}</Code>'
        f"<Message>{escape(exc.message)}\nRequestId:{uuid.uuid4()}</Message></Error>"
    ).encode()


class BlobServer(BackgroundServer):
    """A running fake Blob service. Stop it with ``stop()`` or by leaving a ``with`` block."""

    def __init__(self, server: ThreadingHTTPServer, thread: threading.Thread, store: BlobStore):
        super().__init__(server, thread)
        self.store = store
        self.port: int = server.server_address[1]
        self.url = f"http://{HOST}:{self.port}"
        self.account, self.account_key = ACCOUNT, ACCOUNT_KEY

    def account_url(self, account: str = ACCOUNT) -> str:
        return f"{self.url}/{account}"

    def write(self, container: str, name: str, data: bytes, account: str = ACCOUNT) -> None:
        self.store.write(account, container, name, data)


def start_blob_server(port: int = 0, keys: Mapping[str, str] | None = None) -> BlobServer:
    """Start the fake on 127.0.0.1:``port`` in a daemon thread."""
    store = BlobStore()
    bound = {"store": store, "keys": dict(keys or {ACCOUNT: ACCOUNT_KEY})}
    server, thread = serve_in_background(_Handler, bound, port, "blob")
    return BlobServer(server, thread, store)
