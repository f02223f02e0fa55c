"""VPC flow logs for the sandbox's Alibaba Cloud landing zone, as Simple Log Service exports
them: one JSON object per line, every value a string (the fields of "VPC flow log fields").

In: a seed. Out: the lines, or the file. Always: the same traffic plan as the AWS sandbox's
(``moto_fixtures.aws.flowlogs.connections``) between this landing zone's spokes (web, app,
db; there is no shared-services VPC here, so those conversations are left out), both
directions of each connection from the two ENIs, a ``NODATA`` window, and one truncated line.
``publish`` puts the same records into the sandbox's Log Service (``moto_fixtures.sls``), in
the project and logstore ``create_flow_logs`` names in the sandbox's VPC flow logs (made
through the fake's ``CreateFlowLog``, so ``DescribeFlowLogs`` finds them), one log group per
minute of traffic as the VPC delivers them, with one record whose port is out of range in
place of the truncated line (SLS holds fields, not lines).
"""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from moto_fixtures.alibaba import landing_zone as lz
from moto_fixtures.aws.flowlogs import Connection, connections, outside_hosts

if TYPE_CHECKING:
    from moto_fixtures.alibaba.server import AlibabaServer
    from moto_fixtures.sls import SlsServer

PROJECT = "eastwest-sandbox-flowlogs"
LOGSTORE = "vpc-flow-log"


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


def flow_records(seed: int = 20261205) -> list[dict[str, str]]:
    """The records of ``flow_lines`` as SLS holds them (the truncated line becomes a record
    whose port is out of range)."""
    records = [json.loads(line) for line in flow_lines(seed)[:-1]]
    bad = dict(records[0], srcport="70000")
    return [*records, bad]


def publish(
    server: SlsServer, seed: int = 20261205, records: list[dict[str, str]] | None = None
) -> int:
    """``records`` (default: ``flow_records(seed)``) into ``PROJECT``/``LOGSTORE`` on the
    fake Log Service, one log group per minute of their ``start``; returns the number put."""
    by_minute: dict[int, list[dict[str, str]]] = {}
    for record in flow_records(seed) if records is None else records:
        by_minute.setdefault(int(record.get("start", "0")) // 60 * 60, []).append(record)
    for minute, group in sorted(by_minute.items()):
        server.put(PROJECT, LOGSTORE, group, received=minute + 60)
    return sum(len(g) for g in by_minute.values())


def serve_log_service(port: int = 0, seed: int = 20261205) -> tuple[SlsServer, dict[str, Any]]:
    """The sandbox's Log Service on ``port``, holding the landing zone's flow logs, and its
    section of ``sandbox.json`` (``alibaba.log_service``)."""
    from moto_fixtures.sls import start_sls_server  # noqa: PLC0415 - lz4, only when served

    server = start_sls_server(port)
    publish(server, seed)
    section = {
        "endpoint_url": server.url,
        "access_key_id": server.access_key_id,
        "access_key_secret": server.access_key_secret,
    }
    return server, section


def create_flow_logs(server: AlibabaServer) -> list[str]:
    """A flow log on each segment VPC of the landing zone, delivering to ``PROJECT``/
    ``LOGSTORE``, made through the fake's ``CreateFlowLog`` with the SDK; returns their ids."""
    from aliyunsdkvpc.request.v20160428.CreateFlowLogRequest import (  # noqa: PLC0415
        CreateFlowLogRequest,
    )

    from moto_fixtures.alibaba.clients import acs_client, call  # noqa: PLC0415

    client = acs_client(server, lz.REGION)
    made = []
    for vpc in sorted(server.backend.vpc.vpcs.values(), key=lambda v: v.vpc_id):
        if "segment" not in vpc.tags:
            continue
        request = CreateFlowLogRequest()
        request.set_FlowLogName(f"{vpc.name}-flow-log")
        request.set_ResourceType("VPC")
        request.set_ResourceId(vpc.vpc_id)
        request.set_TrafficType("All")
        request.set_ProjectName(PROJECT)
        request.set_LogStoreName(LOGSTORE)
        made.append(str(call(client, server, request)["FlowLogId"]))
    return made
