"""Policy files → plain data, and where every value was written.

In: a path (or text and a file name). Out: a ``Source``: the top-level mapping as plain Python
data plus a ``SourceMap`` from field path (``segments[2].members[0].tags``) to file, line and
column, 1-based. Problems come back as located diagnostics, never as exceptions.

The data is built from PyYAML's composed node tree (``yaml.compose`` with the safe loader)
rather than from ``yaml.safe_load`` because only the nodes keep their marks, and because
``safe_load`` silently keeps the last of two equal keys: here a duplicate key is an error.
Merge keys (``<<: *defaults``) are honoured, own keys winning, as YAML specifies.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple

import yaml
from yaml.constructor import SafeConstructor

from orchestrator.diagnostics import Diagnostic, error
from orchestrator.model.composer import DepthError, compose, expansion

# Limits that keep a hostile file from costing more than a fraction of a second (docs/policy.md,
# "Limits"). 16 MiB holds a policy of 100,000 segments. Aliases may add as many values as the
# file writes, or 10,000 if that is more: `<<: *defaults` on every member of a large policy adds
# a few per member, a 1 KB "billion laughs" file adds 10^9.
MAX_FILE_BYTES = 16 * 1024 * 1024
MIN_ALIAS_VALUES = 10_000

_MERGE_TAG = "tag:yaml.org,2002:merge"
_STR_TAG = "tag:yaml.org,2002:str"
# The YAML types a policy is written in (JSON's). Others are refused where they stand, not
# coerced: !!binary would become text, !!timestamp a date, !!set a mapping, !!python/… nothing.
_POLICY_TAGS = frozenset(
    f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "seq", "map")
)
_PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
_LAST_STEP = re.compile(r'(\.[A-Za-z_][A-Za-z0-9_-]*|\[\d+\]|\["(?:[^"\\]|\\.)*"\])$')


class Location(NamedTuple):
    """1-based. A named tuple, not a frozen dataclass: one is made per value of a policy, and
    a frozen dataclass's __init__ was a tenth of loading a large one."""

    file: str
    line: int
    column: int


def key_path(parent: str, key: object) -> str:
    """``parent.key``, or ``parent["odd key"]`` when the key is not a plain word."""
    if isinstance(key, str) and _is_plain(key):
        return f"{parent}.{key}" if parent else key
    return f"{parent}[{json.dumps(str(key))}]"


@functools.lru_cache(maxsize=4096)
def _is_plain(key: str) -> bool:
    # Cached: a policy repeats a handful of keys (name, members, account, …) thousands of times.
    return _PLAIN_KEY.fullmatch(key) is not None


def index_path(parent: str, index: int) -> str:
    return f"{parent}[{index}]"


def parent_path(path: str) -> str | None:
    """The path one step up, or None at the top (the empty path)."""
    if not path:
        return None
    match = _LAST_STEP.search(path)
    return path[: match.start()] if match else ""


@dataclass(frozen=True)
class SourceMap:
    """Where each value (``values``) and each mapping key (``keys``) was written."""

    values: Mapping[str, Location] = field(default_factory=dict)
    keys: Mapping[str, Location] = field(default_factory=dict)

    def find(self, path: str, *, at_key: bool = False) -> Location | None:
        """The location of ``path``, else of the nearest enclosing path that has one."""
        if at_key and path in self.keys:
            return self.keys[path]
        current: str | None = path
        while current is not None:
            if current in self.values:
                return self.values[current]
            current = parent_path(current)
        return None

    def locate(self, diagnostic: Diagnostic, *, at_key: bool = False) -> Diagnostic:
        """Fill file, line and column from ``diagnostic.path``; a located one is kept as is."""
        if diagnostic.file is not None:
            return diagnostic
        where = self.find(diagnostic.path, at_key=at_key)
        if where is None:
            return diagnostic
        return replace(diagnostic, file=where.file, line=where.line, column=where.column)


@dataclass(frozen=True)
class Source:
    """One policy file: its top-level mapping and where everything in it was written."""

    file: str
    data: dict[object, object]
    map: SourceMap
    digest: str = ""  # sha256 of the file's bytes: what a saved plan checks its policy by


def read_source(path: Path) -> tuple[Source | None, list[Diagnostic]]:
    """Read and parse one policy file; the file name in diagnostics is ``str(path)``."""
    file = str(path)
    raw = read_bounded(path)
    if isinstance(raw, str):
        return None, [_at(file, None, raw)]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        where = _byte_location(file, raw, exc.start)
        summary = f"not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8"
        return None, [_at(file, where, summary)]
    source, problems = parse_source(text, file)
    if source is not None:
        source = replace(source, digest=hashlib.sha256(raw).hexdigest())
    return source, problems


def read_bounded(path: Path) -> bytes | str:
    """The file's bytes, or why they cannot be had; never more than ``MAX_FILE_BYTES`` + 1
    are read, so a huge (or endless, /dev/zero) file costs no more than a large one."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return _too_large(path.stat().st_size)
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        return "file not found"
    except IsADirectoryError:
        return "is a directory, not a policy file"
    except OSError as exc:
        return f"cannot read the file: {exc.strerror or exc}"
    return _too_large(len(raw)) if len(raw) > MAX_FILE_BYTES else raw


def parse_source(text: str, file: str) -> tuple[Source | None, list[Diagnostic]]:
    """Parse policy text; a Source comes back when the top level is a mapping.

    Duplicate keys give diagnostics *and* a Source (first value kept), so that the rest of
    the file is still checked and every problem is reported in one go.
    """
    if len(text) > MAX_FILE_BYTES:
        return None, [_at(file, None, _too_large(len(text.encode("utf-8"))))]
    try:
        root, aliases = compose(text)
    except yaml.MarkedYAMLError as exc:
        return None, [_syntax_error(file, exc)]
    except yaml.reader.ReaderError as exc:
        where = _char_location(file, text, exc.position)
        return None, [_at(file, where, f"character {exc.character!r} is not allowed in YAML")]
    if not isinstance(root, yaml.MappingNode):
        return None, [_not_a_mapping(file, root)]
    builder = _Builder(file)
    builder.values[""] = _mark(file, root.start_mark)
    # Without an alias nothing expands: the count is skipped for the common case.
    bomb = _alias_bomb(file, root) if aliases else None
    if bomb is not None:
        return None, [bomb]
    data = builder.mapping(root, "", frozenset())
    # A node reached again through an alias would report its problems again, under another path.
    unique = {(d.line, d.column, d.summary): d for d in reversed(builder.diagnostics)}
    problems = list(reversed(unique.values()))
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return Source(file, data, SourceMap(builder.values, builder.keys), digest), problems


def _alias_bomb(file: str, root: yaml.Node) -> Diagnostic | None:
    distinct, extra, culprit = expansion(root, MIN_ALIAS_VALUES)
    allowed = max(MIN_ALIAS_VALUES, distinct)
    if culprit is None or extra <= allowed:
        return None
    summary = (
        f"aliases here expand the file's {distinct:,} values by {extra:,} more (an alias of an "
        f"alias of …, a 'billion laughs'); at most {allowed:,} are allowed: write the values out"
    )
    return _at(file, _mark(file, culprit.start_mark), summary)


def _foreign_tag(tag: str) -> str:
    short = tag.replace("tag:yaml.org,2002:", "!!")
    return f"the YAML type {short} is not used in policies; write plain text, numbers and lists"


def _too_large(size: int) -> str:
    return (
        f"the file is {size / 2**20:.1f} MiB; a policy file may be at most "
        f"{MAX_FILE_BYTES // 2**20} MiB (split a larger policy into several files)"
    )


def _not_a_mapping(file: str, root: yaml.Node | None) -> Diagnostic:
    if root is None:
        summary = "the file is empty; a policy file is a mapping starting with 'version: 1'"
        return _at(file, Location(file, 1, 1), summary)
    kind = "a list" if isinstance(root, yaml.SequenceNode) else "a single value"
    summary = f"the top level must be a mapping (version:, name:, accounts: …), not {kind}"
    return _at(file, _mark(file, root.start_mark), summary)


class _Builder:
    """Turns composed nodes into plain data, recording marks and collecting problems."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.values: dict[str, Location] = {}
        self.keys: dict[str, Location] = {}
        self.diagnostics: list[Diagnostic] = []
        self._scalars = SafeConstructor()

    def build(self, node: yaml.Node, path: str, active: frozenset[int]) -> object:
        self.values[path] = _mark(self.file, node.start_mark)
        if node.tag not in _POLICY_TAGS:
            self._problem(node, path, _foreign_tag(node.tag))
            return None
        if id(node) in active:
            self._problem(node, path, "an alias refers to the list or mapping that contains it")
            return None
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path, active)
        if isinstance(node, yaml.SequenceNode):
            inner = active | {id(node)}
            return [self.build(n, index_path(path, i), inner) for i, n in enumerate(node.value)]
        return self._scalar(node, path)

    def mapping(
        self, node: yaml.MappingNode, path: str, active: frozenset[int]
    ) -> dict[object, object]:
        result: dict[object, object] = {}
        self._merge_into(result, node, path, active | {id(node)})
        return result

    def _merge_into(
        self,
        result: dict[object, object],
        node: yaml.MappingNode,
        path: str,
        active: frozenset[int],
    ) -> None:
        # Merged-in keys go first so that the mapping's own keys overwrite them, values and
        # recorded locations alike; of several merged mappings the earliest wins (YAML spec).
        own = [(k, v) for k, v in node.value if k.tag != _MERGE_TAG]
        for key_node, merged in reversed([(k, v) for k, v in node.value if k.tag == _MERGE_TAG]):
            sources = merged.value if isinstance(merged, yaml.SequenceNode) else [merged]
            for source in reversed(sources):
                if isinstance(source, yaml.MappingNode) and id(source) not in active:
                    self._merge_into(result, source, path, active | {id(source)})
                else:
                    self._problem(key_node, path, "'<<' merges mappings only (<<: *anchor)")
        self._own_keys(result, own, path, active)

    def _own_keys(
        self,
        result: dict[object, object],
        pairs: list[tuple[yaml.Node, yaml.Node]],
        path: str,
        active: frozenset[int],
    ) -> None:
        first: dict[object, Location] = {}
        for key_node, value_node in pairs:
            if not isinstance(key_node, yaml.ScalarNode):
                self._problem(
                    key_node, path, "a mapping key must be a plain word, not a list or mapping"
                )
                continue
            key = self._scalar(key_node, path)
            if not isinstance(key, str):
                self._problem(key_node, path, f"a mapping key must be a word, not {key!r}")
                continue
            where = _mark(self.file, key_node.start_mark)
            child = key_path(path, key)
            if key in first:
                previous = first[key]
                summary = f"duplicate key '{key}' (first written at line {previous.line})"
                self.diagnostics.append(_at(self.file, where, summary, path=child))
                continue
            first[key] = self.keys[child] = where
            result[key] = self.build(value_node, child, active)

    def _scalar(self, node: yaml.Node, path: str) -> object:
        if node.tag == _STR_TAG and isinstance(node, yaml.ScalarNode):
            return node.value  # most values: skip the constructor's dispatch, same result
        try:
            return self._scalars.construct_object(node)
        except yaml.YAMLError as exc:
            self._problem(node, path, f"cannot read this value: {getattr(exc, 'problem', exc)}")
            return None

    def _problem(self, node: yaml.Node, path: str, summary: str) -> None:
        self.diagnostics.append(_at(self.file, _mark(self.file, node.start_mark), summary, path))


def _syntax_error(file: str, exc: yaml.MarkedYAMLError) -> Diagnostic:
    mark = exc.problem_mark or exc.context_mark
    where = _mark(file, mark) if mark is not None else None
    problem = exc.problem or "not valid YAML"
    if isinstance(exc, DepthError):
        return _at(file, where, problem)  # valid YAML, refused for its depth
    if "'\\t'" in problem:
        return _at(file, where, "a tab character cannot indent YAML; indent with spaces")
    context = f"{exc.context}: " if exc.context else ""
    start = exc.context_mark
    # An unclosed bracket is found at the end of the file; say where it was opened.
    if exc.context and start is not None and mark is not None and start.line != mark.line:
        context = f"{exc.context} (opened at line {start.line + 1}): "
    return _at(file, where, f"YAML syntax error: {context}{problem}")


def _mark(file: str, mark: yaml.Mark) -> Location:
    return Location(file, mark.line + 1, mark.column + 1)


def _char_location(file: str, text: str, position: int) -> Location:
    before = text[:position]
    return Location(file, before.count("\n") + 1, position - (before.rfind("\n") + 1) + 1)


def _byte_location(file: str, raw: bytes, position: int) -> Location:
    # The column counts bytes: the line cannot be decoded, so characters are unknown.
    before = raw[:position]
    return Location(file, before.count(b"\n") + 1, position - (before.rfind(b"\n") + 1) + 1)


def _at(file: str, where: Location | None, summary: str, path: str = "") -> Diagnostic:
    located = error(summary, path=path)
    if where is None:
        return replace(located, file=file)
    return replace(located, file=file, line=where.line, column=where.column)
