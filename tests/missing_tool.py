"""One rule for a test whose tool is not on this machine (PostgreSQL's ``initdb``, Chromium):
a developer's run skips it with the reason; a CI run (``CI`` set, as CI services set it, to
anything but ``0``/``false``/``no``) fails it, so that a green CI never hides a test that did
not run."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import NoReturn

import pytest

_NOT_CI = {"", "0", "false", "no"}


def in_ci(environ: Mapping[str, str] = os.environ) -> bool:
    return environ.get("CI", "").strip().lower() not in _NOT_CI


def missing_tool(reason: str, environ: Mapping[str, str] = os.environ) -> NoReturn:
    """Skip the test, or fail it under CI; ``reason`` says what is missing and how to get it."""
    if in_ci(environ):
        pytest.fail(f"{reason} (under CI a missing tool fails the test, never skips it)")
    pytest.skip(reason)
