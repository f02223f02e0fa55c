"""YAML text → PyYAML's node tree, in one bounded pass over libyaml's events.

Why not ``yaml.compose``: PyYAML's composer recurses once per nesting level, so a file of
deeply nested brackets ends in ``RecursionError`` (or, in libyaml's composer, a C stack
overflow), and the pure-Python scanner behind it is the slowest step of loading a large policy.
Here libyaml scans and parses (C), and a loop with an explicit stack builds the same nodes
PyYAML would, refusing a file nested deeper than ``MAX_DEPTH`` at the bracket that goes too
deep. ``expansion`` then counts what aliases would expand to on the node graph, in linear
time, so that the caller can refuse a "billion laughs" before anything is expanded.

Same semantics as ``yaml.compose(text, Loader=yaml.SafeLoader)``: one document, implicit tags
resolved by the safe resolver, anchors defined once, undefined aliases refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.composer import ComposerError
from yaml.resolver import Resolver

MAX_DEPTH = 32  # a policy is 7 levels deep (segments → members → tags → value); 32 is generous
# libyaml's messages are terser than PyYAML's ("found character that cannot start any token"
# for a tab): a broken file up to this size is parsed again in Python for the clearer message.
# Small, because PyYAML's scanner takes about 4 µs a byte: 64 KiB stays well under a second.
_EXPLAIN_BYTES = 64 * 1024

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_RESOLVER = Resolver()
_STR_TAG, _SEQ_TAG, _MAP_TAG = (
    Resolver.DEFAULT_SCALAR_TAG,
    Resolver.DEFAULT_SEQUENCE_TAG,
    Resolver.DEFAULT_MAPPING_TAG,
)
# The first characters for which the safe resolver has an implicit type (bool, int, null, …);
# a plain scalar starting otherwise is text. Asking the resolver only then halves composing.
_TYPED_STARTS = frozenset(Resolver.yaml_implicit_resolvers)


def _resolve(value: str, implicit: tuple[bool, bool]) -> str:
    if implicit[0] and (not value or value[0] in _TYPED_STARTS):
        tag: str = _RESOLVER.resolve(yaml.ScalarNode, value, implicit)  # type: ignore[no-untyped-call]
        return tag
    return _STR_TAG  # quoted, or plain and not typed: what the resolver answers too


class DepthError(yaml.MarkedYAMLError):
    """Nested deeper than ``MAX_DEPTH``: refused before anything recurses on it."""


@dataclass
class _Frame:
    node: yaml.SequenceNode | yaml.MappingNode
    key: yaml.Node | None = None  # a mapping's key waiting for its value


# Events are typed Any: libyaml's events carry its own Mark type, which the stubs do not let
# into PyYAML's nodes although it has the same fields.
Event = Any


@dataclass
class _Composer:
    stack: list[_Frame] = field(default_factory=list)
    anchors: dict[str, yaml.Node] = field(default_factory=dict)
    root: yaml.Node | None = None
    documents: int = 0
    aliases: int = 0

    def event(self, event: Event) -> None:
        # By exact type: the isinstance chain was a fifth of composing a large policy.
        kind = type(event)
        if kind is yaml.ScalarEvent:
            self._scalar(event)
        elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            self._open(event)
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            closed = self.stack.pop().node
            closed.end_mark = event.end_mark
        elif kind is yaml.AliasEvent:
            self._alias(event)
        elif kind is yaml.DocumentStartEvent:
            self._document(event)

    def _document(self, event: Event) -> None:
        self.documents += 1
        if self.documents > 1:
            raise ComposerError(
                "expected a single document in the stream",
                self.root.start_mark if self.root else None,
                "but found another document",
                event.start_mark,
            )

    def _alias(self, event: Event) -> None:
        self.aliases += 1
        node = self.anchors.get(str(event.anchor))
        if node is None:
            raise ComposerError(
                None, None, f"found undefined alias {event.anchor!r}", event.start_mark
            )
        self._add(node)

    def _scalar(self, event: Event) -> None:
        tag = event.tag
        if tag is None or tag == "!":
            tag = _resolve(event.value, event.implicit)
        node = yaml.ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        self._anchor(event, node)
        self._add(node)

    def _open(self, event: Event) -> None:
        if len(self.stack) >= MAX_DEPTH:
            raise DepthError(
                None,
                None,
                f"nested more than {MAX_DEPTH} levels deep; a policy needs fewer than 10",
                event.start_mark,
            )
        kind = yaml.SequenceNode if isinstance(event, yaml.SequenceStartEvent) else yaml.MappingNode
        tag = event.tag
        if tag is None or tag == "!":
            tag = _SEQ_TAG if kind is yaml.SequenceNode else _MAP_TAG
        node = kind(tag, [], event.start_mark, None, event.flow_style)
        self._anchor(event, node)
        self._add(node)
        self.stack.append(_Frame(node))

    def _anchor(self, event: Event, node: yaml.Node) -> None:
        if event.anchor is None:
            return
        first = self.anchors.get(event.anchor)
        if first is not None:
            raise ComposerError(
                f"found duplicate anchor {event.anchor!r}; first occurrence",
                first.start_mark,
                "second occurrence",
                event.start_mark,
            )
        self.anchors[event.anchor] = node

    def _add(self, node: yaml.Node) -> None:
        if not self.stack:
            self.root = node
            return
        frame = self.stack[-1]
        if isinstance(frame.node, yaml.SequenceNode):
            frame.node.value.append(node)
        elif frame.key is None:
            frame.key = node
        else:
            frame.node.value.append((frame.key, node))
            frame.key = None


def compose(text: str) -> tuple[yaml.Node | None, int]:
    """The document's root node (None for an empty stream) and how many aliases it holds.
    Raises ``yaml.MarkedYAMLError`` (syntax, undefined alias, too deep) or
    ``yaml.reader.ReaderError`` (a bad character)."""
    try:
        return _compose(text, _LOADER)
    except DepthError:
        raise
    except yaml.MarkedYAMLError:
        if _LOADER is yaml.SafeLoader or len(text) > _EXPLAIN_BYTES:
            raise
    return _compose(text, yaml.SafeLoader)  # raises the same problem, in PyYAML's words


def _compose(
    text: str, loader: type[yaml.SafeLoader] | type[yaml.CSafeLoader]
) -> tuple[yaml.Node | None, int]:
    composer = _Composer()
    for event in yaml.parse(text, Loader=loader):
        composer.event(event)
    return composer.root, composer.aliases


def expansion(root: yaml.Node, allowed: int) -> tuple[int, int, yaml.Node | None]:
    """(distinct values, values aliases add, the node to blame when they add more than
    ``allowed``), counted on the node graph in linear time, before anything expands it."""
    sizes: dict[int, int] = {}
    _size(root, sizes)
    extra = sizes[id(root)] - len(sizes)
    culprit = _culprit(root, sizes, extra) if extra > allowed else None
    return len(sizes), extra, culprit


def _size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """The values ``node`` expands to (itself included). Recursion is bounded by MAX_DEPTH; an
    alias to an enclosing node counts nothing here (the builder refuses it)."""
    known = sizes.get(id(node))
    if known is not None:
        return known
    sizes[id(node)] = 0  # in progress: a cycle adds nothing
    total = 1 + sum(_size(child, sizes) for child in _children(node))
    sizes[id(node)] = total
    return total


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _culprit(root: yaml.Node, sizes: dict[int, int], extra: int) -> yaml.Node:
    """Down from the root along the largest child while it alone holds most of the excess
    (each node at most once: an alias cycle ends the walk)."""
    node, seen = root, {id(root)}
    while True:
        children = [c for c in _children(node) if id(c) not in seen]
        if not children:
            return node
        biggest = max(children, key=lambda c: sizes[id(c)])
        if sizes[id(biggest)] * 2 < extra:
            return node
        node = biggest
        seen.add(id(node))
