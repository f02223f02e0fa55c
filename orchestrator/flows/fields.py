"""Field checks shared by the parsers of the three clouds' flow-log formats.

In: the text of one field. Out: its value, or ``ValueError`` with a reason fit for a report.
AWS and Alibaba Cloud name the fields of a record alike (``srcaddr``, ``dstport``, …), so one
``record`` builds both from a look-up by name.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable, Iterable
from typing import Literal

from orchestrator.flows.records import NOT_UTF8, FlowRecord, Parsed


def address(text: str, what: str) -> str:
    # Nearly every address is a plain IPv4 one: checked here at a tenth of ipaddress's cost.
    parts = text.split(".")
    if len(parts) == 4 and all(_octet(p) for p in parts):
        return text
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise ValueError(f"{what} {text!r} is not an IP address") from None


def _octet(text: str) -> bool:
    return (
        text.isascii() and text.isdigit() and int(text) <= 255 and (text[0] != "0" or text == "0")
    )


def number(text: str, what: str, upper: int) -> int:
    # "-" is how AWS writes a field with no value (ICMP ports, a NODATA record's counters).
    if text == "-":
        return 0
    if not text.isdigit() or not text.isascii():
        raise ValueError(f"{what} {text!r} is not a number")
    value = int(text)
    if value > upper:
        raise ValueError(f"{what} {value} is out of range (0-{upper})")
    return value


PORT_MAX = 65535
PROTO_MAX = 255
COUNT_MAX = 2**62
TIME_MAX = 2**40


# What a line that holds no flow is: a quiet or overloaded capture window, or the S3 header.
NotAFlow = Literal["no-data", "header"]


def record(get: Callable[[str], str], interface: str) -> FlowRecord:
    """A record from the AWS/Alibaba field names; ``get`` raises nothing, gives ``-`` for a
    field the format lacks."""
    action = get("action")
    end = get("end")
    return FlowRecord(
        address(get("srcaddr"), "srcaddr"),
        address(get("dstaddr"), "dstaddr"),
        number(get("srcport"), "srcport", PORT_MAX),
        number(get("dstport"), "dstport", PORT_MAX),
        number(get("protocol"), "protocol", PROTO_MAX),
        number(get("packets"), "packets", COUNT_MAX),
        number(get("bytes"), "bytes", COUNT_MAX),
        number(get("start"), "start", TIME_MAX),
        number(get("start") if end == "-" else end, "end", TIME_MAX),
        action if action in ("ACCEPT", "REJECT") else "",
        "" if interface == "-" else interface,
    )


def read_lines(
    parsed: Parsed,
    lines: Iterable[tuple[int, str | None]],
    read: Callable[[str], FlowRecord | NotAFlow],
) -> Parsed:
    """Each line through ``read``; a ``ValueError`` refuses the line by number and the next
    is read."""
    for lineno, text in lines:
        if text is None:
            parsed.refuse(lineno, NOT_UTF8)
            continue
        if not text.strip():
            continue
        try:
            found = read(text)
        except ValueError as exc:  # json.JSONDecodeError is a ValueError too
            parsed.refuse(lineno, str(exc))
            continue
        if found == "no-data":
            parsed.no_data += 1
        elif found != "header":
            parsed.add(found)
    return parsed
