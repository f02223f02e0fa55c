"""Alibaba Cloud API errors → eastwest's error tree, at the boundary, with no credentials in text.

In: an ``ApiError`` (what ``session.py`` turns the SDK's ``ServerException``/``ClientException``
into, so that no other module imports the SDK) and the words naming cloud, account, region and
resource. Out: a ``TemporaryError`` for what is worth retrying later, a ``PermanentError``
otherwise. Always: messages are redacted (``AccessKeyId``, ``Signature``, ``SecurityToken``
query values and any configured secret never survive).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from orchestrator.errors import PermanentError, ProviderError, TemporaryError
from orchestrator.state import Scope

# Throttling and server-side trouble: the request was not carried out, or may be again safely.
THROTTLING = frozenset({"Throttling", "Throttling.User", "Throttling.Api", "ServiceUnavailable"})
# Another operation holds the resource (CEN, prefix lists being modified): wait and try again.
# VPC route entries answer TaskConflict / IncorrectRouteEntryStatus while a table is changing.
CONFLICT_PREFIXES = (
    "IncorrectStatus.",
    "OperationConflict",
    "IdempotentProcessing",
    "TaskConflict",
    "IncorrectRouteEntryStatus",
)
# The SDK's own transport failure (connection refused, reset, timeout).
TRANSPORT = frozenset({"SDK.HttpError", "SDK.ServerUnreachable"})

# Query values, plain (``AccessKeyId=…&``) or percent-encoded once or twice inside a
# string-to-sign (``AccessKeyId%3D…%26``).
_SECRET_PARAMS = re.compile(
    r"(AccessKeyId|Signature|SecurityToken|AccessKeySecret)(=|%3D|%253D)"
    r"(?:(?!%26|%2526)[^&\s'\"])*"
)
# A bad signature's message quotes the whole string-to-sign: nothing in it helps the user.
_STRING_TO_SIGN = re.compile(r"\s*server string to sign is:.*", re.DOTALL)
_REFUSED = frozenset(
    {
        "InvalidAccessKeyId.NotFound",
        "InvalidAccessKeyId.Inactive",
        "InvalidAccessKeySecret",
        "SignatureDoesNotMatch",
        "SDK.InvalidCredential",
    }
)


@dataclass(frozen=True, slots=True)
class ApiError(Exception):
    """One failed call. ``status`` is the HTTP status (None: no answer reached the client)."""

    action: str
    code: str
    message: str
    status: int | None = None
    request_id: str | None = None

    def __str__(self) -> str:
        rid = f" (RequestId {self.request_id})" if self.request_id else ""
        return f"{self.action}: {self.code}: {self.message}{rid}"


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    text = _STRING_TO_SIGN.sub(" (string-to-sign omitted)", text)
    text = _SECRET_PARAMS.sub(r"\1\2<redacted>", text)
    for secret in secrets:
        if secret:
            text = text.replace(secret, "<redacted>")
    return text


def is_lost(error: ApiError) -> bool:
    """No answer came back: the call may have been carried out."""
    return error.code in TRANSPORT


def is_retryable(error: ApiError) -> bool:
    """Throttling, 5xx, conflicts with an operation in flight, and transport failures."""
    return (
        error.code in THROTTLING
        or error.code in TRANSPORT
        or error.code.startswith(CONFLICT_PREFIXES)
        or (error.status is not None and error.status >= 500)
    )


def translate(error: ApiError, where: str) -> ProviderError:
    """``where`` names cloud, account, region and the resource or operation."""
    text = f"{where}: {error}"
    if error.code in _REFUSED:
        return PermanentError(
            f"{where}: the Alibaba Cloud credentials were refused ({error.code}); set "
            "ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET, or pass --sandbox DIR"
        )
    if is_retryable(error):
        return TemporaryError(text, delay=2.0)
    return PermanentError(text)


class AlibabaCloud:
    """How the writers name places and read errors on Alibaba Cloud
    (``providers.core.engine.Cloud``)."""

    caught: tuple[type[BaseException], ...] = (ApiError, ProviderError, ValueError)

    def __init__(self, scope: Scope) -> None:
        self.scope = scope

    def where(self, key: str) -> str:
        return (
            f"alibaba {self.scope.account} {self.scope.region} {key.removeprefix(f'{self.scope}/')}"
        )

    def code(self, exc: BaseException) -> str | None:
        return exc.code if isinstance(exc, ApiError) else None

    def failure(self, key: str, exc: BaseException) -> str:
        if isinstance(exc, ApiError):
            return str(translate(exc, self.where(key)))
        return f"{self.where(key)}: {exc}"


def unless_done(call: Callable[[], Any], done: Callable[[], Any]) -> Any:
    """``call``'s answer; when it fails, what ``done`` reads back if that is true: a write
    whose answer was lost and whose retry is refused as already made (or in progress)."""
    try:
        return call()
    except ApiError:
        found = done()
        if not found:
            raise
        return found
