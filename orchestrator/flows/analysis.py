"""Observed traffic between segments: the store's conversations attributed to segments and
judged by the policy.

In: an open ``FlowStore``, an ``Attribution`` and a ``Judge``. Out: ``Observed``: one
``Service`` per (source segment, target segment, protocol, server port) with its counts,
first/last seen and verdict, and the top talkers (client → server addresses) of each pair.
Always: the aggregation runs in DuckDB; Python places each distinct address once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from orchestrator.flows.attribution import Attribution
from orchestrator.flows.records import PROTOCOL_NAMES
from orchestrator.flows.schema import ACTIONS, IPV4_BASE, IPV4_END, text_of
from orchestrator.flows.store import FlowStore
from orchestrator.flows.verdicts import Judge

_SERVICES = f"""
SELECT a.segment, b.segment, h.proto, h.port, sum(h.records), sum(h.packets), sum(h.bytes),
  min(h.first_seen), max(h.last_seen),
  sum(CASE WHEN h.action = {ACTIONS.index("REJECT")} THEN h.records ELSE 0 END)
FROM conversations h JOIN places a ON h.client = a.address
  JOIN places b ON h.server = b.address
WHERE h.hour >= ? AND (a.inside OR b.inside) GROUP BY ALL ORDER BY ALL
"""  # noqa: S608 - constants only
# Grouped on the addresses' numbers, then named by their text (the ties ordered by text).
_TALKERS = """
SELECT t.source, t.target, c.text AS client, s.text AS server, t.n, t.volume FROM (
  SELECT a.segment AS source, b.segment AS target, h.client, h.server, sum(h.records) AS n,
    sum(h.bytes) AS volume
  FROM conversations h JOIN places a ON h.client = a.address
    JOIN places b ON h.server = b.address
  WHERE h.hour >= ? AND (a.inside OR b.inside) GROUP BY ALL) t
JOIN addresses c ON t.client = c.value JOIN addresses s ON t.server = s.value
QUALIFY row_number() OVER (PARTITION BY t.source, t.target
                           ORDER BY t.volume DESC, t.n DESC, c.text, s.text) <= ?
ORDER BY t.source, t.target, t.volume DESC, t.n DESC, c.text, s.text
"""


_NETS = (
    "{'lo': 'UBIGINT', 'hi': 'UBIGINT', 'length': 'INTEGER', 'segment': 'VARCHAR', "
    "'network': 'VARCHAR'}"
)
_PLACED = "{'address': 'UHUGEINT', 'segment': 'VARCHAR', 'network': 'VARCHAR'}"
_SEEN = "SELECT client AS address FROM conversations UNION SELECT server FROM conversations"
# An IPv4 address is IPV4_BASE plus its 32-bit value (``schema``). An address in no network
# is external, grouped by its /24 as ``Attribution`` groups it.
_GROUP_24 = (
    "(value >> 24)::VARCHAR || '.' || ((value >> 16) & 255)::VARCHAR || '.' "
    "|| ((value >> 8) & 255)::VARCHAR || '.0/24'"
)
_PLACE_IPV4 = f"""
CREATE TEMP TABLE places AS
WITH ip AS (
  SELECT address, (address - {IPV4_BASE})::UBIGINT AS value FROM ({_SEEN})
  WHERE address >= {IPV4_BASE} AND address < {IPV4_END})
SELECT address,
  coalesce(arg_max(n.segment, n.length), 'ext:' || {_GROUP_24}) AS segment,
  coalesce(arg_max(n.network, n.length), {_GROUP_24}) AS network
FROM ip LEFT JOIN nets n ON ip.value BETWEEN n.lo AND n.hi
GROUP BY address, value
"""  # noqa: S608 - constants only

_ENDS = "{'address': 'UHUGEINT'}"
# The candidate ends of a tick's conversations: IPv4 addresses in the intervals of its own
# networks (``nets`` holds only those), and every other address (placed in Python).
_NEAR = f"""
SELECT DISTINCT address FROM ({_SEEN}) JOIN nets n
  ON address >= {IPV4_BASE} AND address < {IPV4_END}
  AND (address - {IPV4_BASE})::UBIGINT BETWEEN n.lo AND n.hi
UNION SELECT address FROM ({_SEEN}) WHERE address < {IPV4_BASE} OR address >= {IPV4_END}
"""  # noqa: S608 - constants only
_PEERS = """
SELECT server FROM conversations WHERE client IN (SELECT address FROM ends)
UNION SELECT client FROM conversations WHERE server IN (SELECT address FROM ends)
EXCEPT SELECT address FROM ends
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
    within: frozenset[str] | None = None,
    near: bool = True,
) -> Observed:
    """``top`` talkers per pair (0: none, and no time spent on them); with ``within`` (network
    ids), only the conversations with an end in one of those networks (the reconciler's
    partition), found from those networks' addresses (``near``), or by placing every
    address of the store (``near=False``: the reference the tests compare with)."""
    _place_addresses(store, attribution, within, near=near)
    services = tuple(_service(row, judge) for row in store.rows(_SERVICES, [since]))
    talkers = tuple(Talker(*row) for row in store.rows(_TALKERS, [since, top])) if top else ()
    return Observed(services, talkers)


def _place_addresses(
    store: FlowStore, attribution: Attribution, within: frozenset[str] | None, *, near: bool
) -> None:
    """``places``: each address of the store, its segment and whether it is ``within``; when
    ``near``, only the addresses of conversations with an end there (``_place_near``)."""
    if within is not None and near:
        _place_near(store, attribution, within)
        return
    _place_every(store, attribution)
    store.db.execute("ALTER TABLE places ADD COLUMN inside BOOLEAN")
    # No list (None) accepts every place.
    chosen = None if within is None else sorted(within)
    store.db.execute(
        "UPDATE places SET inside = coalesce(list_contains(?::VARCHAR[], network), true)", [chosen]
    )


def _place_every(store: FlowStore, attribution: Attribution) -> None:
    """IPv4 addresses (nearly all) are placed in SQL, by a range join of their integer value
    with the networks' address intervals, the longest prefix winning; the others in Python."""
    store.load_table("nets", _NETS, attribution.ipv4_intervals())
    store.db.execute("DROP TABLE IF EXISTS places")
    store.db.execute(_PLACE_IPV4)
    others = store.rows(f"{_SEEN} EXCEPT SELECT address FROM places")  # noqa: S608 - constants only
    _insert_placed(store, "places", attribution, (v for (v,) in others))


def _place_near(store: FlowStore, attribution: Attribution, within: frozenset[str]) -> None:
    """A reconciler tick's placing (issue 13): the store's IPv4 addresses in the intervals of
    its own networks, and its other addresses, placed in Python by the estate's attribution
    (an address of a network there may belong to a longer prefix elsewhere), give the ends
    ``within``; then only the peers of those ends are placed. What is loaded and placed grows
    with the scope's networks and conversations, not with the estate's; DuckDB still scans
    the store's conversations to find them."""
    store.load_table("nets", _NETS, attribution.ipv4_intervals(within))
    candidates = store.rows(_NEAR)
    ends = {int(v) for (v,) in candidates if attribution.place(text_of(int(v))).network in within}
    store.load_table("ends", _ENDS, ((v,) for v in sorted(ends)))
    peers = store.rows(_PEERS)
    _insert_placed(store, "placed_near", attribution, [*sorted(ends), *(int(v) for (v,) in peers)])
    store.db.execute("DROP TABLE IF EXISTS places")
    store.db.execute(
        "CREATE TEMP TABLE places AS SELECT p.*, p.address IN (SELECT address FROM ends) "
        "AS inside FROM placed_near p"
    )


def _insert_placed(
    store: FlowStore, table: str, attribution: Attribution, values: Iterable[int]
) -> None:
    """``values`` placed in Python into ``table`` (created when missing)."""
    places = ((v, attribution.place(text_of(int(v)))) for v in values)
    store.load_table("placed", _PLACED, [(v, p.segment, p.network) for v, p in places])
    if table == "places":
        store.db.execute("INSERT INTO places SELECT * FROM placed")
        return
    store.db.execute(f"DROP TABLE IF EXISTS {table}")
    store.db.execute(f"CREATE TEMP TABLE {table} AS SELECT * FROM placed")  # noqa: S608 - from code


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
