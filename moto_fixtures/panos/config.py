"""The ``type=config`` actions on one configuration tree: get, show, set, edit, delete, move.

In: a tree (the candidate or the running configuration), an XPath and, for writes, the
``element`` parameter as sent (an XML fragment, possibly several sibling elements). Out: the
``<result>`` element of a read; writes change the tree in place. Always: a write that fails
raises before it has changed anything; the ``predefined`` part of the tree is read-only, as on
the firewall.
"""

from __future__ import annotations

import copy
from xml.etree import ElementTree as ET

from moto_fixtures.panos import xpath as xp
from moto_fixtures.panos.errors import (
    InvalidObjectError,
    MalformedCommandError,
    ObjectNotPresentError,
    OperationDeniedError,
    OperationNotPossibleError,
)

_READ_ONLY = "/config/predefined"


def get(tree: ET.Element, path: str) -> ET.Element:
    """Candidate reads: nothing found is an empty success, as on the firewall."""
    found = xp.select(tree, path)
    result = ET.Element("result", {"total-count": str(len(found)), "count": str(len(found))})
    result.extend(copy.deepcopy(node) for node in found)
    return result


def show(tree: ET.Element, path: str) -> ET.Element:
    """Running reads: nothing found is ``No such node`` (code 7)."""
    found = xp.select(tree, path)
    if not found:
        raise ObjectNotPresentError()
    result = ET.Element("result")
    result.extend(copy.deepcopy(node) for node in found)
    return result


def parse_element(text: str) -> list[ET.Element]:
    try:
        wrapper = ET.fromstring(f"<eastwest-element>{text}</eastwest-element>")  # noqa: S314 (expat expands no external entities; a loopback fake)
    except ET.ParseError as exc:
        raise MalformedCommandError(f"Malformed Request: {exc}") from None
    return list(wrapper)


def set_(tree: ET.Element, path: str, element: str) -> None:
    """Merge ``element``'s nodes into the node at ``path``, made if missing."""
    _writable(path)
    nodes = parse_element(element)
    node = xp.ensure(tree, path)
    for child in nodes:
        merge(node, child)


def edit(tree: ET.Element, path: str, element: str) -> None:
    """Replace the node at ``path`` with ``element`` (one node, of the same tag and name)."""
    _writable(path)
    nodes = parse_element(element)
    step = xp.parse(path)[-1]
    if len(nodes) != 1 or nodes[0].tag != step.tag:
        raise InvalidObjectError("edit breaks config validity")
    if step.single_name is not None and nodes[0].get("name") != step.single_name:
        raise InvalidObjectError("edit breaks config validity")
    node = xp.ensure(tree, path)
    node.clear()
    node.attrib.update(nodes[0].attrib)
    node.text = nodes[0].text
    node.extend(copy.deepcopy(list(nodes[0])))


def delete(tree: ET.Element, path: str) -> bool:
    """Remove every node at ``path``; False when there was none."""
    _writable(path)
    pairs = xp.select_with_parents(tree, path)
    for parent, node in pairs:
        parent.remove(node)
    return bool(pairs)


def move(tree: ET.Element, path: str, where: str, dst: str | None) -> None:
    """Reorder one entry among its siblings (rules): top, bottom, before or after ``dst``."""
    _writable(path)
    pairs = xp.select_with_parents(tree, path)
    if len(pairs) != 1:
        raise ObjectNotPresentError()
    parent, node = pairs[0]
    if where in ("before", "after"):
        anchor = next((c for c in parent if c.get("name") == dst and c is not node), None)
        if anchor is None:
            raise OperationNotPossibleError(f"Cannot move: '{dst}' is not a sibling of the entry")
    elif where not in ("top", "bottom"):
        raise InvalidObjectError(f"Illegal value for parameter 'where' [{where}]")
    parent.remove(node)
    siblings = list(parent)
    if where == "top":
        index = 0
    elif where == "bottom":
        index = len(siblings)
    else:
        assert anchor is not None  # checked above for before/after
        index = siblings.index(anchor) + (1 if where == "after" else 0)
    parent.insert(index, node)


def merge(target: ET.Element, new: ET.Element) -> None:
    """``set``'s merge: entries by name, members by value, other leaves replaced."""
    if new.tag == "member":
        if not any(m.text == new.text for m in target.findall("member")):
            target.append(copy.deepcopy(new))
        return
    if "name" in new.attrib:
        existing = next(
            (c for c in target if c.tag == new.tag and c.get("name") == new.get("name")), None
        )
    else:
        existing = target.find(new.tag)
    if existing is None:
        target.append(copy.deepcopy(new))
        return
    existing.attrib.update(new.attrib)
    if len(new) == 0:
        existing.text = new.text
        return
    for child in new:
        merge(existing, child)


def _writable(path: str) -> None:
    if path.startswith(_READ_ONLY):
        raise OperationDeniedError("predefined configuration cannot be changed")


def select_any(tree: ET.Element, path: str) -> bool:
    return bool(xp.select(tree, path))


def snapshot(tree: ET.Element) -> ET.Element:
    return copy.deepcopy(tree)
