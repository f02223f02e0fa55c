"""Observed traffic between segments: the store's conversations attributed to segments and
judged by the policy.

In: an open ``FlowStore``, an ``Attribution`` and a ``Judge``. Out: ``Observed``: one
``Service`` per (source segment, target segment, protocol, server port) with its counts,
first/last seen and verdict, and the top talkers (client → server addresses) of each pair.
Always: the aggregation runs in DuckDB; Python places each distinct address once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from orchestrator.flows.attribution import Attribution
from orchestrator.flows.records import PROTOCOL_NAMES
from orchestrator.flows.store import FlowStore
from orchestrator.flows.verdicts import Judge

_SERVICES = """
SELECT a.segment, b.segment, h.proto, h.port, sum(h.records), sum(h.packets), sum(h.bytes),
  min(h.first_seen), max(h.last_seen),
  sum(CASE WHEN h.action = 'REJECT' THEN h.records ELSE 0 END)
FROM hourly h JOIN places a ON h.client = a.address JOIN places b ON h.server = b.address
WHERE h.hour >= ? GROUP BY ALL ORDER BY ALL
"""
_TALKERS = """
SELECT a.segment, b.segment, h.client, h.server, sum(h.records) AS n, sum(h.bytes) AS volume
FROM hourly h JOIN places a ON h.client = a.address JOIN places b ON h.server = b.address
WHERE h.hour >= ? GROUP BY a.segment, b.segment, h.client, h.server
QUALIFY row_number() OVER (PARTITION BY a.segment, b.segment
                           ORDER BY volume DESC, n DESC, h.client, h.server) <= ?
ORDER BY a.segment, b.segment, volume DESC, n DESC, h.client, h.server
"""


@dataclass(frozen=True, slots=True)
class Service:
    source: str
    target: str
    proto: int
    port: int
    records: int
    packets: int
    bytes: int
    first_seen: int
    last_seen: int
    rejected: int  # records the cloud itself logged as REJECT
    verdict: str
    rules: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        name = PROTOCOL_NAMES.get(self.proto, f"proto-{self.proto}")
        return f"{name}/{self.port}" if self.proto in (6, 17) else name


@dataclass(frozen=True, slots=True)
class Talker:
    source: str
    target: str
    client: str
    server: str
    records: int
    bytes: int


@dataclass(frozen=True, slots=True)
class Observed:
    services: tuple[Service, ...]
    talkers: tuple[Talker, ...]

    def segments(self) -> list[str]:
        return sorted({s.source for s in self.services} | {s.target for s in self.services})

    def pairs(self) -> dict[tuple[str, str], list[Service]]:
        found: dict[tuple[str, str], list[Service]] = defaultdict(list)
        for service in self.services:
            found[(service.source, service.target)].append(service)
        return dict(found)


def observe(
    store: FlowStore, attribution: Attribution, judge: Judge, since: int = 0, top: int = 5
) -> Observed:
    _place_addresses(store, attribution)
    services = tuple(_service(row, judge) for row in store.rows(_SERVICES, [since]))
    talkers = tuple(Talker(*row) for row in store.rows(_TALKERS, [since, top]))
    return Observed(services, talkers)


def _place_addresses(store: FlowStore, attribution: Attribution) -> None:
    addresses = store.rows("SELECT client FROM hourly UNION SELECT server FROM hourly")
    rows = [(a, attribution.place(a).segment) for (a,) in addresses]
    store.load_table("places", "{'address': 'VARCHAR', 'segment': 'VARCHAR'}", rows)


def _service(row: tuple[Any, ...], judge: Judge) -> Service:
    source, target, proto, port, records, packets, volume, first, last, rejected = row
    verdict = judge.judge(source, target, proto, port)
    return Service(
        source,
        target,
        proto,
        port,
        int(records),
        int(packets),
        int(volume),
        first,
        last,
        int(rejected),
        verdict.verdict,
        verdict.rules,
    )
