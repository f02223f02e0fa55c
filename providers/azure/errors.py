"""azure-core exceptions → eastwest's error tree, at the boundary, with no credentials in text.

In: an exception from an SDK call and ``where`` (cloud, subscription, region, resource). Out: a
``ProviderError``. Always: the message is built from ARM's error code and message, never from
request headers, so a bearer token cannot leak; throttling (429), conflicting operations and
5xx are ``TemporaryError`` with ARM's ``Retry-After`` as the delay.
"""

from __future__ import annotations

from azure.core.exceptions import (
    AzureError,
    ClientAuthenticationError,
    HttpResponseError,
    ServiceRequestError,
    ServiceResponseError,
)

from orchestrator.errors import PermanentError, ProviderError, TemporaryError

# ARM's codes for "someone else is writing this resource right now": worth waiting for.
BUSY = frozenset(
    {"RetryableError", "RetryableErrorDueToAnotherOperation", "AnotherOperationInProgress"}
)
_TEMPORARY_STATUS = frozenset({408, 429, 500, 502, 503, 504})


def error_code(exc: HttpResponseError) -> str:
    return str(getattr(exc.error, "code", "") or "")


def detail_codes(exc: HttpResponseError) -> set[str]:
    """The top code and every detail code (NRP hides the reason of a 429 in a detail)."""
    codes = {error_code(exc)}
    for detail in getattr(exc.error, "details", None) or []:
        codes.add(str(getattr(detail, "code", "") or ""))
    return codes - {""}


def is_retryable(exc: AzureError) -> bool:
    if isinstance(exc, (ServiceRequestError, ServiceResponseError)):
        return True
    if isinstance(exc, HttpResponseError):
        return exc.status_code in _TEMPORARY_STATUS or bool(detail_codes(exc) & BUSY)
    return False


def retry_after(exc: AzureError) -> float | None:
    response = getattr(exc, "response", None)
    raw = response.headers.get("Retry-After") if response is not None else None
    try:
        return float(raw) if raw is not None else None
    except ValueError:
        return None


def is_not_found(exc: AzureError) -> bool:
    return isinstance(exc, HttpResponseError) and exc.status_code == 404


def translate(exc: Exception, where: str) -> ProviderError:
    """``where`` names cloud, subscription, region and the resource or operation."""
    if isinstance(exc, ClientAuthenticationError):
        return PermanentError(
            f"{where}: Azure refused the credentials ({_summary(exc)}); sign in with "
            "`az login` or set AZURE_CLIENT_ID/AZURE_TENANT_ID/AZURE_CLIENT_SECRET; for the "
            "local sandbox pass --sandbox DIR"
        )
    if isinstance(exc, HttpResponseError):
        text = f"{where}: {_summary(exc)}"
        if is_retryable(exc):
            return TemporaryError(text, delay=retry_after(exc) or 2.0)
        return PermanentError(text)
    if isinstance(exc, AzureError):
        kind = type(exc).__name__
        if is_retryable(exc):
            return TemporaryError(f"{where}: {kind}: cannot reach Azure Resource Manager", 2.0)
        return ProviderError(f"{where}: {kind}")
    return ProviderError(f"{where}: {exc}")


def _summary(exc: AzureError) -> str:
    error = getattr(exc, "error", None)
    code = getattr(error, "code", None)
    message = getattr(error, "message", None)
    if code or message:
        status = getattr(exc, "status_code", None)
        return f"{code or 'Error'}: {message or ''}".strip() + (
            f" (HTTP {status})" if status else ""
        )
    status = getattr(exc, "status_code", None)
    return f"HTTP {status}" if status else type(exc).__name__
