"""Alibaba Cloud VPC flow logs where VPC delivers them: a Simple Log Service (SLS) logstore,
found with VPC's ``DescribeFlowLogs`` (each flow log's ``ProjectName`` and ``LogStoreName``,
region-wide, 50 a page, the largest) and read shard by shard with the cursor API
(``ListShards``, ``GetCursor``, ``PullLogs``) of ``aliyun-log-python-sdk``.

In: an ``SlsClient`` (the account's credentials and the region's endpoint, or the sandbox's
fake), a ``LogstoreRef`` and, per shard, the position already read. Out: ``ShardPage``s,
one per ``PullLogs`` answer: the logs as JSON lines (the fields as SLS stores them, which
``orchestrator.flows.alibaba_format`` reads) and the position after them. Raises
``ProviderError`` (mapped here from ``LogException``) when a read fails.
Always: reads only. A position is the decimal number an SLS cursor is the base64 of, so the
flow store keeps it as an integer; a cursor SLS no longer knows (the logs under it expired
with the logstore's TTL) is read again from the shard's first log group, and said so.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from aliyun.log import LogClient, LogException

from orchestrator.errors import PermanentError, ProviderError, TemporaryError
from providers.alibaba.credentials import credential_chain

PULL_COUNT = 1000  # log groups per PullLogs, the API's largest
_RETRY_LATER = frozenset({"InternalServerError", "RequestTimeout", "ReadQuotaExceed",
                          "ShardReadQuotaExceed", "ServerBusy", "LogRequestError"})  # fmt: skip


@dataclass(frozen=True, slots=True)
class LogstoreRef:
    region: str
    project: str
    logstore: str

    def __str__(self) -> str:
        return f"sls:{self.region}/{self.project}/{self.logstore}"

    @classmethod
    def parse(cls, text: str) -> LogstoreRef:
        """``REGION/PROJECT/LOGSTORE`` (``sls:`` before it is allowed)."""
        parts = text.removeprefix("sls:").split("/")
        if len(parts) != 3 or not all(parts):
            raise ValueError(f"{text!r} is not REGION/PROJECT/LOGSTORE")
        return cls(*parts)


@dataclass(frozen=True, slots=True)
class ShardPage:
    source: str  # alibaba/<account>/sls:<region>/<project>/<logstore>/<shard>
    lines: tuple[str, ...]
    position: int  # where the next read starts
    notes: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class SlsClient:
    """How to reach one account's Log Service: ``client(region)`` gives the SDK's client."""

    account: str
    endpoint: str | None  # None: ``https://<region>.log.aliyuncs.com``
    credentials: tuple[str, str, str] | None  # None: the account's chain, resolved per client
    profile: str | None = None

    def client(self, region: str) -> Any:
        key_id, secret, token = self.credentials or _chain(self.profile)
        endpoint = self.endpoint or f"https://{region}.log.aliyuncs.com"
        client: Any = LogClient(endpoint, key_id, secret, securityToken=token or None)
        if _is_ip(endpoint):
            # The SDK only sees an IP endpoint without a port; with one it would put the project
            # in front of the address as a host name (proj.127.0.0.1), which resolves nowhere.
            client._isRowIp = True
        return client


def read_logstore(
    sls: SlsClient, ref: LogstoreRef, positions: Mapping[str, int]
) -> Iterator[ShardPage]:
    """Every shard of ``ref`` from its stored position on, one page per ``PullLogs``."""
    where = f"alibaba {sls.account} {ref.region} {ref}"
    try:
        client = sls.client(ref.region)
        shards = client.list_shards(ref.project, ref.logstore).get_shards_info()
        for shard in sorted(int(s["shardID"]) for s in shards):
            source = f"alibaba/{sls.account}/{ref}/{shard}"
            yield from _read_shard(client, ref, shard, source, positions.get(source))
    except LogException as exc:
        raise _translate(exc, where) from None


def _read_shard(
    client: Any, ref: LogstoreRef, shard: int, source: str, position: int | None
) -> Iterator[ShardPage]:
    begin = position is None
    cursor = _begin(client, ref, shard) if position is None else _cursor(position)
    notes: tuple[str, ...] = ()
    while True:
        try:
            page = client.pull_logs(ref.project, ref.logstore, shard, cursor, count=PULL_COUNT)
        except LogException as exc:
            if exc.get_error_code() != "InvalidCursor" or begin:
                raise
            begin, cursor = True, _begin(client, ref, shard)
            notes = (f"{source}: the stored cursor has expired; read from the shard's start",)
            continue
        following = page.get_next_cursor()
        lines = tuple(_lines(page))
        if lines or notes:
            yield ShardPage(source, lines, _position(following), notes)
            notes = ()
        if following == cursor:  # the shard's end: SLS answers the cursor it was given
            return
        cursor = following


def _begin(client: Any, ref: LogstoreRef, shard: int) -> str:
    return str(client.get_cursor(ref.project, ref.logstore, shard, "begin").get_cursor())


def _lines(page: Any) -> Iterator[str]:
    for group in page.get_loggroup_list().LogGroups:
        for log in group.Logs:
            fields = {c.Key: c.Value for c in log.Contents}
            if group.Topic and "__topic__" not in fields:
                fields["__topic__"] = group.Topic
            yield json.dumps(fields, separators=(",", ":"))


def _cursor(position: int) -> str:
    return base64.b64encode(str(position).encode()).decode()


def _position(cursor: str) -> int:
    try:
        return int(base64.b64decode(cursor, validate=True).decode())
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise PermanentError(f"SLS answered a cursor that is not a position: {cursor!r}") from None


def _translate(exc: Any, where: str) -> ProviderError:
    code, message = exc.get_error_code(), exc.get_error_message()
    text = f"{where}: {code}: {message}"
    if code in _RETRY_LATER or getattr(exc, "resp_status", 0) >= 500:
        return TemporaryError(text)
    return PermanentError(text)


def _chain(profile: str | None) -> tuple[str, str, str]:
    creds = credential_chain(profile).resolve()
    return creds.access_key_id, creds.access_key_secret, creds.security_token


def _is_ip(endpoint: str) -> bool:
    host = urlsplit(endpoint if "://" in endpoint else f"http://{endpoint}").hostname or ""
    return host.replace(".", "").isdigit() and host.count(".") == 3


def sls_client(account: str, profile: str | None, sandbox: Mapping[str, Any] | None) -> SlsClient:
    """The account's Log Service: its profile's credential chain, or the sandbox's fake."""
    if sandbox is None:
        return SlsClient(account, None, None, profile)
    section = (sandbox.get("alibaba") or {}).get("log_service")
    if not isinstance(section, Mapping):
        raise PermanentError(
            "the sandbox has no Log Service (`alibaba.log_service` in sandbox.json); "
            "restart it with this version (`eastwest sandbox down && eastwest sandbox up`)"
        )
    keys = (section["access_key_id"], section["access_key_secret"], "")
    return SlsClient(account, section["endpoint_url"], keys)


def flow_log_stores(
    account: str, profile: str | None, region: str, sandbox: Mapping[str, Any] | None
) -> list[LogstoreRef]:
    """The logstores the VPC flow logs of ``account`` in ``region`` deliver to, each once
    (``DescribeFlowLogs``); raises ``ProviderError``."""
    from providers.alibaba.errors import ApiError, translate  # noqa: PLC0415
    from providers.alibaba.reader import numbered  # noqa: PLC0415
    from providers.alibaba.session import sandbox_api, standard_api  # noqa: PLC0415

    api = standard_api(profile) if sandbox is None else sandbox_api(sandbox)
    path = ("FlowLogs", "FlowLog")
    try:
        found = list(numbered(api, region, "vpc", "DescribeFlowLogs", path))
    except ApiError as exc:
        raise translate(exc, f"alibaba {account} {region} flow logs") from None
    refs = (LogstoreRef(region, f["ProjectName"], f["LogStoreName"]) for f in found)
    return list(dict.fromkeys(refs))
