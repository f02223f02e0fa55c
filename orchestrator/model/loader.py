"""Policy files → a validated ``Policy``, or every problem with its file, line and field path.

The steps: read each file (``source.py``), merge the files into one document, validate it
with pydantic, translate pydantic's errors into diagnostics a network engineer can act on,
then run the semantic checks (``checks.py``) on a structurally valid policy. Problems from
every step are collected and raised together as one ``PolicyError``; warnings ride along on
the ``LoadedPolicy``.

Merging several files: ``version`` and ``name`` must agree wherever given (one file giving
each is enough); ``accounts``, ``hubs``, ``segments`` and ``rules`` are concatenated in file
order. Paths index the merged lists, and the source map sends each merged item back to the
file and line where it is written.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from orchestrator.diagnostics import Diagnostic, error, has_errors
from orchestrator.errors import PolicyError
from orchestrator.model.checks import check_policy
from orchestrator.model.messages import validate_structure
from orchestrator.model.policy import (
    Policy,
)
from orchestrator.model.source import (
    Location,
    Source,
    SourceMap,
    key_path,
    read_bounded,
    read_source,
)

_SECTIONS = ("accounts", "hubs", "segments", "rules")
_INDEX = re.compile(r"\[(\d+)\]")


@dataclass(frozen=True)
class LoadedPolicy:
    """A valid policy, its warnings (located), and where each of its fields was written."""

    policy: Policy
    warnings: tuple[Diagnostic, ...]
    source_map: SourceMap = field(default_factory=SourceMap, repr=False, compare=False)
    digest: str = ""  # of the files' bytes, in order: a saved plan names its policy by it

    def locate(self, diagnostic: Diagnostic) -> Diagnostic:
        """Fill file, line and column from ``diagnostic.path`` (e.g. ``segments[2].name``).

        Falls back to the nearest enclosing path that was written in a file; a diagnostic
        that already names a file is returned unchanged.
        """
        return self.source_map.locate(diagnostic)


def load_policy(paths: Sequence[Path]) -> LoadedPolicy:
    """Load, merge, validate and check policy files; raises ``PolicyError`` with all errors."""
    if not paths:
        raise PolicyError((error("no policy file given"),))
    sources, problems = _read_all(paths)
    # Validating what is left of an unreadable set would report what the missing file defines
    # as unknown: noise that hides the real problem.
    if len(sources) < len(paths):
        raise PolicyError(_ordered(problems, paths))
    data, source_map, merge_problems = _merge(sources)
    policy, structural = validate_structure(data, source_map)
    problems += merge_problems + structural
    if policy is not None:
        problems += [source_map.locate(d) for d in check_policy(policy)]
    ordered = _ordered(problems, paths)
    if policy is None or has_errors(ordered):
        raise PolicyError(ordered)
    return LoadedPolicy(policy, ordered, source_map, policy_digest(sources))


def policy_digest(sources: Sequence[Source]) -> str:
    """One digest of several files, in order (theirs concatenated, so no file can shift)."""
    return _combined(s.digest for s in sources)


def files_digest(paths: Sequence[Path]) -> str | None:
    """``LoadedPolicy.digest`` of the files as they are now, without parsing them (None when
    one cannot be read): how the reconciler tells an unchanged policy from a changed one."""
    digests = []
    for path in paths:
        raw = read_bounded(Path(path))
        if isinstance(raw, str):
            return None
        digests.append(hashlib.sha256(raw).hexdigest())
    return _combined(digests)


def _combined(digests: Iterable[str]) -> str:
    return f"sha256:{hashlib.sha256(chr(10).join(digests).encode()).hexdigest()}"


def _read_all(paths: Sequence[Path]) -> tuple[list[Source], list[Diagnostic]]:
    sources: list[Source] = []
    problems: list[Diagnostic] = []
    for path in paths:
        source, found = read_source(Path(path))
        problems += found
        if source is not None:
            sources.append(source)
    return sources, problems


def _ordered(problems: list[Diagnostic], paths: Sequence[Path]) -> tuple[Diagnostic, ...]:
    rank = {str(Path(p)): i for i, p in enumerate(paths)}

    def position(d: Diagnostic) -> tuple[int, int, int]:
        return (rank.get(d.file or "", -1), d.line or 0, d.column or 0)

    return tuple(sorted(dict.fromkeys(problems), key=position))


# --- merging several files -------------------------------------------------------------


def _merge(sources: Sequence[Source]) -> tuple[dict[object, object], SourceMap, list[Diagnostic]]:
    if len(sources) == 1:
        return sources[0].data, sources[0].map, []
    merger = _Merger(sources[0])
    for source in sources:
        merger.add(source)
    return merger.data, SourceMap(merger.values, merger.keys), merger.problems


class _Merger:
    def __init__(self, first: Source) -> None:
        self.data: dict[object, object] = {}
        self.values: dict[str, Location] = {"": first.map.values[""]}
        self.keys: dict[str, Location] = {}
        self.problems: list[Diagnostic] = []
        self._given_by: dict[object, Source] = {}
        self._lists: dict[str, list[object]] = {}

    def add(self, source: Source) -> None:
        for key, value in source.data.items():
            if key in _SECTIONS:
                self._extend(source, str(key), value)
            elif key not in self.data:
                self.data[key] = value
                self._given_by[key] = source
                self._copy(source, key_path("", key), 0)
            elif value != self.data[key] and key in ("version", "name"):
                self._disagree(source, str(key), value)
            # Any other key given twice is unknown; it is reported once, at its first file.

    def _extend(self, source: Source, key: str, value: object) -> None:
        if not isinstance(value, list):
            summary = "must be a list to be merged with the other policy files"
            self.problems.append(source.map.locate(error(summary, path=key)))
            return
        merged = self._lists.get(key)
        if merged is None:
            merged = self._lists[key] = []
            self.data[key] = merged
        self._copy(source, key, len(merged))
        merged.extend(value)

    def _copy(self, source: Source, prefix: str, offset: int) -> None:
        for mine, theirs in ((self.values, source.map.values), (self.keys, source.map.keys)):
            for path, where in theirs.items():
                shifted = _shift(path, prefix, offset)
                if shifted is not None:
                    mine.setdefault(shifted, where)

    def _disagree(self, source: Source, key: str, value: object) -> None:
        first = self._given_by[key]
        where = first.map.values.get(key)
        line = f" line {where.line}" if where else ""
        summary = (
            f"{key} {value!r} disagrees with {self.data[key]!r} in {first.file}{line}; "
            f"the files of one policy give the same {key}, or leave it out"
        )
        self.problems.append(source.map.locate(error(summary, path=key)))


def _shift(path: str, prefix: str, offset: int) -> str | None:
    """``segments[1].name`` → ``segments[4].name`` for offset 3; None outside ``prefix``."""
    if path == prefix:
        return path
    if not path.startswith(prefix) or path[len(prefix)] not in ".[":
        return None
    rest = path[len(prefix) :]
    index = _INDEX.match(rest)
    if index is not None and offset:
        rest = f"[{int(index[1]) + offset}]{rest[index.end() :]}"
    return prefix + rest
