"""VPC Flow Logs for the sandbox's AWS landing zone: what its workloads would log.

In: a seed. Out: the lines of an AWS flow-log file in the default format (version 2), both
directions of each connection, ENIs named by workload; or the file itself.
Always: the same seed gives the same file. The traffic is what a three-tier estate carries:
the flows the example policy (policies/examples/sandbox.yaml) allows, traffic inside a
segment, the office VPN and the internet reaching the web tier, flows that policy denies (web
to db directly, ssh from app to web, db calling app), and two malformed records (a truncated
line, a record of version 9), so that a demo shows each case.
"""

from __future__ import annotations

import ipaddress
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import boto3

from moto_fixtures.aws import landing_zone as lz
from moto_fixtures.aws.clients import (
    ACCESS_KEY_ID,
    SECRET_ACCESS_KEY,
    add_account_header,
    ec2_client,
)

LOG_GROUP = "eastwest-sandbox-vpc-flow-logs"
# A role ARN EC2 wants for delivery to CloudWatch Logs; moto checks its form, not the role.
DELIVERY_ROLE = f"arn:aws:iam::{lz.ACCOUNT_ID}:role/flow-logs-delivery"

# (client, server, protocol number, port, connections): clients and servers by place name.
ALLOWED = (
    ("web", "app", 6, 8080, 40),
    ("app", "db", 6, 5432, 30),
    ("web", "shared", 17, 53, 20),
    ("app", "shared", 17, 53, 20),
    ("db", "shared", 6, 443, 5),
    ("app", "shared", 6, 443, 10),
    ("onprem", "web", 6, 443, 15),
    ("web", "web", 6, 80, 6),
)
DENIED = (
    ("web", "db", 6, 5432, 4),
    ("app", "web", 6, 22, 2),
    ("db", "app", 6, 8080, 3),
)
INTERNET = (("internet", "web", 6, 443, 8),)
PLACES = {
    "onprem": "172.16.4.0/24",  # the corp-vpn pool, in the example policy's onprem segment
    "internet": "203.0.113.0/24",
}
START = 1_764_547_200  # 2025-12-01T00:00:00Z


@dataclass(frozen=True)
class Connection:
    """One connection, as every cloud's flow log sees it: what went each way."""

    client: str
    server: str
    proto: int
    port: int
    eph: int  # the client's ephemeral port
    sent: tuple[int, int]  # packets, bytes client → server
    back: tuple[int, int]  # packets, bytes server → client
    start: int
    end: int


def aws_hosts(place: str) -> list[str]:
    """Two workload addresses of a segment of the AWS landing zone (or of a place outside)."""
    spokes = [s for s in (*lz.SPOKES, lz.SHARED) if s.segment == place]
    return outside_hosts(place) or [
        str(ipaddress.ip_network(s.workload_cidr(0))[10]) for s in spokes
    ]


def outside_hosts(place: str) -> list[str]:
    if place not in PLACES:
        return []
    net = ipaddress.ip_network(PLACES[place])
    return [str(net[10]), str(net[11])]


def connections(
    hosts: Callable[[str], list[str]], seed: int = 20261205, places: frozenset[str] | None = None
) -> list[Connection]:
    """The estate's traffic between the hosts ``hosts`` gives for each place (web, app, db,
    shared, onprem, internet); a conversation whose places have no host is left out, as are
    places outside ``places`` when given."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible fake, not a secret
    found: list[Connection] = []
    clock = START
    for client_place, server_place, proto, port, count in (*ALLOWED, *DENIED, *INTERNET):
        if places is not None and not {client_place, server_place} <= places:
            continue
        clients, servers = hosts(client_place), hosts(server_place)
        for _ in range(count if clients and servers else 0):
            client = rng.choice(clients)
            server = rng.choice([h for h in servers if h != client] or [client])
            found.append(_connection(rng, client, server, (proto, port), clock))
            clock += rng.randint(5, 90)
    return found


def _connection(
    rng: random.Random, client: str, server: str, service: tuple[int, int], at: int
) -> Connection:
    sent, back = rng.randint(1, 40), rng.randint(1, 40)
    return Connection(
        client,
        server,
        *service,
        eph=rng.randint(32768, 60999),
        sent=(sent, sent * rng.randint(60, 1400)),
        back=(back, back * rng.randint(60, 1400)),
        start=at,
        end=at + rng.randint(1, 59),
    )


def flow_lines(seed: int = 20261205) -> list[str]:
    lines = [line for c in connections(aws_hosts, seed) for line in _records(c)]
    lines.insert(len(lines) // 2, lines[0].rsplit(" ", 5)[0])  # truncated: 9 fields
    lines.append("9" + lines[1][1:])  # another format version
    return lines


def _records(c: Connection) -> list[str]:
    account = lz.ACCOUNT_ID
    return [
        f"2 {account} {_eni(c.client)} {c.client} {c.server} {c.eph} {c.port} {c.proto} "
        f"{c.sent[0]} {c.sent[1]} {c.start} {c.end} ACCEPT OK",
        f"2 {account} {_eni(c.server)} {c.server} {c.client} {c.port} {c.eph} {c.proto} "
        f"{c.back[0]} {c.back[1]} {c.start} {c.end} ACCEPT OK",
    ]


def _eni(address: str) -> str:
    return "eni-" + "".join(f"{int(x):02x}" for x in address.split(".")) + "0" * 9


def write_flow_logs(path: Path, seed: int = 20261205) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(flow_lines(seed)) + "\n", encoding="utf-8")
    return path


def publish(endpoint_url: str, seed: int = 20261205) -> int:
    """Flow logs on every spoke VPC of the landing zone into ``LOG_GROUP`` on the local AWS;
    returns the number of events put."""
    ec2 = ec2_client(endpoint_url, lz.ACCOUNT_ID, lz.REGION)
    logs = service_client(endpoint_url, "logs")
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag-key", "Values": ["segment"]}])["Vpcs"]
    ec2.create_flow_logs(
        ResourceIds=[v["VpcId"] for v in vpcs],
        ResourceType="VPC",
        TrafficType="ALL",
        LogDestinationType="cloud-watch-logs",
        LogGroupName=LOG_GROUP,
        DeliverLogsPermissionArn=DELIVERY_ROLE,
    )
    logs.create_log_group(logGroupName=LOG_GROUP)
    by_stream: dict[str, list[str]] = {}
    for line in flow_lines(seed):
        words = line.split(" ")
        stream = f"{words[2]}-all" if len(words) > 2 else "eni-unknown-all"
        by_stream.setdefault(stream, []).append(line)
    # CloudWatch keeps events of the last 14 days only: they are stamped now, in order.
    now = int(time.time() * 1000) - len(by_stream) * 1000
    for index, (stream, lines) in enumerate(sorted(by_stream.items())):
        logs.create_log_stream(logGroupName=LOG_GROUP, logStreamName=stream)
        events = [{"timestamp": now + index, "message": m} for m in lines]
        logs.put_log_events(logGroupName=LOG_GROUP, logStreamName=stream, logEvents=events)
    return sum(len(v) for v in by_stream.values())


def service_client(endpoint_url: str, service: Literal["logs", "s3"]) -> Any:
    """A client of the sandbox account on the local AWS (their stubs are not among the dev
    dependencies)."""
    session = boto3.session.Session(
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET_ACCESS_KEY,
        region_name=lz.REGION,
    )
    client = session.client(service, endpoint_url=endpoint_url)
    add_account_header(client, lz.ACCOUNT_ID)
    return client
