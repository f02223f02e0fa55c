"""Virtual network flow logs for the sandbox's Azure landing zone, as Network Watcher writes
them to a storage blob: ``records[].flowRecords.flows[].flowGroups[].flowTuples``
(``flowLogVersion`` 4; "Virtual network flow logs", "Log format").

In: a seed. Out: the document, or the file. Always: the same traffic plan as the AWS sandbox's
(``moto_fixtures.aws.flowlogs.connections``) between the workloads of the newer subnets
``snet-<segment>-2`` (the members of ``policies/examples/sandbox-multicloud.yaml``), one
tuple per connection at its end (state ``E``, both directions counted), one record per
interface, and one tuple of 8 fields (malformed).
"""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Any

from moto_fixtures.aws.flowlogs import Connection, connections, outside_hosts
from moto_fixtures.azure.seed import SEGMENTS

SUBSCRIPTION = "00000000-0000-0000-0000-000000000001"


def azure_hosts(place: str) -> list[str]:
    if place not in SEGMENTS:
        return outside_hosts(place)
    subnet = ipaddress.ip_network(SEGMENTS[place].replace(".0.0/16", ".2.0/24"))
    return [str(subnet[10]), str(subnet[11])]


def document(seed: int = 20261205) -> dict[str, Any]:
    by_interface: dict[str, list[str]] = {}
    for c in connections(azure_hosts, seed):
        by_interface.setdefault(c.client, []).append(_tuple(c))
    first = next(iter(by_interface))
    by_interface[first].append(",".join(by_interface[first][0].split(",")[:8]))
    return {"records": [_record(address, tuples) for address, tuples in by_interface.items()]}


def _tuple(c: Connection) -> str:
    return (
        f"{c.end * 1000},{c.client},{c.server},{c.eph},{c.port},{c.proto},O,E,NX,"
        f"{c.sent[0]},{c.sent[1]},{c.back[0]},{c.back[1]}"
    )


def _record(address: str, tuples: list[str]) -> dict[str, Any]:
    mac = "00224800" + "".join(f"{int(x):02X}" for x in address.split(".")[2:])
    return {
        "time": "2025-12-01T00:00:00.0000000Z",
        "flowLogVersion": 4,
        "macAddress": mac,
        "category": "FlowLogFlowEvent",
        "targetResourceID": f"/subscriptions/{SUBSCRIPTION}/resourceGroups/rg-net/providers/"
        "Microsoft.Network/virtualNetworks/vnet-web",
        "operationName": "FlowLogFlowEvent",
        "flowRecords": {
            "flows": [{"aclID": "eastwest-sandbox", "flowGroups": [
                {"rule": "DefaultRule_AllowVnetOutBound", "flowTuples": tuples}]}]
        },
    }  # fmt: skip


def write_flow_logs(path: Path, seed: int = 20261205) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document(seed), indent=1) + "\n", encoding="utf-8")
    return path
