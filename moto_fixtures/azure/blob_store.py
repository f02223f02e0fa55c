"""What the fake Blob service holds: storage accounts, their containers and block blobs.

In: blobs written or appended by the sandbox. Out: pages of a listing by prefix (with the
marker of the next page), a blob's bytes in a range, and Blob Storage's errors.
Always: names are listed in order, as the service lists them; a blob's ``ETag`` and
``Last-Modified`` change with each write; a range starting at or past a blob's end is
``InvalidRange`` (416), a missing container ``ContainerNotFound``, a missing blob
``BlobNotFound``, a missing account ``AccountNotFound`` hence ``ResourceNotFound``.
"""

from __future__ import annotations

import itertools
import threading
import time
from dataclasses import dataclass, field


class BlobError(Exception):
    """One Blob Storage error: HTTP status, ``x-ms-error-code`` and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.status, self.code, self.message = status, code, message


_etags = itertools.count(0x8DE0000000000)


@dataclass(slots=True)
class Blob:
    data: bytes
    created: float = field(default_factory=time.time)
    modified: float = field(default_factory=time.time)
    etag: str = field(default_factory=lambda: f'"0x{next(_etags):X}"')

    def write(self, data: bytes) -> None:
        self.data, self.modified, self.etag = data, time.time(), f'"0x{next(_etags):X}"'


class BlobStore:
    def __init__(self) -> None:
        self.accounts: dict[str, dict[str, dict[str, Blob]]] = {}
        self.lock = threading.Lock()

    def write(self, account: str, container: str, name: str, data: bytes) -> None:
        with self.lock:
            blobs = self.accounts.setdefault(account, {}).setdefault(container, {})
            if name in blobs:
                blobs[name].write(data)
            else:
                blobs[name] = Blob(data)

    def container(self, account: str, container: str) -> dict[str, Blob]:
        containers = self.accounts.get(account)
        if containers is None:
            raise BlobError(404, "ResourceNotFound", "The specified resource does not exist.")
        blobs = containers.get(container)
        if blobs is None:
            raise BlobError(404, "ContainerNotFound", "The specified container does not exist.")
        return blobs

    def list(
        self, account: str, container: str, prefix: str, marker: str, size: int
    ) -> tuple[list[tuple[str, Blob]], str]:
        """The blobs named from ``marker`` on that start with ``prefix``, at most ``size``,
        and the next page's marker ("" on the last page)."""
        with self.lock:
            names = sorted(n for n in self.container(account, container) if n.startswith(prefix))
            blobs = self.container(account, container)
            after = [n for n in names if n >= marker] if marker else names
            page, rest = after[:size], after[size:]
            return [(n, blobs[n]) for n in page], (rest[0] if rest else "")

    def read(
        self, account: str, container: str, name: str, first: int | None, last: int | None
    ) -> tuple[Blob, bytes, int]:
        """The bytes from ``first`` to ``last`` (inclusive, None: the end), the blob and its
        size."""
        with self.lock:
            blob = self.container(account, container).get(name)
            if blob is None:
                raise BlobError(404, "BlobNotFound", "The specified blob does not exist.")
            size = len(blob.data)
            if first is None:
                return blob, blob.data, size
            if first >= size:
                raise BlobError(
                    416,
                    "InvalidRange",
                    "The range specified is invalid for the current size of the resource.",
                )
            end = size - 1 if last is None else min(last, size - 1)
            return blob, blob.data[first : end + 1], size
