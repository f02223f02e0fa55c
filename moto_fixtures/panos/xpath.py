"""The part of XPath the PAN-OS XML API uses to name configuration nodes.

In: an absolute path such as ``/config/devices/entry[@name='localhost.localdomain']/vsys/
entry[@name='vsys1']/rulebase/security/rules/entry[@name='a' or @name='b']``. Out: the matching
elements of a tree (``select``), or the one node a ``set``/``edit`` writes into, made on the way
when a step names a single entry (``ensure``). Always: steps are element names with optional
predicates ``@attr='v'`` or ``text()='v'`` joined by ``or``, as pan-os-python and the web UI's
API browser write them; anything else is a ``BadXpathError`` (code 6), never a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.etree import ElementTree as ET

from moto_fixtures.panos.errors import BadXpathError

_TERM = re.compile(r"""\s*(?:@([\w-]+)|text\(\))\s*=\s*(?:'([^']*)'|"([^"]*)")\s*""")
_NAME = re.compile(r"^[\w.-]+$")


@dataclass(frozen=True)
class Term:
    attribute: str | None  # None: the element's text
    value: str

    def matches(self, element: ET.Element) -> bool:
        if self.attribute is None:
            return (element.text or "").strip() == self.value
        return element.get(self.attribute) == self.value


@dataclass(frozen=True)
class Step:
    tag: str
    terms: tuple[Term, ...]  # any of them (``or``); empty: every element of the tag

    def matches(self, element: ET.Element) -> bool:
        return element.tag == self.tag and (
            not self.terms or any(t.matches(element) for t in self.terms)
        )

    @property
    def single_name(self) -> str | None:
        """The name this step pins, when it pins exactly one ``@name``."""
        if len(self.terms) == 1 and self.terms[0].attribute == "name":
            return self.terms[0].value
        return None


def parse(xpath: str) -> list[Step]:
    if not xpath.startswith("/"):
        raise BadXpathError(xpath)
    parts = _split(xpath[1:])
    if not parts or any(not p for p in parts):
        raise BadXpathError(xpath)
    return [_step(part, xpath) for part in parts]


def _split(text: str) -> list[str]:
    """Split on '/' outside brackets and quotes."""
    parts: list[str] = []
    current: list[str] = []
    depth, quote = 0, ""
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "[":
            depth += 1
        elif char == "]":
            depth -= 1
        elif char == "/" and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return parts


def _step(part: str, xpath: str) -> Step:
    tag, _, rest = part.partition("[")
    if not _NAME.match(tag):
        raise BadXpathError(xpath)
    if not rest:
        return Step(tag, ())
    if not rest.endswith("]"):
        raise BadXpathError(xpath)
    terms = []
    for piece in re.split(r"\s+or\s+", rest[:-1]):
        found = _TERM.fullmatch(piece)
        if found is None:
            raise BadXpathError(xpath)
        value = found.group(2) if found.group(2) is not None else found.group(3)
        terms.append(Term(found.group(1), value))
    return Step(tag, tuple(terms))


def select(root: ET.Element, xpath: str) -> list[ET.Element]:
    """Every element the path names (the root itself is its first step)."""
    steps = parse(xpath)
    if not steps[0].matches(root):
        return []
    found = [root]
    for step in steps[1:]:
        found = [child for parent in found for child in parent if step.matches(child)]
    return found


def select_with_parents(root: ET.Element, xpath: str) -> list[tuple[ET.Element, ET.Element]]:
    """``(parent, element)`` for every element the path names below the root."""
    steps = parse(xpath)
    if len(steps) < 2 or not steps[0].matches(root):
        return []
    parents = [root]
    pairs: list[tuple[ET.Element, ET.Element]] = []
    for step in steps[1:]:
        pairs = [(p, c) for p in parents for c in p if step.matches(c)]
        parents = [c for _, c in pairs]
    return pairs


def ensure(root: ET.Element, xpath: str) -> ET.Element:
    """The one element the path names, made (with its parents) where missing. A missing step
    must name at most one entry, or there is nothing definite to make."""
    steps = parse(xpath)
    if not steps[0].matches(root):
        raise BadXpathError(xpath)
    node = root
    for step in steps[1:]:
        matches = [child for child in node if step.matches(child)]
        if len(matches) > 1:
            raise BadXpathError(xpath)
        if matches:
            node = matches[0]
            continue
        if step.terms and step.single_name is None:
            raise BadXpathError(xpath)
        node = ET.SubElement(node, step.tag)
        if step.single_name is not None:
            node.set("name", step.single_name)
    return node
