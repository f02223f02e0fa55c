"""One flow record as every cloud's format reduces to it, and what a parse reports.

In: nothing (values). Out: ``FlowRecord`` (a named tuple: millions are made per ingest),
``Malformed`` (a record refused, with its file and line) and ``Parsed`` (a file's records,
refusals and the no-data markers skipped).
Always: times are Unix seconds, ``action`` is ``ACCEPT``, ``REJECT`` or ``""`` (unknown);
``proto`` is the IANA protocol number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from orchestrator.errors import EastwestError

NOT_UTF8 = "the line is not UTF-8"
PROTOCOL_NAMES = {1: "icmp", 6: "tcp", 17: "udp", 58: "icmpv6"}


class FlowError(EastwestError):
    """A flow-log file cannot be read at all, or the flow store cannot be used."""


class FlowRecord(NamedTuple):
    src: str
    dst: str
    sport: int
    dport: int
    proto: int
    packets: int
    bytes: int
    start: int
    end: int
    action: str
    interface: str


@dataclass(frozen=True, slots=True)
class Malformed:
    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason}"


@dataclass(slots=True)
class Parsed:
    """What one file gave. ``no_data`` counts the records a cloud writes for a quiet or
    overloaded capture window (AWS and Alibaba ``NODATA``/``SKIPDATA``): not flows, not
    errors."""

    file: str
    format: str
    records: list[FlowRecord] = field(default_factory=list)
    malformed: list[Malformed] = field(default_factory=list)
    no_data: int = 0

    def refuse(self, line: int, reason: str) -> None:
        self.malformed.append(Malformed(self.file, line, reason))
