"""eastwest's own retries: what is retried, how long it waits, and when it gives up."""

from __future__ import annotations

import pytest

from orchestrator.errors import PermanentError, TemporaryError
from providers.alibaba.errors import ApiError, is_retryable, redact, translate
from providers.alibaba.retry import Backoff, with_retries


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


def _backoff(clock: Clock, **kw: float) -> Backoff:
    return Backoff(sleep=clock.sleep, clock=lambda: clock.now, rand=lambda: 1.0, **kw)  # type: ignore[arg-type]


def _failing(errors: list[ApiError]) -> tuple[list[int], object]:
    calls: list[int] = []

    def call() -> str:
        calls.append(1)
        if errors:
            raise errors.pop(0)
        return "ok"

    return calls, call


@pytest.mark.parametrize(
    ("code", "status", "retried"),
    [
        ("Throttling", 400, True),
        ("Throttling.User", 400, True),
        ("ServiceUnavailable", 503, True),
        ("InternalError", 500, True),
        ("OperationConflict", 400, True),
        ("IncorrectStatus.TransitRouter", 400, True),  # a busy router (the creates' code)
        ("IncorrectStatus.PrefixList", 400, True),
        ("SDK.HttpError", None, True),
        ("InvalidParameter", 400, False),
        ("InvalidSecurityGroupId.NotFound", 404, False),
        ("Forbidden.RAM", 403, False),
    ],
)
def test_what_is_retried(code: str, status: int | None, retried: bool) -> None:
    error = ApiError("X", code, "m", status)
    assert is_retryable(error) is retried
    assert isinstance(translate(error, "where"), TemporaryError if retried else PermanentError)


def test_backoff_grows_exponentially_and_is_capped() -> None:
    clock = Clock()
    calls, call = _failing([ApiError("X", "Throttling.User", "m", 400)] * 5)
    assert with_retries(call, _backoff(clock, base_s=0.1, cap_s=0.5)) == "ok"  # type: ignore[arg-type]
    assert len(calls) == 6
    assert clock.waits == [0.2, 0.4, 0.5, 0.5, 0.5]


def test_jitter_is_drawn_below_the_exponential_bound() -> None:
    draws = iter([0.5, 0.25])
    backoff = Backoff(base_s=1.0, cap_s=100.0, rand=lambda: next(draws))
    assert backoff.delay(1) == 1.0
    assert backoff.delay(3) == 2.0


def test_gives_up_after_the_attempts_with_the_last_error() -> None:
    clock = Clock()
    calls, call = _failing([ApiError("X", "Throttling", f"m{i}", 400) for i in range(10)])
    with pytest.raises(ApiError, match="m3"):
        with_retries(call, _backoff(clock, attempts=4))  # type: ignore[arg-type]
    assert len(calls) == 4


def test_never_sleeps_past_the_deadline() -> None:
    clock = Clock()
    calls, call = _failing([ApiError("X", "Throttling", "m", 400)] * 10)
    with pytest.raises(ApiError):
        with_retries(call, _backoff(clock, base_s=1.0, cap_s=1.0, deadline_s=2.5))  # type: ignore[arg-type]
    assert clock.now <= 2.5
    assert len(calls) == 3


def test_a_permanent_error_is_not_retried() -> None:
    clock = Clock()
    calls, call = _failing([ApiError("X", "InvalidParameter", "m", 400)])
    with pytest.raises(ApiError):
        with_retries(call, _backoff(clock))  # type: ignore[arg-type]
    assert len(calls) == 1
    assert clock.waits == []


def test_messages_lose_credentials() -> None:
    text = "url: /?AccessKeyId=LTAIabc&Signature=xyz%3D&Action=X and secret s3cr3t"
    clean = redact(text, ("s3cr3t",))
    assert "LTAIabc" not in clean
    assert "xyz" not in clean
    assert "s3cr3t" not in clean
    assert "Action=X" in clean


def test_an_encoded_string_to_sign_loses_its_key_and_signature() -> None:
    text = "POST&%2F&AccessKeyId%3DLTAIabc%26Action%3DX%26Signature%3Dq%252Bw%26Version%3D1"
    clean = redact(text)
    assert "LTAIabc" not in clean
    assert "q%252Bw" not in clean
    assert "Action%3DX" in clean
    assert "Version%3D1" in clean
    assert "string to sign" not in redact("bad. server string to sign is:POST&%2F&AccessKeyId%3Dk")
