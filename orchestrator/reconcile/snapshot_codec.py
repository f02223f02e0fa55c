"""One scope's reads of an interval (``pipeline.EstateReads``) as JSON, and back: what the queue
workers share through the store (``snapshot_store.py``).

In: a ``ScopeInventory`` or ``TransitInventory``. Out: plain JSON (objects, lists, strings,
numbers) and the same value decoded from it.
Always: decoding builds only the value classes listed in ``_CLASSES`` (a row is data, never
code: no pickle, no import by name), with their own constructors, so a tampered or foreign row
is refused with ``SnapshotFormatError`` rather than run; lists decode as tuples (every sequence
of these frozen values is one) and ``decode(encode(x)) == x``.

The raw answers a scope's inventory kept for its tick (``EstateReads.kept``: the clouds' own
payloads, JSON-shaped) travel as JSON text, one per kind, decoded only by the worker that ticks
the scope (``encode_payload``/``decode_payload``): plain JSON values and datetimes (boto3's
``AttachTime``…), nothing else; a payload holding any other type is not stored (the worker that
ticks its scope reads it itself).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from typing import Any

from orchestrator.errors import StoreError
from orchestrator.state import Scope, ScopeInventory, TransitInventory
from orchestrator.state.attachments import Interface
from orchestrator.state.inventory import Network, Subnet
from orchestrator.state.routing import HopKind, HubInfo, NextHop, TransitAttachment

_CLASSES: dict[str, type[Any]] = {
    c.__name__: c
    for c in (
        Scope, ScopeInventory, Network, Subnet, Interface,
        TransitInventory, HubInfo, NextHop, TransitAttachment, HopKind,
    )
}  # fmt: skip
_TYPE, _MAP, _ENUM = "$t", "$m", "$e"
_DATETIME = "$dt"


class SnapshotFormatError(StoreError):
    """A stored snapshot that is not one this version wrote: it is read again instead."""


def encode(value: object) -> object:
    if isinstance(value, Enum):
        return {_ENUM: type(value).__name__, "v": value.value}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {_TYPE: type(value).__name__, **fields}
    if isinstance(value, Mapping):
        return {_MAP: [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, tuple | list):
        return [encode(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise SnapshotFormatError(f"snapshot: cannot store a {type(value).__name__}")


def decode(data: object) -> Any:
    if isinstance(data, list):
        return tuple(decode(v) for v in data)
    if not isinstance(data, dict):
        return data
    if _MAP in data:
        return {decode(k): decode(v) for k, v in data[_MAP]}
    if _ENUM in data:
        return _class(data[_ENUM])(data["v"])
    cls = _class(data.get(_TYPE))
    try:
        return cls(**{k: decode(v) for k, v in data.items() if k != _TYPE})
    except (TypeError, ValueError) as exc:
        raise SnapshotFormatError(f"snapshot: a {cls.__name__} this version cannot build") from exc


def _class(name: object) -> type[Any]:
    cls = _CLASSES.get(str(name))
    if cls is None:
        raise SnapshotFormatError(f"snapshot: {name!r} is not a value a snapshot holds")
    return cls


def encode_payload(value: object) -> str:
    """JSON text of a cloud payload; ``SnapshotFormatError`` for a type JSON cannot carry."""
    try:
        return json.dumps(value, default=_tagged, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise SnapshotFormatError(f"snapshot: a payload it cannot store: {exc}") from exc


def decode_payload(text: str) -> Any:
    try:
        return json.loads(text, object_hook=_untagged)
    except ValueError as exc:  # json.JSONDecodeError, and a malformed datetime
        raise SnapshotFormatError(f"snapshot: an unreadable payload: {exc}") from exc


def _tagged(value: object) -> object:
    if isinstance(value, datetime):
        return {_DATETIME: value.isoformat()}
    raise TypeError(f"a {type(value).__name__}")


def _untagged(value: dict[str, Any]) -> object:
    if len(value) == 1 and _DATETIME in value:
        return datetime.fromisoformat(str(value[_DATETIME]))
    return value
