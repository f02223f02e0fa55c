"""VPC flow logs for the sandbox's Alibaba Cloud landing zone, as Simple Log Service exports
them: one JSON object per line, every value a string (the fields of "VPC flow log fields").

In: a seed. Out: the lines, or the file. Always: the same traffic plan as the AWS sandbox's
(``moto_fixtures.aws.flowlogs.connections``) between this landing zone's spokes (web, app,
db; there is no shared-services VPC here, so those conversations are left out), both
directions of each connection from the two ENIs, a ``NODATA`` window, and one truncated line.
"""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path

from moto_fixtures.alibaba import landing_zone as lz
from moto_fixtures.aws.flowlogs import Connection, connections, outside_hosts


def alibaba_hosts(place: str) -> list[str]:
    spokes = [s for s in lz.SPOKES if s.segment == place]
    return outside_hosts(place) or [
        str(ipaddress.ip_network(s.vswitch_cidr(0))[10]) for s in spokes
    ]


def flow_lines(seed: int = 20261205) -> list[str]:
    lines = [
        json.dumps(record, separators=(",", ":"))
        for c in connections(alibaba_hosts, seed)
        for record in _records(c)
    ]
    quiet = {"__topic__": "flow_log", "version": "1", "eni-id": "eni-quiet", "start": "1",
             "end": "61", "log-status": "NODATA"}  # fmt: skip
    lines.insert(1, json.dumps(quiet))
    lines.append(lines[0][: len(lines[0]) // 2])  # truncated JSON
    return lines


def _records(c: Connection) -> list[dict[str, str]]:
    return [
        _record(c, (c.client, c.server), (c.eph, c.port), c.sent, "out"),
        _record(c, (c.server, c.client), (c.port, c.eph), c.back, "in"),
    ]


def _record(
    c: Connection,
    ends: tuple[str, str],
    ports: tuple[int, int],
    counts: tuple[int, int],
    direction: str,
) -> dict[str, str]:
    src, dst = ends
    return {
        "__topic__": "flow_log",
        "version": "1",
        "account-id": lz.ACCOUNT_ID,
        "eni-id": "eni-" + src.replace(".", "x"),
        "srcaddr": src,
        "srcport": str(ports[0]),
        "dstaddr": dst,
        "dstport": str(ports[1]),
        "protocol": str(c.proto),
        "direction": direction,
        "packets": str(counts[0]),
        "bytes": str(counts[1]),
        "start": str(c.start),
        "end": str(c.end),
        "log-status": "OK",
        "action": "ACCEPT",
    }


def write_flow_logs(path: Path, seed: int = 20261205) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(flow_lines(seed)) + "\n", encoding="utf-8")
    return path
