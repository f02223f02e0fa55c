"""Flow logs with a known ground truth, made in the test: conversations between addresses of
known segments, written as AWS records (both directions of each connection), and what any
correct reading of them must find, computed here without the product's code."""

from __future__ import annotations

import ipaddress
import random
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orchestrator.model.policy import Policy
from orchestrator.state import Network, Scope, ScopeInventory
from tests.orchestrator.factories import ACCOUNT, SCOPE

SEGMENTS = {
    "web": ("vpc-web", "10.10.0.0/16"),
    "app": ("vpc-app", "10.20.0.0/16"),
    "db": ("vpc-db", "10.30.0.0/16"),
}
EXTERNAL = {"onprem": "172.16.0.0/12"}
# (from, to, protocol, lo, hi, inspect)
RULES = [
    ("web", "app", "tcp", 8080, 8080, False),
    ("app", "db", "tcp", 5432, 5432, True),
    ("onprem", "web", "tcp", 443, 443, False),
]
SERVICES = [("tcp", 6, 8080), ("tcp", 6, 5432), ("tcp", 6, 22), ("udp", 17, 53), ("tcp", 6, 443)]


def policy() -> Policy:
    members = [
        {"name": s, "members": [{"account": "prod", "region": "us-east-1", "vpc": vpc}]}
        for s, (vpc, _) in SEGMENTS.items()
    ]
    body: dict[str, Any] = {
        "version": 1,
        "name": "truth",
        "accounts": [
            {"name": "prod", "cloud": "aws", "account_id": ACCOUNT, "regions": ["us-east-1"]}
        ],
        "segments": [*members, *({"name": n, "cidrs": [c]} for n, c in EXTERNAL.items())],
        "rules": [
            {"name": f"{a}-to-{b}", "from": a, "to": b, "ports": [f"{p}/{lo}"], "inspect": i}
            for a, b, p, lo, _, i in RULES
        ],
    }
    return Policy.model_validate(body)


def inventory() -> dict[Scope, ScopeInventory]:
    nets = tuple(Network(vpc, (cidr,), {"segment": s}) for s, (vpc, cidr) in SEGMENTS.items())
    return {SCOPE: ScopeInventory(SCOPE, nets, ())}


def truth_verdict(source: str, target: str, proto: str, port: int) -> str:
    if source.startswith("ext:") or target.startswith("ext:"):
        return "external"
    if source in EXTERNAL and target in EXTERNAL:
        return "external"
    if source == target:
        return "uninspected"
    for a, b, p, lo, hi, inspect in RULES:
        if (a, b, p) == (source, target, proto) and lo <= port <= hi:
            return "inspected" if inspect else "uninspected"
    return "denied"


@dataclass(frozen=True)
class Truth:
    # (source, target, "tcp/8080") → (records, bytes, verdict)
    services: dict[tuple[str, str, str], tuple[int, int, str]]
    pairs: set[tuple[str, str]]
    lines: int


def _host(rng: random.Random, cidr: str) -> str:
    net = ipaddress.ip_network(cidr)
    return str(net[rng.randrange(1, min(net.num_addresses - 1, 4000))])


def make(path: Path, seed: int = 7, conversations: int = 60) -> Truth:
    rng = random.Random(seed)
    places = {s: c for s, (_, c) in SEGMENTS.items()} | dict(EXTERNAL)
    places["ext:198.51.100.0/24"] = "198.51.100.0/24"
    records: Counter[tuple[str, str, str]] = Counter()
    volume: Counter[tuple[str, str, str]] = Counter()
    lines = []
    t = 1_700_000_000
    for _ in range(conversations):
        source, target = rng.choice(sorted(places)), rng.choice(sorted(places))
        proto, number, port = rng.choice(SERVICES)
        client, server = _host(rng, places[source]), _host(rng, places[target])
        for _ in range(rng.randint(1, 3)):
            eph, out, back = rng.randint(32768, 60999), rng.randint(40, 900), rng.randint(40, 9000)
            lines.append(f"2 {ACCOUNT} eni-1 {client} {server} {eph} {port} {number} 3 {out} "
                         f"{t} {t + 30} ACCEPT OK")  # fmt: skip
            lines.append(f"2 {ACCOUNT} eni-2 {server} {client} {port} {eph} {number} 3 {back} "
                         f"{t} {t + 30} ACCEPT OK")  # fmt: skip
            key = (source, target, f"{proto}/{port}")
            records[key] += 2
            volume[key] += out + back
            t += rng.randint(1, 600)
    path.write_text("\n".join(lines) + "\n")
    services = {
        key: (records[key], volume[key], truth_verdict(key[0], key[1], *_split(key[2])))
        for key in records
    }
    return Truth(services, {(a, b) for a, b, _ in services}, len(lines))


def _split(label: str) -> tuple[str, int]:
    proto, port = label.split("/")
    return proto, int(port)
