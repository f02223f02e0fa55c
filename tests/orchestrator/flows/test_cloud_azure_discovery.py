"""``ingest_azure`` with no storage account named: the flow logs of the policy's subscription
(Network Watcher's ``flowLogs`` on the ARM fake, through azure-mgmt-network) name the storage
accounts to read, each read once, and only the watchers of the policy's regions count; the
fake's flow logs are what the SDK writes and reads back."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.network.models import FlowLog, FlowLogPropertiesFormat, NetworkWatcher

from moto_fixtures.azure import AzureServer, fake_credential, start_azure_server
from moto_fixtures.azure import flowlogs as sandbox_logs
from moto_fixtures.azure.blob import BlobServer, start_blob_server
from moto_fixtures.azure.schema import FLOW_LOG
from orchestrator.flows.cloud_azure import ingest_azure
from orchestrator.flows.reader import read_file
from orchestrator.flows.store import FlowStore
from tests.orchestrator.flows.cloud_truth import multicloud_policy, stored
from tests.orchestrator.flows.test_cloud_azure import BLOB, minutes, record, truth

SUB = "00000000-0000-0000-0000-000000000001"  # the multicloud policy's subscription
TARGET = f"/subscriptions/{SUB}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/v"


@pytest.fixture
def arm() -> Iterator[AzureServer]:
    with start_azure_server() as server:
        yield server


@pytest.fixture
def blobs() -> Iterator[BlobServer]:
    with start_blob_server() as server:
        yield server


def console(server: AzureServer) -> NetworkManagementClient:
    return NetworkManagementClient(
        fake_credential(), SUB, base_url=server.url, connection_verify=server.ca_bundle,
        polling_interval=0,
    )  # fmt: skip


def storage(account: str) -> str:
    group = f"/subscriptions/{SUB}/resourceGroups/st"
    return f"{group}/providers/Microsoft.Storage/storageAccounts/{account}"


def flow_log(network: NetworkManagementClient, region: str, name: str, account: str) -> FlowLog:
    watcher = f"NetworkWatcher_{region}"
    network.network_watchers.create_or_update(
        "NetworkWatcherRG", watcher, NetworkWatcher(location=region)
    )
    properties = FlowLogPropertiesFormat(target_resource_id=TARGET, storage_id=storage(account))
    made = FlowLog(location=region, properties=properties)
    return network.flow_logs.begin_create_or_update(
        "NetworkWatcherRG", watcher, name, made
    ).result()


def sandbox(arm: AzureServer, blobs: BlobServer) -> dict[str, Any]:
    blob = {"endpoint_url": blobs.url, "account": blobs.account, "account_key": blobs.account_key}
    return {"azure": {"endpoint_url": arm.url, "ca_bundle": arm.ca_bundle, "blob": blob}}


def test_the_storage_accounts_the_flow_logs_name_are_read_once(
    arm: AzureServer, blobs: BlobServer, tmp_path: Path
) -> None:
    network = console(arm)
    for name in ("a", "b"):  # two flow logs, one storage account: read once
        flow_log(network, "eastus", name, blobs.account)
    flow_log(network, "westeurope", "elsewhere", "notinthepolicy")  # a region of no account
    made = minutes(3, 4, 2)
    text = sandbox_logs.blob_text([record(m) for m in made])
    blobs.write(sandbox_logs.CONTAINER, BLOB.format("AA"), text)
    lines: list[str] = []
    with FlowStore(tmp_path / "flows.duckdb") as store:
        report = ingest_azure(multicloud_policy(), [], sandbox(arm, blobs), store, lines.append)
        assert report.rejected == []
        assert stored(store) == truth(made)
    assert f"azure {SUB}: 1 storage account(s) named by Network Watcher" in lines
    assert [line for line in lines if line.startswith("azure: reading")] == [
        f"azure: reading blob:{blobs.account}/{sandbox_logs.CONTAINER}"
    ]


NSG = TARGET.replace("virtualNetworks/v", "networkSecurityGroups/n")
NSG_BLOB = "resourceId=/SUBSCRIPTIONS/X/NETWORKSECURITYGROUPS/N/y=2018/m=11/d=13/h=12/m=00/"
NSG_BLOB += "macAddress=000D3AF87856/PT1H.json"


def test_an_nsg_flow_log_is_read_from_its_own_container(
    arm: AzureServer, blobs: BlobServer, tmp_path: Path
) -> None:
    network = console(arm)
    network.network_watchers.create_or_update(
        "NetworkWatcherRG", "NetworkWatcher_eastus", NetworkWatcher(location="eastus")
    )
    properties = FlowLogPropertiesFormat(target_resource_id=NSG, storage_id=storage(blobs.account))
    network.flow_logs.begin_create_or_update(
        "NetworkWatcherRG",
        "NetworkWatcher_eastus",
        "nsg",
        FlowLog(location="eastus", properties=properties),
    ).result()
    fixture = Path(__file__).parents[2] / "fixtures" / "flows" / "azure-nsg-v2.json"
    document = fixture.read_bytes()
    blobs.write("insights-logs-networksecuritygroupflowevent", NSG_BLOB, document)
    blobs.write(sandbox_logs.CONTAINER, BLOB.format("AA"), document)  # not this flow log's
    lines: list[str] = []
    with FlowStore(tmp_path / "flows.duckdb") as store:
        report = ingest_azure(multicloud_policy(), [], sandbox(arm, blobs), store, lines.append)
    as_a_file = read_file(fixture)  # what `flows ingest` makes of the same document
    assert as_a_file.count > 0
    assert (report.records, report.malformed_count, report.rejected) == (
        as_a_file.count, as_a_file.malformed_count, [],
    )  # fmt: skip
    assert (
        f"azure: reading blob:{blobs.account}/insights-logs-networksecuritygroupflowevent" in lines
    )


def test_the_sdk_reads_back_what_it_wrote(arm: AzureServer) -> None:
    network = console(arm)
    made = flow_log(network, "eastus", "f", "acct")
    assert made.properties is not None
    assert (made.properties.target_resource_id, made.properties.storage_id) == (
        TARGET,
        storage("acct"),
    )
    listed = list(network.flow_logs.list("NetworkWatcherRG", "NetworkWatcher_eastus"))
    assert [f.name for f in listed] == ["f"]
    assert [w.name for w in network.network_watchers.list_all()] == ["NetworkWatcher_eastus"]
    # A PUT of the watcher again leaves its flow logs (they are not in its body).
    network.network_watchers.create_or_update(
        "NetworkWatcherRG", "NetworkWatcher_eastus", NetworkWatcher(location="eastus")
    )
    assert [
        f.name for f in network.flow_logs.list("NetworkWatcherRG", "NetworkWatcher_eastus")
    ] == ["f"]


def test_a_flow_log_without_its_storage_is_refused(arm: AzureServer) -> None:
    network = console(arm)
    network.network_watchers.create_or_update(
        "NetworkWatcherRG", "w", NetworkWatcher(location="eastus")
    )
    bare = FlowLog(
        location="eastus", properties=FlowLogPropertiesFormat({"targetResourceId": TARGET})
    )
    with pytest.raises(HttpResponseError, match="storageId"):
        network.flow_logs.begin_create_or_update("NetworkWatcherRG", "w", "f", bare).result()


def test_the_fake_takes_the_writable_fields_the_sdk_sends() -> None:
    """No swagger for Network Watcher ships (the full copy the fakes are made from lacks
    networkWatcher.json): the fake's table is checked against azure-mgmt-network's model."""
    from azure.mgmt.network.models import (
        FlowLogFormatParameters,
        RetentionPolicyParameters,
        TrafficAnalyticsProperties,
    )

    body = FlowLogPropertiesFormat(
        target_resource_id="t",
        storage_id="s",
        enabled=True,
        enabled_filtering_criteria="c",
        record_types="E",
        retention_policy=RetentionPolicyParameters(days=1),
        format=FlowLogFormatParameters(type="JSON"),
        flow_analytics_configuration=TrafficAnalyticsProperties(),
    ).as_dict()
    assert set(body) == set(FLOW_LOG)
    assert {n for n, p in FLOW_LOG.items() if p.required} == {"targetResourceId", "storageId"}
