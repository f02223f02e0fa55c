"""Virtual network flow logs for the sandbox's Azure landing zone, as Network Watcher writes
them to a storage blob: ``records[].flowRecords.flows[].flowGroups[].flowTuples``
(``flowLogVersion`` 4; "Virtual network flow logs", "Log format").

In: a seed. Out: the document, or the file. Always: the same traffic plan as the AWS sandbox's
(``moto_fixtures.aws.flowlogs.connections``) between the workloads of the newer subnets
``snet-<segment>-2`` (the members of ``policies/examples/sandbox-multicloud.yaml``), one
tuple per connection at its end (state ``E``, both directions counted), one record per
interface, and one tuple of 8 fields (malformed). ``publish`` puts the same tuples into the
sandbox's Blob service (``moto_fixtures.azure.blob``) as Network Watcher lays them out: one
block blob per flow log, hour and interface
(``flowLogResourceID=/…/y=/m=/d=/h=/m=00/macAddress=…/PT1H.json`` in
``insights-logs-flowlogflowevent``), one record per interface and minute, written as
``{"records":[`` … ``]}`` with each new minute inserted before the closing ``]}``.
"""

from __future__ import annotations

import ipaddress
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from moto_fixtures.aws.flowlogs import Connection, connections, outside_hosts
from moto_fixtures.azure.seed import SEGMENTS

if TYPE_CHECKING:
    from collections.abc import Mapping

    from moto_fixtures.azure.blob import BlobServer
    from moto_fixtures.azure.server import AzureServer

SUBSCRIPTION = "00000000-0000-0000-0000-000000000001"
CONTAINER = "insights-logs-flowlogflowevent"
WATCHER_GROUP = "NetworkWatcherRG"  # where Azure puts the watcher it makes for a region
STORAGE_GROUP = "rg-flowlogs"
FLOW_LOG_ID = (
    f"/SUBSCRIPTIONS/{SUBSCRIPTION}/RESOURCEGROUPS/NETWORKWATCHERRG/PROVIDERS/"
    "MICROSOFT.NETWORK/NETWORKWATCHERS/NETWORKWATCHER_EASTUS/FLOWLOGS/EASTWEST-SANDBOX"
)


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


def blobs(seed: int = 20261205) -> dict[str, list[dict[str, Any]]]:
    """``document(seed)``'s tuples as Network Watcher stores them: blob name → the records
    of that hour and interface, one per minute, in time order."""
    found: dict[str, dict[int, list[str]]] = {}
    for record in document(seed)["records"]:
        mac = record["macAddress"]
        for item in record["flowRecords"]["flows"][0]["flowGroups"][0]["flowTuples"]:
            minute = int(item.split(",")[0]) // 60_000 * 60
            found.setdefault(_blob_name(mac, minute), {}).setdefault(minute, []).append(item)
    return {
        name: [_minute_record(name, minute, tuples) for minute, tuples in sorted(by_minute.items())]
        for name, by_minute in sorted(found.items())
    }


def _blob_name(mac: str, minute: int) -> str:
    at = time.gmtime(minute)
    return (
        f"flowLogResourceID={FLOW_LOG_ID}/y={at.tm_year}/m={at.tm_mon:02d}/d={at.tm_mday:02d}/"
        f"h={at.tm_hour:02d}/m=00/macAddress={mac}/PT1H.json"
    )


def _minute_record(name: str, minute: int, tuples: list[str]) -> dict[str, Any]:
    mac = name.split("macAddress=")[1].split("/", maxsplit=1)[0]
    record = _record("0.0.0.0", tuples)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S.0000000Z", time.gmtime(minute))
    return {**record, "time": stamp, "macAddress": mac, "flowLogResourceID": FLOW_LOG_ID}


def blob_text(records: list[dict[str, Any]]) -> bytes:
    """A blob holding ``records``: the opening block, one block per record, the closing one."""
    return b'{"records":[' + b",".join(json.dumps(r).encode() for r in records) + b"]}"


def publish(server: BlobServer, seed: int = 20261205, minutes: int | None = None) -> int:
    """Every blob of ``blobs(seed)`` on the fake (the first ``minutes`` records of each, when
    given: the blobs as they stood earlier in the hour); returns the tuples written."""
    written = 0
    for name, records in blobs(seed).items():
        kept = records if minutes is None else records[:minutes]
        server.write(CONTAINER, name, blob_text(kept))
        written += sum(
            len(r["flowRecords"]["flows"][0]["flowGroups"][0]["flowTuples"]) for r in kept
        )
    return written


def serve_blobs(port: int = 0, seed: int = 20261205) -> tuple[BlobServer, dict[str, Any]]:
    """The sandbox's Blob service on ``port``, holding the landing zone's flow-log blobs, and
    its section of ``sandbox.json`` (``azure.blob``)."""
    from moto_fixtures.azure.blob import start_blob_server  # noqa: PLC0415

    server = start_blob_server(port)
    publish(server, seed)
    section = {
        "endpoint_url": server.url,
        "account": server.account,
        "account_key": server.account_key,
    }
    return server, section


def create_flow_logs(server: AzureServer, vnets: Mapping[str, str]) -> list[str]:
    """Network Watcher for the landing zone's region (``NetworkWatcher_<region>`` in
    ``NetworkWatcherRG``, as Azure makes it) and a VNet flow log on each spoke VNet writing to
    the sandbox's storage account, made through ``azure-mgmt-network``; returns their ids."""
    from azure.mgmt.network import NetworkManagementClient  # noqa: PLC0415 - heavy
    from azure.mgmt.network.models import (  # noqa: PLC0415
        FlowLog,
        FlowLogPropertiesFormat,
        NetworkWatcher,
    )

    from moto_fixtures.azure.blob import ACCOUNT  # noqa: PLC0415
    from moto_fixtures.azure.credential import fake_credential  # noqa: PLC0415
    from moto_fixtures.azure.seed import REGION  # noqa: PLC0415

    network = NetworkManagementClient(
        fake_credential(), SUBSCRIPTION, base_url=server.url,
        connection_verify=server.ca_bundle, polling_interval=0,
    )  # fmt: skip
    watcher = f"NetworkWatcher_{REGION}"
    network.network_watchers.create_or_update(
        WATCHER_GROUP, watcher, NetworkWatcher(location=REGION)
    )
    storage = (
        f"/subscriptions/{SUBSCRIPTION}/resourceGroups/{STORAGE_GROUP}/providers/"
        f"Microsoft.Storage/storageAccounts/{ACCOUNT}"
    )
    made = []
    for name, vnet_id in sorted(vnets.items()):
        if name == "vnet-hub":
            continue
        properties = FlowLogPropertiesFormat(
            target_resource_id=vnet_id, storage_id=storage, enabled=True
        )
        flow_log = FlowLog(location=REGION, properties=properties)
        poller = network.flow_logs.begin_create_or_update(
            WATCHER_GROUP, watcher, f"eastwest-sandbox-{name}", flow_log
        )
        made.append(str(poller.result().id))
    return made
