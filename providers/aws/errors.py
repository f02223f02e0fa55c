"""botocore exceptions → eastwest's error tree, at the boundary, with no credentials in text."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from orchestrator.errors import PermanentError, ProviderError, TemporaryError
from orchestrator.state import Scope

_TEMPORARY = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "RequestLimitExceeded",
        "ServiceUnavailable",
        "Unavailable",
        "InternalError",
        "InternalFailure",
        "IncorrectState",  # a prefix list still being modified: try again shortly
    }
)


def where(scope: Scope, key: str) -> str:
    """``aws <account> <region> <key without its scope>``: how messages name a resource."""
    return f"aws {scope.account} {scope.region} {key.removeprefix(f'{scope}/')}"


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def translate(exc: Exception, where: str) -> ProviderError:
    """``where`` names cloud, account, region and the resource or operation."""
    if isinstance(exc, ClientError):
        code = error_code(exc)
        message = exc.response.get("Error", {}).get("Message", "")
        text = f"{where}: {code}: {message}"
        if code in _TEMPORARY:
            return TemporaryError(text, delay=2.0)
        return PermanentError(text)
    if isinstance(exc, NoCredentialsError):
        return PermanentError(
            f"{where}: no AWS credentials found (profile, environment or instance role); "
            "for the local sandbox pass --sandbox DIR"
        )
    if isinstance(exc, BotoCoreError):
        return TemporaryError(f"{where}: {exc}", delay=2.0)
    return ProviderError(f"{where}: {exc}")


def ignoring(codes: tuple[str, ...], call: Callable[..., Any], **kwargs: Any) -> None:
    """``call``, with the error codes that mean it already happened counted as success."""
    try:
        call(**kwargs)
    except ClientError as exc:
        if error_code(exc) not in codes:
            raise


class AwsCloud:
    """How the writers name places and read errors on AWS (``providers.core.engine.Cloud``)."""

    caught: tuple[type[BaseException], ...] = (ClientError, BotoCoreError, ProviderError)

    def __init__(self, scope: Scope) -> None:
        self.scope = scope

    def where(self, key: str) -> str:
        return where(self.scope, key)

    def code(self, exc: BaseException) -> str | None:
        return error_code(exc) if isinstance(exc, ClientError) else None

    def failure(self, key: str, exc: BaseException) -> str:
        if isinstance(exc, ProviderError):
            return str(exc)
        return str(translate(exc, self.where(key))) if isinstance(exc, Exception) else str(exc)
