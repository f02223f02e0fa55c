"""Ids, clocks and token pagination shared by the product models."""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from typing import TypeVar

from moto_fixtures.alibaba import errors

T = TypeVar("T")


class Ids:
    """Deterministic ids: ``sg-`` + 20 base-36 digits from a counter per prefix."""

    def __init__(self) -> None:
        self._counters: dict[str, itertools.count[int]] = {}

    def new(self, prefix: str) -> str:
        n = next(self._counters.setdefault(prefix, itertools.count(1)))
        digits = "0123456789abcdefghijklmnopqrstuvwxyz"
        out = ""
        value = n * 7919 + 1_000_003  # spread consecutive ids so they do not look sequential
        while value:
            value, r = divmod(value, 36)
            out = digits[r] + out
        return f"{prefix}-eastwest{out.rjust(12, '0')}"


def iso_now(with_seconds: bool = True) -> str:
    # ECS and VPC print seconds, CBN does not (its responseDemo: "2021-06-15T07:01Z").
    return time.strftime("%Y-%m-%dT%H:%M:%SZ" if with_seconds else "%Y-%m-%dT%H:%MZ", time.gmtime())


def page_by_token(
    items: Sequence[T],
    next_token: str | None,
    max_results: int,
    bad_token: type[errors.AlibabaError],
) -> tuple[list[T], str]:
    """A page from an opaque token (here the offset); the last page has token ``""``."""
    start = 0
    if next_token:
        if not next_token.isdigit() or int(next_token) > len(items):
            raise bad_token()
        start = int(next_token)
    end = start + max_results
    return list(items[start:end]), (str(end) if end < len(items) else "")


def page_by_number(items: Sequence[T], page_number: int, page_size: int) -> list[T]:
    start = (page_number - 1) * page_size
    return list(items[start : start + page_size])


def int_param(params: dict[str, str], name: str, default: int, low: int, high: int | None) -> int:
    """An integer parameter within the metadata's minimum/maximum, else ``InvalidParameter``."""
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    if not raw.lstrip("-").isdigit():
        raise errors.InvalidParameter(f"The specified parameter {name} is invalid.")
    value = int(raw)
    if value < low or (high is not None and value > high):
        raise errors.InvalidParameter(f"The specified parameter {name} is invalid.")
    return value
