"""Alibaba Cloud VPC flow logs, as Simple Log Service (SLS) exports them: one JSON object per
line whose keys are the log fields.

In: the lines of one file. Out: a ``Parsed``.
Always: a line that cannot be read is refused with its line number and why.

The fields are those of "VPC flow log fields" in the SLS documentation
(alibabacloud.com/help/en/sls/vpc): ``__topic__`` (``flow_log``), ``version`` (1),
``vswitch-id``, ``vm-id``, ``vpc-id``, ``account-id``, ``eni-id``, ``srcaddr``, ``srcport``,
``dstaddr``, ``dstport``, ``protocol`` (IANA number), ``direction`` (``in``/``out``),
``packets``, ``bytes``, ``start``, ``end`` (Unix seconds), ``log-status``
(``OK``/``NODATA``/``SKIPDATA``), ``action`` (``ACCEPT``/``REJECT``), ``tcp-flags``. SLS
stores every value as a string.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

from orchestrator.flows.fields import NotAFlow, read_lines, record
from orchestrator.flows.records import FlowRecord, Parsed, Sink

VERSIONS = frozenset({"1"})
NO_DATA = frozenset({"NODATA", "SKIPDATA"})
REQUIRED = ("srcaddr", "dstaddr", "srcport", "dstport", "protocol", "packets", "bytes", "start")


def looks_like(first_line: str) -> bool:
    return first_line.lstrip().startswith("{") and '"srcaddr"' in first_line


def parse_lines(name: str, lines: Iterable[tuple[int, str | None]], sink: Sink = None) -> Parsed:
    return read_lines(Parsed(name, "alibaba", sink=sink), lines, _read)


def _read(text: str) -> FlowRecord | NotAFlow:
    body = json.loads(text)
    if not isinstance(body, dict):
        raise ValueError("not a JSON object")
    fields = {k: str(v) for k, v in body.items()}
    version = fields.get("version", "1")
    if version not in VERSIONS:
        raise ValueError(f"flow log version {version!r} is not 1")
    if fields.get("log-status", "OK") in NO_DATA:
        return "no-data"
    missing = [f for f in REQUIRED if f not in fields]
    if missing:
        raise ValueError(f"missing field(s): {', '.join(missing)}")
    return record(lambda f: fields.get(f, "-"), fields.get("eni-id", "-"))
