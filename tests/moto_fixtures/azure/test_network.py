from __future__ import annotations

import time

import pytest
from azure.core.exceptions import HttpResponseError
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.network.models import (
    AddressSpace,
    ApplicationSecurityGroup,
    NetworkSecurityGroup,
    Route,
    RoutePropertiesFormat,
    RouteTable,
    SecurityRule,
    SecurityRulePropertiesFormat,
    Subnet,
    SubnetPropertiesFormat,
    SubResource,
    VirtualNetwork,
    VirtualNetworkPeering,
    VirtualNetworkPeeringPropertiesFormat,
    VirtualNetworkPropertiesFormat,
)

from moto_fixtures.azure import Faults, seed_azure, start_azure_server
from tests.moto_fixtures.azure.conftest import RG, client_for


def test_route_table_and_virtual_appliance_routes(client: NetworkManagementClient) -> None:
    client.route_tables.begin_create_or_update(RG, "rt1", RouteTable(location="eastus")).result()
    route = Route(
        properties=RoutePropertiesFormat(
            address_prefix="0.0.0.0/0",
            next_hop_type="VirtualAppliance",
            next_hop_ip_address="10.0.1.4",
        )
    )
    assert (
        client.routes.begin_create_or_update(RG, "rt1", "default", route)
        .result()
        .next_hop_ip_address
    )
    missing = Route(
        properties=RoutePropertiesFormat(
            address_prefix="10.0.0.0/8", next_hop_type="VirtualAppliance"
        )
    )
    with pytest.raises(HttpResponseError) as caught:
        client.routes.begin_create_or_update(RG, "rt1", "bad", missing).result()
    assert caught.value.error is not None
    assert caught.value.error.code == "InvalidRouteNextHop"
    bad_enum = Route(
        properties=RoutePropertiesFormat(address_prefix="10.0.0.0/8", next_hop_type="Firewall")
    )
    with pytest.raises(HttpResponseError, match="InvalidRequestFormat"):
        client.routes.begin_create_or_update(RG, "rt1", "bad", bad_enum).result()


def test_subnet_associations_and_peerings(client: NetworkManagementClient) -> None:
    nsg = client.network_security_groups.begin_create_or_update(
        RG, "nsg-sub", NetworkSecurityGroup(location="eastus")
    ).result()
    rt = client.route_tables.begin_create_or_update(
        RG, "rt-sub", RouteTable(location="eastus")
    ).result()
    for name, cidr in (("vnet-a", "10.10.0.0/16"), ("vnet-b", "10.11.0.0/16")):
        vnet = VirtualNetwork(
            location="eastus",
            properties=VirtualNetworkPropertiesFormat(
                address_space=AddressSpace(address_prefixes=[cidr])
            ),
        )
        client.virtual_networks.begin_create_or_update(RG, name, vnet).result()
    subnet = Subnet(
        properties=SubnetPropertiesFormat(
            address_prefix="10.10.1.0/24",
            network_security_group=NetworkSecurityGroup(id=nsg.id),
            route_table=RouteTable(id=rt.id),
        )
    )
    created = client.subnets.begin_create_or_update(RG, "vnet-a", "s1", subnet).result()
    assert created.network_security_group is not None
    assert created.network_security_group.id == nsg.id
    nsg_after = client.network_security_groups.get(RG, "nsg-sub")
    assert [s.id for s in nsg_after.subnets or []] == [created.id]
    ghost = Subnet(
        properties=SubnetPropertiesFormat(
            address_prefix="10.10.2.0/24", route_table=RouteTable(id=str(rt.id) + "x")
        )
    )
    with pytest.raises(HttpResponseError, match="InvalidResourceReference"):
        client.subnets.begin_create_or_update(RG, "vnet-a", "s2", ghost).result()
    a, b = (client.virtual_networks.get(RG, n) for n in ("vnet-a", "vnet-b"))
    one = client.virtual_network_peerings.begin_create_or_update(
        RG,
        "vnet-a",
        "a-to-b",
        VirtualNetworkPeering(
            properties=VirtualNetworkPeeringPropertiesFormat(
                remote_virtual_network=SubResource(id=b.id), allow_forwarded_traffic=True
            )
        ),
    ).result()
    assert one.peering_state == "Initiated"
    assert one.allow_forwarded_traffic
    client.virtual_network_peerings.begin_create_or_update(
        RG,
        "vnet-b",
        "b-to-a",
        VirtualNetworkPeering(
            properties=VirtualNetworkPeeringPropertiesFormat(
                remote_virtual_network=SubResource(id=a.id)
            )
        ),
    ).result()
    assert client.virtual_network_peerings.get(RG, "vnet-a", "a-to-b").peering_state == "Connected"


def test_async_operation_polling_and_concurrent_write_conflict() -> None:
    # The delay leaves the second write well inside the first one's operation even on a loaded
    # machine (0.3 s did not, once, in CI).
    with start_azure_server(async_delay=1.5, retry_after=0) as server:
        client = client_for(server, retry_total=0)
        poller = client.network_security_groups.begin_create_or_update(
            RG, "slow", NetworkSecurityGroup(location="eastus")
        )
        assert client.network_security_groups.get(RG, "slow").provisioning_state == "Updating"
        rule = SecurityRule(
            properties=SecurityRulePropertiesFormat(
                protocol="Tcp", access="Allow", direction="Inbound", priority=100
            )
        )
        with pytest.raises(HttpResponseError) as caught:
            client.security_rules.begin_create_or_update(RG, "slow", "r", rule)
        assert caught.value.status_code == 429
        assert "RetryableErrorDueToAnotherOperation" in str(caught.value)
        started = time.monotonic()
        assert poller.result().provisioning_state == "Succeeded"
        assert 0.1 < time.monotonic() - started < 5
        statuses = [
            c["path"].split("/")[-2] for c in server.control.calls() if "/locations/" in c["path"]
        ]
        assert statuses
        assert set(statuses) == {"operations"}


def test_throttling_is_retried_by_the_sdk() -> None:
    faults = Faults(throttle=0.3, retry_after=0, seed=7)
    with start_azure_server(retry_after=0, faults=faults) as server:
        client = client_for(server, retry_total=10)
        for index in range(5):
            client.application_security_groups.begin_create_or_update(
                RG, f"asg{index}", ApplicationSecurityGroup(location="eastus")
            ).result()
        statuses = [c["status"] for c in server.control.calls()]
        assert 429 in statuses
        assert len(list(client.application_security_groups.list(RG))) == 5


def test_seed_builds_hub_and_spokes() -> None:
    with start_azure_server(retry_after=0) as server:
        report = seed_azure(server)
        client = client_for(server)
        spokes = {v.name: v.tags for v in client.virtual_networks.list(RG) if v.name != "vnet-hub"}
        assert spokes == {f"vnet-{s}": {"segment": s} for s in ("web", "app", "db")}
        hub_peerings = list(client.virtual_network_peerings.list(RG, "vnet-hub"))
        assert {p.peering_state for p in hub_peerings} == {"Connected"}
        rules = [r.name for r in client.security_rules.list(RG, "nsg-web")]
        assert "NRMS-Rule-101" in rules
        assert "AllowAzureLoadBalancerHealthProbe" in rules
        assert report.nva_nics == {"nic-nva-1": "10.0.1.4", "nic-nva-2": "10.0.1.5"}
        nic = client.network_interfaces.get(RG, "nic-nva-1")
        assert nic.ip_configurations
        assert nic.ip_configurations[0].private_ip_address == "10.0.1.4"


def test_seed_leaves_one_subnet_per_spoke_free_and_is_deterministic() -> None:
    """eastwest never takes over a subnet with somebody else's NSG: without a free subnet per
    spoke, a policy could manage nothing in Azure."""
    reports = []
    for _ in range(2):
        with start_azure_server(retry_after=0) as server:
            reports.append(seed_azure(server))
            client = client_for(server)
            found = {
                f"{v.name}/{s.name}": (s.address_prefix, s.network_security_group, s.route_table)
                for v in client.virtual_networks.list(RG)
                for s in v.subnets or ()
                if v.name != "vnet-hub"
            }
    first, second = reports
    assert dict(first.free_subnets) == {
        "vnet-web/snet-web-2": first.subnets["vnet-web/snet-web-2"],
        "vnet-app/snet-app-2": first.subnets["vnet-app/snet-app-2"],
        "vnet-db/snet-db-2": first.subnets["vnet-db/snet-db-2"],
    }
    assert {k: v[0] for k, v in found.items() if k in first.free_subnets} == {
        "vnet-web/snet-web-2": "10.1.2.0/24",
        "vnet-app/snet-app-2": "10.2.2.0/24",
        "vnet-db/snet-db-2": "10.3.2.0/24",
    }
    assert all(v[1:] == (None, None) for k, v in found.items() if k in first.free_subnets)
    assert all(v[1] and v[2] for k, v in found.items() if k not in first.free_subnets)
    assert first == second


def test_a_fault_of_the_fake_answers_500_with_its_cause() -> None:
    # A broken fault setting makes the fake itself fail: the SDK must read why, not see a
    # dropped connection.
    broken = Faults(throttle="not a share")  # type: ignore[arg-type]
    with start_azure_server(faults=broken) as server:
        client = client_for(server, retry_total=0)
        with pytest.raises(HttpResponseError) as caught:
            client.application_security_groups.get(RG, "asg")

    assert caught.value.status_code == 500
    assert "the fake failed: TypeError" in str(caught.value)
