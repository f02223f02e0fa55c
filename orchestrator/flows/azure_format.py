"""Azure Network Watcher flow logs: virtual network flow logs (``flowLogVersion`` 4) and
network security group flow logs version 2, the JSON blobs with ``flowTuples``.

In: the text of one blob. Out: a ``Parsed``; a malformed tuple is refused with the line of
the blob it is on. Raises ``ValueError`` when the text is not a flow-log document at all.

Formats, from Azure Network Watcher's documentation ("Virtual network flow logs", "Log
format"; "Flow logging for network security groups", "Log format"):

- VNet: ``records[].flowRecords.flows[].flowGroups[].flowTuples[]``, each
  ``time-ms,src,dst,sport,dport,protocol-number,direction(I/O),state(B/C/E/D),
  encryption,packets-out,bytes-out,packets-in,bytes-in``; state ``D`` is a denied flow.
- NSG v2: ``records[].properties.flows[].flows[].flowTuples[]``, each
  ``time-s,src,dst,sport,dport,protocol(T/U),direction(I/O),decision(A/D),state(B/C/E),
  packets-out,bytes-out,packets-in,bytes-in`` (counters empty on ``B``). Version 1 tuples
  have only the first eight fields: refused as another version.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from orchestrator.flows.fields import COUNT_MAX, PORT_MAX, TIME_MAX, address, number
from orchestrator.flows.records import FlowRecord, Parsed, Sink

TUPLE_FIELDS = 13
NSG_V1_FIELDS = 8
_NSG_PROTOCOLS = {"T": 6, "U": 17}


def looks_like(head: str) -> bool:
    return head.lstrip().startswith("{") and '"records"' in head


def parse_document(name: str, text: str, sink: Sink = None) -> Parsed:
    body = json.loads(text)
    records = body.get("records") if isinstance(body, dict) else None
    if not isinstance(records, list):
        raise ValueError("no 'records' list: not an Azure flow log")
    parsed = Parsed(name, "azure", sink=sink)
    for kind, mac, tuple_text in _tuples(records):
        try:
            parsed.add(_read(kind, mac, tuple_text))
        except ValueError as exc:
            parsed.refuse(_line_of(text, tuple_text), str(exc))
    return parsed


def _tuples(records: list[Any]) -> Iterator[tuple[str, str, str]]:
    for record in records:
        if not isinstance(record, dict):
            continue
        if "flowRecords" in record:
            mac = str(record.get("macAddress", ""))
            for flow in _list(record["flowRecords"], "flows"):
                for group in _list(flow, "flowGroups"):
                    for item in _list(group, "flowTuples"):
                        yield "vnet", mac, str(item)
        else:
            for rule in _list(record.get("properties"), "flows"):
                for flow in _list(rule, "flows"):
                    mac = str(flow.get("mac", "")) if isinstance(flow, dict) else ""
                    for item in _list(flow, "flowTuples"):
                        yield "nsg", mac, str(item)


def _list(parent: Any, key: str) -> list[Any]:
    found = parent.get(key) if isinstance(parent, dict) else None
    return found if isinstance(found, list) else []


def _read(kind: str, mac: str, text: str) -> FlowRecord:
    f = text.split(",")
    if kind == "nsg" and len(f) == NSG_V1_FIELDS:
        raise ValueError("an NSG flow log version 1 tuple (8 fields); version 2 is read")
    if len(f) != TUPLE_FIELDS:
        raise ValueError(f"expected {TUPLE_FIELDS} tuple fields, found {len(f)}")
    if kind == "vnet":
        start = number(f[0], "time", TIME_MAX * 1000) // 1000
        proto = number(f[5], "protocol", 255)
        action = "REJECT" if f[7] == "D" else "ACCEPT"
    else:
        start = number(f[0], "time", TIME_MAX)
        if f[5] not in _NSG_PROTOCOLS:
            raise ValueError(f"protocol {f[5]!r} is not T or U")
        proto = _NSG_PROTOCOLS[f[5]]
        action = "REJECT" if f[7] == "D" else "ACCEPT"
    counts = [number(v or "0", "counter", COUNT_MAX) for v in f[9:13]]
    return FlowRecord(
        address(f[1], "source"),
        address(f[2], "destination"),
        number(f[3], "source port", PORT_MAX),
        number(f[4], "destination port", PORT_MAX),
        proto,
        counts[0] + counts[2],
        counts[1] + counts[3],
        start,
        start,
        action,
        mac,
    )


def _line_of(text: str, needle: str) -> int:
    at = text.find(json.dumps(needle))
    return text.count("\n", 0, at) + 1 if at >= 0 else 1
