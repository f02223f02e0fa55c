"""One flow record as every cloud's format reduces to it, and what a parse reports.

In: nothing (values). Out: ``FlowRecord`` (a named tuple: millions are made per ingest),
``Malformed`` (a record refused, with its file and line) and ``Parsed`` (a file's records,
refusals and the no-data markers skipped).
Always: times are Unix seconds, ``action`` is ``ACCEPT``, ``REJECT`` or ``""`` (unknown);
``proto`` is the IANA protocol number.
"""

from __future__ import annotations

from collections.abc import Callable
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


Sink = Callable[[FlowRecord], object] | None
# A file of garbage must not fill memory with its refusals: the first ones are kept, all counted.
MALFORMED_KEPT = 1000


@dataclass(slots=True)
class Parsed:
    """What one file gave. ``no_data`` counts the records a cloud writes for a quiet or
    overloaded capture window (AWS and Alibaba ``NODATA``/``SKIPDATA``): not flows, not
    errors. With a ``sink`` each record goes there as it is read (a file of any size streams
    into the store) and ``records`` stays empty; ``count`` counts them either way."""

    file: str
    format: str
    records: list[FlowRecord] = field(default_factory=list)
    malformed: list[Malformed] = field(default_factory=list)
    no_data: int = 0
    count: int = 0
    malformed_count: int = 0
    sink: Sink = None

    def add(self, record: FlowRecord) -> None:
        self.count += 1
        if self.sink is None:
            self.records.append(record)
        else:
            self.sink(record)

    def refuse(self, line: int, reason: str) -> None:
        self.malformed_count += 1
        if len(self.malformed) < MALFORMED_KEPT:
            self.malformed.append(Malformed(self.file, line, reason))
