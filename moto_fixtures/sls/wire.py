"""The Log Service wire format: request signatures and the protobuf of ``PullLogs``.

In: a request's method, path, query and headers; log groups. Out: the signature check (an
``SlsError`` when it fails) and the bytes of a ``LogGroupList``.
Always: signature version 1 as the SDK computes it: ``METHOD\\nContent-MD5\\nContent-Type\\n
Date\\n`` then the ``x-log-*``/``x-acs-*`` headers sorted (not ``x-log-meta-*``, nor
``x-log-date``, which the SDK adds after signing as a copy of ``Date``), then the path and
the query sorted by key, unescaped; HMAC-SHA1 with the secret, base64, sent as
``Authorization: LOG <key id>:<signature>``. The protobuf is written by hand from the SDK's
``log_logs.proto`` (LogGroupList 1: LogGroup; LogGroup 1: Log, 3: Topic, 4: Source; Log 1:
Time, 2: Content; Content 1: Key, 2: Value), so the fake needs no protobuf runtime.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from moto_fixtures.sls.store import LogGroup, SlsError

# SLS refuses a request whose Date is further than this from its clock.
MAX_SKEW_S = 15 * 60


def string_to_sign(
    method: str, path: str, query: Mapping[str, str], headers: Mapping[str, str]
) -> str:
    lower = {k.lower(): v for k, v in headers.items()}
    signed = sorted(
        (k, v)
        for k, v in lower.items()
        if (k.startswith("x-acs-") or k.startswith("x-log-"))
        and not k.startswith("x-log-meta-")
        and k != "x-log-date"
    )
    resource = path
    if query:
        resource += "?" + "&".join(f"{k}={v}" for k, v in sorted(query.items()))
    return (
        f"{method}\n{lower.get('content-md5', '')}\n{lower.get('content-type', '')}\n"
        f"{lower.get('date', lower.get('x-log-date', ''))}\n"
        + "".join(f"{k}:{v}\n" for k, v in signed)
        + resource
    )


def check_signature(
    keys: Mapping[str, str],
    method: str,
    path: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
) -> None:
    auth = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    scheme, _, credential = auth.partition(" ")
    key_id, _, signature = credential.partition(":")
    if scheme != "LOG" or not signature:
        raise SlsError(401, "Unauthorized", "the Authorization header is missing or malformed")
    secret = keys.get(key_id)
    if secret is None:
        raise SlsError(401, "Unauthorized", f"AccessKeyId {key_id} is not found")
    _check_date(headers)
    text = string_to_sign(method, path, query, headers)
    digest = hmac.new(secret.encode(), text.encode(), hashlib.sha1).digest()
    if not hmac.compare_digest(base64.b64encode(digest).decode(), signature):
        raise SlsError(401, "SignatureNotMatch", f"signature {signature} not match")


def _check_date(headers: Mapping[str, str]) -> None:
    lower = {k.lower(): v for k, v in headers.items()}
    try:
        sent = parsedate_to_datetime(lower.get("date") or lower.get("x-log-date", ""))
    except (TypeError, ValueError):
        raise SlsError(400, "RequestTimeExpired", "the Date header is missing") from None
    if sent.tzinfo is None:
        sent = sent.replace(tzinfo=UTC)
    if abs((datetime.now(UTC) - sent).total_seconds()) > MAX_SKEW_S:
        raise SlsError(400, "RequestTimeExpired", "the request time is too far from the server's")


def log_group_list(groups: list[LogGroup]) -> bytes:
    return b"".join(_field(1, _log_group(g)) for g in groups)


def _log_group(group: LogGroup) -> bytes:
    logs = b"".join(_field(1, _log(t, contents)) for t, contents in group.logs)
    return logs + _field(3, group.topic.encode()) + _field(4, group.source.encode())


def _log(at: int, contents: tuple[tuple[str, str], ...]) -> bytes:
    body = _varint(1 << 3) + _varint(at)
    for key, value in contents:
        body += _field(2, _field(1, key.encode()) + _field(2, value.encode()))
    return body


def _field(number: int, payload: bytes) -> bytes:
    """A length-delimited field (wire type 2)."""
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _varint(value: int) -> bytes:
    out = bytearray()
    while True:
        low = value & 0x7F
        value >>= 7
        if value:
            out.append(low | 0x80)
        else:
            out.append(low)
            return bytes(out)
