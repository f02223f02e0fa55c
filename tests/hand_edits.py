"""Hand edits through boto3 in the test process, told apart from eastwest's writes.

A test's own EC2 write (a console user's) while a guard is armed (``ARMED.guard``, set by
tests/conftest.py around each test body) is a hand edit: what eastwest changed so far is checked
first, and the snapshot is taken again before eastwest calls next. eastwest's clients are told
apart by the ``eastwest`` in their user agent (providers/aws/session.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import botocore.handlers

from tests.ownership import OwnershipGuard, owned_group

_READS = ("Describe", "Get", "List", "Search")
_EDIT = "eastwest_hand_edit"


@dataclass
class _Armed:
    guard: OwnershipGuard | None = None


ARMED = _Armed()


def _before_call(params: Mapping[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
    guard = ARMED.guard
    if guard is None:
        return
    reads = str(model.name).startswith(_READS)
    if "eastwest" in str(params.get("headers", {}).get("User-Agent", "")).split():
        guard.eastwest_call(writes=not reads)
    elif not reads and not _on_owned_group(guard, params):
        guard.before_hand_write()
        context[_EDIT] = True


def _on_owned_group(guard: OwnershipGuard, params: Mapping[str, Any]) -> bool:
    group = params.get("body", {}).get("GroupId") if isinstance(params.get("body"), dict) else None
    return bool(group) and owned_group(guard.sandbox, str(group))


def _after_call(**kwargs: Any) -> None:
    if ARMED.guard is not None and kwargs.get("context", {}).get(_EDIT):
        ARMED.guard.after_hand_write()


def install_hand_edit_hooks() -> None:
    """Every botocore session made from now on sees the test process's EC2 calls."""
    hooks = [
        ("before-call.ec2", _before_call),
        ("after-call.ec2", _after_call),
        ("after-call-error.ec2", _after_call),
    ]
    botocore.handlers.BUILTIN_HANDLERS.extend(
        h for h in hooks if h not in botocore.handlers.BUILTIN_HANDLERS
    )
