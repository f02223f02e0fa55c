"""Registered IPs (the User-ID API's ``<uid-message>``) and dynamic address groups, in the fake.

In: ``type=user-id`` requests (``cmd`` a ``<uid-message>`` with ``<register>`` /
``<unregister>`` entries: ``<entry ip="…"><tag><member>t</member>…``) and the op commands
``show object registered-ip [limit N] [start-point N] [tag <entry name="t"/>] [ip A]`` and
``show object dynamic-address-group all|name G``. Out: the device's ``registered`` map (IP →
tags) changed, or the result XML pan-os-python's ``UserId`` parses. Always: registered IPs are
runtime state, not configuration (no commit, kept across commits); a dynamic group's members
are the registered IPs whose tags satisfy its running ``<dynamic><filter>`` (quoted tags with
``and``, ``or`` and parentheses); unregistering a tag an IP does not hold is an error whose
message ends ``does not exist, ignore unreg`` (the one pan-os-python ignores), after the rest
of the message is applied; an unregister entry without tags removes all of the IP's tags.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from xml.etree import ElementTree as ET

from moto_fixtures.panos.device import Device
from moto_fixtures.panos.errors import MalformedCommandError, PanosError

Answer = tuple[ET.Element | None, str]
_TOKENS = re.compile(r"\s*('[^']*'|\(|\)|and\b|or\b)")


def run_userid(device: Device, cmd: str) -> Answer:
    message = _parse(cmd)
    if message.tag != "uid-message" or message.find("payload") is None:
        raise MalformedCommandError("uid-message with a payload expected")
    for entry in message.findall("payload/register/entry"):
        tags = device.registered.setdefault(_ip(entry), set())
        tags.update(m.text or "" for m in entry.findall("tag/member"))
    missing = [_unregister(device, entry) for entry in message.findall("payload/unregister/entry")]
    missing = [m for m in missing if m]
    if missing:
        raise PanosError(f"{missing[0]} does not exist, ignore unreg")
    result = ET.Element("result")
    ET.SubElement(ET.SubElement(result, "uid-response"), "version").text = "2.0"
    return result, ""


def _unregister(device: Device, entry: ET.Element) -> str:
    ip = _ip(entry)
    held = device.registered.get(ip, set())
    tags = {m.text or "" for m in entry.findall("tag/member")} or set(held)
    gone = sorted(tags - held)
    held -= tags
    if not held:
        device.registered.pop(ip, None)
    return f"ip {ip} tag {gone[0]}" if gone else ""


def show_registered(device: Device, admin: str, root: ET.Element) -> Answer:
    del admin
    command = root.find("object/registered-ip")
    assert command is not None  # the dispatch matched on it
    start = int(command.findtext("start-point") or "1")
    limit = int(command.findtext("limit") or "0")
    tag = command.find("tag/entry")
    ip = command.findtext("ip")
    rows = [
        (address, tags)
        for address, tags in sorted(device.registered.items())
        if (ip is None or address == ip) and (tag is None or tag.get("name") in tags)
    ]
    rows = rows[start - 1 : start - 1 + limit] if limit else rows[start - 1 :]
    result = ET.Element("result")
    for address, tags in rows:
        entry = ET.SubElement(
            result, "entry", {"ip": address, "from_agent": "0", "persistent": "1"}
        )
        members = ET.SubElement(entry, "tag")
        for name in sorted(tags):
            ET.SubElement(members, "member").text = name
    ET.SubElement(result, "count").text = str(len(rows))
    return result, ""


def show_dynamic_groups(device: Device, admin: str, root: ET.Element) -> Answer:
    del admin
    wanted = root.findtext("object/dynamic-address-group/name")
    result = ET.Element("result")
    groups = ET.SubElement(result, "dyn-addr-grp")
    for vsys in device.running.iterfind("devices/entry/vsys/entry"):
        for group in vsys.iterfind("address-group/entry"):
            expression = group.findtext("dynamic/filter")
            if expression is None or wanted not in (None, group.get("name")):
                continue
            entry = ET.SubElement(groups, "entry")
            ET.SubElement(entry, "vsys").text = vsys.get("name")
            ET.SubElement(entry, "group-name").text = group.get("name")
            ET.SubElement(entry, "filter").text = expression
            members = ET.SubElement(entry, "member-list")
            for ip in members_of(device, expression):
                ET.SubElement(members, "entry", {"name": ip, "type": "registered-ip"})
    return result, ""


def members_of(device: Device, expression: str) -> list[str]:
    return sorted(ip for ip, tags in device.registered.items() if matches(expression, tags))


def matches(expression: str, tags: set[str]) -> bool:
    """Whether ``tags`` satisfy a dynamic filter: ``'a' and ('b' or 'c')``."""
    tokens = _tokens(expression)
    value, rest = _or(tokens, tags)
    if rest:
        raise MalformedCommandError(f"dynamic filter {expression!r}: unexpected {rest[0]!r}")
    return value


def _tokens(expression: str) -> list[str]:
    tokens, position = [], 0
    while position < len(expression.rstrip()):
        found = _TOKENS.match(expression, position)
        if found is None:
            raise MalformedCommandError(f"dynamic filter {expression!r} is malformed")
        tokens.append(found.group(1))
        position = found.end()
    return tokens


Parsed = tuple[bool, list[str]]


def _or(tokens: list[str], tags: set[str]) -> Parsed:
    return _chain(tokens, tags, "or", _and)


def _and(tokens: list[str], tags: set[str]) -> Parsed:
    return _chain(tokens, tags, "and", _term)


def _chain(
    tokens: list[str], tags: set[str], word: str, operand: Callable[[list[str], set[str]], Parsed]
) -> Parsed:
    """``operand (word operand)*``; both sides are parsed, so a malformed right side is an
    error even where the left decides."""
    value, rest = operand(tokens, tags)
    while rest[:1] == [word]:
        right, rest = operand(rest[1:], tags)
        value = (value or right) if word == "or" else (value and right)
    return value, rest


def _term(tokens: list[str], tags: set[str]) -> Parsed:
    if not tokens:
        raise MalformedCommandError("dynamic filter ends too early")
    if tokens[0] == "(":
        value, rest = _or(tokens[1:], tags)
        if rest[:1] != [")"]:
            raise MalformedCommandError("dynamic filter: a '(' is not closed")
        return value, rest[1:]
    if tokens[0].startswith("'"):
        return tokens[0][1:-1] in tags, tokens[1:]
    raise MalformedCommandError(f"dynamic filter: unexpected {tokens[0]!r}")


def _ip(entry: ET.Element) -> str:
    ip = entry.get("ip")
    if not ip:
        raise MalformedCommandError("a uid-message entry without ip")
    return ip


def _parse(cmd: str) -> ET.Element:
    try:
        return ET.fromstring(cmd)  # noqa: S314 (expat expands no external entities; a loopback fake)
    except ET.ParseError as exc:
        raise MalformedCommandError(f"Malformed Request: {exc}") from None
