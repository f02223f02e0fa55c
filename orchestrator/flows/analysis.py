"""Observed traffic between segments: the store's conversations attributed to segments and
judged by the policy.

In: an open ``FlowStore``, an ``Attribution`` and a ``Judge``. Out: ``Observed``: one
``Service`` per (source segment, target segment, protocol, server port) with its counts,
first/last seen and verdict, and the top talkers (client → server addresses) of each pair.
Always: the aggregation runs in DuckDB; Python places each distinct address once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from orchestrator.flows.attribution import Attribution, Place
from orchestrator.flows.records import PROTOCOL_NAMES
from orchestrator.flows.store import FlowStore
from orchestrator.flows.verdicts import Judge

_SERVICES = """
SELECT a.segment, b.segment, h.proto, h.port, sum(h.records), sum(h.packets), sum(h.bytes),
  min(h.first_seen), max(h.last_seen),
  sum(CASE WHEN h.action = 'REJECT' THEN h.records ELSE 0 END)
FROM hourly h JOIN places a ON h.client = a.address JOIN places b ON h.server = b.address
WHERE h.hour >= ? AND (a.inside OR b.inside) GROUP BY ALL ORDER BY ALL
"""
_TALKERS = """
SELECT a.segment, b.segment, h.client, h.server, sum(h.records) AS n, sum(h.bytes) AS volume
FROM hourly h JOIN places a ON h.client = a.address JOIN places b ON h.server = b.address
WHERE h.hour >= ? AND (a.inside OR b.inside) GROUP BY a.segment, b.segment, h.client, h.server
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
    store: FlowStore,
    attribution: Attribution,
    judge: Judge,
    since: int = 0,
    top: int = 5,
    *,
    within: Callable[[Place], bool] | None = None,
) -> Observed:
    """``top`` talkers per pair (0: none, and no time spent on them); with ``within``, only
    the conversations with an end at a place it accepts (the reconciler's partition)."""
    _place_addresses(store, attribution, within)
    services = tuple(_service(row, judge) for row in store.rows(_SERVICES, [since]))
    talkers = tuple(Talker(*row) for row in store.rows(_TALKERS, [since, top])) if top else ()
    return Observed(services, talkers)


def _place_addresses(
    store: FlowStore, attribution: Attribution, within: Callable[[Place], bool] | None
) -> None:
    addresses = store.rows("SELECT client FROM hourly UNION SELECT server FROM hourly")
    places = ((a, attribution.place(a)) for (a,) in addresses)
    rows = [(a, p.segment, within is None or within(p)) for a, p in places]
    columns = "{'address': 'VARCHAR', 'segment': 'VARCHAR', 'inside': 'BOOLEAN'}"
    store.load_table("places", columns, rows)


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
