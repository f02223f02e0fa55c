"""The policy files as the reconciler sees them: re-read on every tick, with the last good
policy kept in force while they are broken.

Re-read, not re-parsed: a tick hashes the files' bytes and parses them only when the digest
differs from the last load's, so a large unchanged policy costs a read per tick, not a parse
(ticks of many partitions would otherwise each pay the full load)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from orchestrator.diagnostics import Diagnostic
from orchestrator.errors import PolicyError
from orchestrator.model import LoadedPolicy, load_policy
from orchestrator.model.loader import files_digest


@dataclass(frozen=True, slots=True)
class PolicyView:
    """The policy in force, and the problems of the files as they are now (empty when the
    files are good; when not, ``loaded`` is the last good policy)."""

    loaded: LoadedPolicy
    problems: tuple[Diagnostic, ...] = ()


class PolicySource:
    """Thread-safe: partitions of one process read it concurrently."""

    def __init__(self, paths: Sequence[Path]) -> None:
        self.paths = tuple(paths)
        self._lock = threading.Lock()
        self._good: LoadedPolicy | None = None
        self._last: tuple[str, PolicyView] | None = None  # digest of the files, what they gave
        self.parses = 0  # how many times the files were parsed (for tests and metrics)

    def load(self) -> PolicyView:
        """Read the files now. Raises ``PolicyError`` only when no good policy was ever read:
        with nothing in force there is nothing safe to reconcile towards."""
        digest = files_digest(self.paths)
        with self._lock:
            last = self._last
        if digest is not None and last is not None and last[0] == digest:
            return last[1]
        view = self._parse()
        if digest is not None:
            with self._lock:
                self._last = (digest, view)
        return view

    def _parse(self) -> PolicyView:
        with self._lock:
            self.parses += 1
        try:
            loaded = load_policy(self.paths)
        except PolicyError as exc:
            with self._lock:
                if self._good is None:
                    raise
                return PolicyView(self._good, exc.diagnostics)
        with self._lock:
            self._good = loaded
        return PolicyView(loaded)
