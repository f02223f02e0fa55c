"""What the fake Log Service holds: projects, their logstores, each logstore's shards, and
each shard's log groups in the order they were received.

In: log groups put by the sandbox. Out: shards, cursors and slices of log groups.
Always: a cursor is what SLS's are, the base64 of a decimal position in the shard (the
position of the next log group to read); a cursor that does not decode, or points past
the shard's end, is ``InvalidCursor``; a missing project or logstore is
``ProjectNotExist`` / ``LogStoreNotExist``, with SLS's HTTP statuses.
"""

from __future__ import annotations

import base64
import binascii
import threading
import time
from dataclasses import dataclass, field


class SlsError(Exception):
    """One Log Service error: its HTTP status, ``errorCode`` and ``errorMessage``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True, slots=True)
class LogGroup:
    """Logs as one PutLogs call delivered them: (time, fields) each, and their topic."""

    received: int  # when the service received the group (Unix seconds): what GetCursor seeks
    logs: tuple[tuple[int, tuple[tuple[str, str], ...]], ...]
    topic: str = ""
    source: str = ""


@dataclass(slots=True)
class Logstore:
    shards: list[list[LogGroup]] = field(default_factory=list)
    created: int = field(default_factory=lambda: int(time.time()))


def encode_cursor(position: int) -> str:
    return base64.b64encode(str(position).encode()).decode()


def decode_cursor(cursor: str) -> int:
    try:
        return int(base64.b64decode(cursor.encode(), validate=True).decode())
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise SlsError(400, "InvalidCursor", f"cursor {cursor!r} is invalid") from None


class SlsStore:
    def __init__(self) -> None:
        self.projects: dict[str, dict[str, Logstore]] = {}
        self.lock = threading.Lock()

    def create(self, project: str, logstore: str, shards: int = 2) -> None:
        with self.lock:
            stores = self.projects.setdefault(project, {})
            stores.setdefault(logstore, Logstore([[] for _ in range(shards)]))

    def put(self, project: str, logstore: str, group: LogGroup, shard: int | None = None) -> int:
        """Append ``group`` to a shard (the least filled one unless ``shard`` says); returns
        the shard id."""
        with self.lock:
            shards = self.logstore(project, logstore).shards
            chosen = (
                min(range(len(shards)), key=lambda i: len(shards[i])) if shard is None else shard
            )
            shards[chosen].append(group)
            return chosen

    def logstore(self, project: str, logstore: str) -> Logstore:
        stores = self.projects.get(project)
        if stores is None:
            raise SlsError(404, "ProjectNotExist", f"Project {project} does not exist")
        found = stores.get(logstore)
        if found is None:
            raise SlsError(404, "LogStoreNotExist", f"logstore {logstore} does not exist")
        return found

    def shard(self, project: str, logstore: str, shard: int) -> list[LogGroup]:
        shards = self.logstore(project, logstore).shards
        if not 0 <= shard < len(shards):
            raise SlsError(404, "ShardNotExist", f"shard {shard} does not exist")
        return shards[shard]

    def cursor(self, project: str, logstore: str, shard: int, start: str) -> str:
        """GetCursor: ``begin``, ``end`` or a Unix time (the first group received then or later)."""
        with self.lock:
            groups = self.shard(project, logstore, shard)
            if start == "begin":
                return encode_cursor(0)
            if start == "end":
                return encode_cursor(len(groups))
            if not start.isdigit():
                raise SlsError(400, "ParameterInvalid", f"from {start!r} is invalid")
            at = int(start)
            return encode_cursor(
                next((i for i, g in enumerate(groups) if g.received >= at), len(groups))
            )

    def pull(
        self, project: str, logstore: str, shard: int, cursor: str, count: int
    ) -> tuple[list[LogGroup], str]:
        """PullLogs: up to ``count`` log groups from ``cursor``, and the next cursor (the
        same cursor at the shard's end)."""
        with self.lock:
            groups = self.shard(project, logstore, shard)
            start = decode_cursor(cursor)
            if not 0 <= start <= len(groups):
                raise SlsError(400, "InvalidCursor", f"cursor {cursor!r} is out of range")
            part = groups[start : start + count]
            return part, encode_cursor(start + len(part))
