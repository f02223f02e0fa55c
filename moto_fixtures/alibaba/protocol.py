"""The RPC wire protocol: parameters in, signature checked, lists un-flattened.

In: the method, query string, body and content type of one request. Out: a flat ``dict`` of
parameters (the query and a form body merged, as the real gateway does), or an ``AlibabaError``.
Always: the signature is recomputed exactly as ``aliyunsdkcore`` builds it (sorted parameters,
``urlencode`` then percent-encoding again, ``+``→``%20``, ``*``→``%2A``, ``%7E``→``~``), keyed with
``secret + "&"``; a nonce is accepted once; a timestamp more than 15 minutes away is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import time
from calendar import timegm
from urllib.parse import parse_qsl, quote, urlencode

from moto_fixtures.alibaba import errors

# The gateway's window in both directions; nonces are forgotten once their timestamp leaves it.
TIMESTAMP_WINDOW_S = 15 * 60
SIGNATURE_PARAMS = ("Signature",)
PROTOCOL_PARAMS = frozenset(
    {
        "Action",
        "Version",
        "Format",
        "AccessKeyId",
        "Signature",
        "SignatureMethod",
        "SignatureVersion",
        "SignatureNonce",
        "SignatureType",
        "Timestamp",
        # Sent with STS credentials (a RAM role, RRSA, a StsToken profile): a common parameter
        # of every RPC API, so no action's metadata lists it.
        "SecurityToken",
    }
)


def parse_params(query: str, body: bytes, content_type: str) -> dict[str, str]:
    """Merge the query string and a form body; a body value wins, as the SDK never sends both."""
    params = dict(parse_qsl(query, keep_blank_values=True))
    if body and content_type.startswith("application/x-www-form-urlencoded"):
        params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    return params


def _standard(text: str) -> str:
    return text.replace("+", "%20").replace("*", "%2A").replace("%7E", "~")


def string_to_sign(method: str, params: dict[str, str]) -> str:
    """The SDK's string-to-sign (``rpc_signature_composer``) for these parameters."""
    signed = sorted((k, v) for k, v in params.items() if k not in SIGNATURE_PARAMS)
    canonical = _standard(urlencode(signed))
    return f"{method}&%2F&{_standard(quote(canonical, safe='/'))}"


def sign(text: str, secret: str) -> str:
    digest = hmac.new(f"{secret}&".encode(), text.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class Authenticator:
    """Checks key, signature, timestamp and nonce; shared by the server's request threads."""

    def __init__(self, access_key_id: str, access_key_secret: str) -> None:
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret
        self._nonces: dict[str, float] = {}
        self._lock = threading.Lock()

    def check(self, method: str, params: dict[str, str], now: float | None = None) -> None:
        now = time.time() if now is None else now
        if params.get("AccessKeyId") != self.access_key_id:
            raise errors.InvalidAccessKeyId()
        for name in ("Signature", "SignatureNonce", "Timestamp"):
            if not params.get(name):
                raise errors.MissingParameter(f"The input parameter {name} is not supplied.")
        expected_text = string_to_sign(method, params)
        if not hmac.compare_digest(
            sign(expected_text, self.access_key_secret), params["Signature"]
        ):
            # The SDK splits the message on ':' and compares the second piece with its own
            # string-to-sign (colons inside it are percent-encoded), so it must end the message.
            raise errors.SignatureDoesNotMatch(
                f"Specified signature is not matched with our calculation. server string to sign"
                f" is:{expected_text}"
            )
        stamp = _parse_timestamp(params["Timestamp"])
        if abs(now - stamp) > TIMESTAMP_WINDOW_S:
            raise errors.InvalidTimeStampExpired(
                f"Specified time stamp or date value is expired. Timestamp {params['Timestamp']}"
            )
        self._use_nonce(params["SignatureNonce"], now)

    def _use_nonce(self, nonce: str, now: float) -> None:
        with self._lock:
            stale = [n for n, seen in self._nonces.items() if now - seen > 2 * TIMESTAMP_WINDOW_S]
            for n in stale:
                del self._nonces[n]
            if nonce in self._nonces:
                raise errors.SignatureNonceUsed()
            self._nonces[nonce] = now


def _parse_timestamp(text: str) -> float:
    try:
        return float(timegm(time.strptime(text, "%Y-%m-%dT%H:%M:%SZ")))
    except ValueError:
        raise errors.InvalidParameter(f"The specified Timestamp {text!r} is invalid.") from None


def flat_list(params: dict[str, str], name: str) -> list[dict[str, str]]:
    """``Permissions.1.Policy=…`` → ``[{"Policy": …}]``, ordered by index."""
    items: dict[int, dict[str, str]] = {}
    prefix = f"{name}."
    for key, value in params.items():
        if not key.startswith(prefix):
            continue
        index, _, field = key[len(prefix) :].partition(".")
        if index.isdigit() and field:
            items.setdefault(int(index), {})[field] = value
    return [items[i] for i in sorted(items)]


def repeat_list(params: dict[str, str], name: str) -> list[str]:
    """``ResourceId.1=…`` → ``[…]``, ordered by index."""
    prefix = f"{name}."
    found = {
        int(k[len(prefix) :]): v
        for k, v in params.items()
        if k.startswith(prefix) and k[len(prefix) :].isdigit()
    }
    return [found[i] for i in sorted(found)]


def tags(params: dict[str, str], name: str = "Tag") -> dict[str, str]:
    """``Tag.N.Key`` / ``Tag.N.Value`` (the metadata also allows lower-case ``key``/``value``)."""
    out: dict[str, str] = {}
    for item in flat_list(params, name):
        key = item.get("Key", item.get("key"))
        if key:
            out[key] = item.get("Value", item.get("value", ""))
    return out
