"""One exception per PAN-OS XML API error code (the API's documented table), as moto keeps one
class per cloud error. Each knows its ``code``, its message and the HTTP status the firewall
sends with it: 403 for credentials (urllib then raises, and pan-python reports
``URLError: code: 403``), 200 for every other error, which sits in the body's
``<response status="error" code="…">``.
"""

from __future__ import annotations


class PanosError(Exception):
    code = 1
    http_status = 200
    default = "Unknown command"
    in_result = False  # keygen and credential errors put <msg> under <result>

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.default)
        self.message = message or self.default


class BadRequestError(PanosError):
    code = 400
    default = "Bad request"
    in_result = True


class InvalidCredentialError(PanosError):
    code = 403
    http_status = 403
    default = "Invalid Credential"
    in_result = True


class InvalidCredentialsError(InvalidCredentialError):
    """``type=keygen`` with a wrong user or password: pan-os-python matches this text."""

    default = "Invalid credentials."


class UnknownCommandError(PanosError):
    code = 1


class BadXpathError(PanosError):
    code = 6

    def __init__(self, xpath: str = "") -> None:
        super().__init__(f"Bad Xpath: {xpath}" if xpath else "Bad Xpath")


class ObjectNotPresentError(PanosError):
    code = 7
    default = "No such node"


class InvalidObjectError(PanosError):
    code = 12
    default = "Invalid object"


class ObjectNotFoundError(PanosError):
    code = 13
    default = "Object not found"


class OperationNotPossibleError(PanosError):
    code = 14
    default = "Operation not possible"


class OperationDeniedError(PanosError):
    code = 15
    default = "Operation denied"


class InvalidCommandError(PanosError):
    code = 17
    default = "Invalid command"


class MalformedCommandError(PanosError):
    code = 18
    default = "Malformed command"
