"""Network interfaces and application security groups of the Azure fake, through the real
NetworkManagementClient: the seeded workloads, shapes, paging, long-running writes and errors."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from azure.mgmt.network import NetworkManagementClient
from azure.mgmt.network.models import (
    AddressSpace,
    ApplicationSecurityGroup,
    NetworkInterface,
    NetworkInterfaceIPConfiguration,
    NetworkInterfaceIPConfigurationPropertiesFormat,
    NetworkInterfacePropertiesFormat,
    Subnet,
    SubnetPropertiesFormat,
    VirtualNetwork,
    VirtualNetworkPropertiesFormat,
)

from moto_fixtures.azure import AzureServer, seed_azure, start_azure_server
from moto_fixtures.azure.seed import SeedReport
from tests.moto_fixtures.azure.conftest import RG, client_for

Seeded = tuple[AzureServer, SeedReport, NetworkManagementClient]
WORKLOADS = [f"nic-vm-{s}-{i}" for s in ("web", "app", "db") for i in (1, 2)]


@pytest.fixture
def seeded() -> Iterator[Seeded]:
    with start_azure_server(retry_after=0, page_size=3) as server:
        report = seed_azure(server)
        server.control.clear()
        yield server, report, client_for(server)


def _nic(
    subnet_id: str, *, asgs: Sequence[str] = (), address: str | None = None, name: str = "ipconfig1"
) -> NetworkInterfaceIPConfiguration:
    return NetworkInterfaceIPConfiguration(
        name=name,
        properties=NetworkInterfaceIPConfigurationPropertiesFormat(
            subnet=Subnet(id=subnet_id),
            private_ip_address=address,
            private_ip_allocation_method="Static" if address else "Dynamic",
            application_security_groups=[ApplicationSecurityGroup(id=a) for a in asgs],
        ),
    )


def _put(client: NetworkManagementClient, name: str, *configs: Any) -> NetworkInterface:
    nic = NetworkInterface(
        location="eastus",
        properties=NetworkInterfacePropertiesFormat(ip_configurations=list(configs)),
    )
    return client.network_interfaces.begin_create_or_update(RG, name, nic).result()


def _asg(client: NetworkManagementClient, name: str) -> str:
    created = client.application_security_groups.begin_create_or_update(
        RG, name, ApplicationSecurityGroup(location="eastus")
    ).result()
    return str(created.id)


def _code(caught: pytest.ExceptionInfo[HttpResponseError]) -> str:
    assert caught.value.error is not None
    return str(caught.value.error.code)


def test_lists_page_through_next_link_per_group_and_subscription(seeded: Seeded) -> None:
    server, report, client = seeded
    per_group = [str(n.name) for n in client.network_interfaces.list(RG)]
    everywhere = [str(n.name) for n in client.network_interfaces.list_all()]
    assert sorted(per_group) == sorted(everywhere) == sorted([*WORKLOADS, "nic-nva-1", "nic-nva-2"])
    pages = [c for c in server.control.calls() if "networkInterfaces" in c["path"]]
    assert len(pages) == 2 * 3  # eight NICs, three a page, for each of the two lists
    assert set(report.workload_nics) == set(WORKLOADS)
    assert set(report.excluded_nics) == {"nic-nva-1", "nic-nva-2"}


def test_a_workload_nic_reads_back_attached_with_an_address_of_its_subnet(seeded: Seeded) -> None:
    _, report, client = seeded
    nic = client.network_interfaces.get(RG, "nic-vm-web-2")
    assert nic.provisioning_state == "Succeeded"
    assert nic.virtual_machine is not None
    assert nic.virtual_machine.id == report.virtual_machines["nic-vm-web-2"]
    assert nic.virtual_machine.id.endswith("/Microsoft.Compute/virtualMachines/vm-web-2")
    assert nic.primary is True
    assert str(nic.mac_address).startswith("00-0D-3A-")
    assert nic.enable_ip_forwarding is False
    assert nic.network_security_group is None
    (config,) = nic.ip_configurations or []
    assert config.id == f"{nic.id}/ipConfigurations/ipconfig1"
    assert config.subnet is not None
    assert config.subnet.id == report.subnets["vnet-web/snet-web-2"]
    assert (config.private_ip_address, config.private_ip_allocation_method) == (
        "10.1.2.4",
        "Dynamic",
    )
    nva = client.network_interfaces.get(RG, "nic-nva-1")
    assert nva.enable_ip_forwarding is True  # the excluded kind: an appliance forwards


def test_the_permissive_nic_carries_its_own_nsg_and_asg(seeded: Seeded) -> None:
    _, report, client = seeded
    nic = client.network_interfaces.get(RG, "nic-vm-db-2")
    assert nic.network_security_group is not None
    assert nic.network_security_group.id == report.nic_nsgs["nsg-vm-db-2"]
    (config,) = nic.ip_configurations or []
    assert [a.id for a in config.application_security_groups or []] == [
        report.asgs["asg-db-legacy"]
    ]
    (rule,) = client.security_rules.list(RG, "nsg-vm-db-2")
    assert (rule.source_address_prefix, rule.destination_port_range, rule.access) == (
        "*",
        "5432",
        "Allow",
    )
    nsg = client.network_security_groups.get(RG, "nsg-vm-db-2")
    assert [n.id for n in nsg.network_interfaces or []] == [nic.id]
    assert report.unowned_rules["nsg-vm-db-2"] == ("allow-pg-from-anywhere",)


def test_subnets_list_the_ip_configurations_in_them(seeded: Seeded) -> None:
    _, _, client = seeded
    subnet = client.subnets.get(RG, "vnet-app", "snet-app-2")
    nic = client.network_interfaces.get(RG, "nic-vm-app-2")
    assert [c.id for c in subnet.ip_configurations or []] == [
        c.id for c in nic.ip_configurations or []
    ]


def test_joining_an_asg_keeps_the_address_and_the_vm(seeded: Seeded) -> None:
    _, report, client = seeded
    asg = _asg(client, "asg-web")
    nic = client.network_interfaces.get(RG, "nic-vm-web-2")
    before = (nic.ip_configurations or [])[0].private_ip_address
    (nic.ip_configurations or [])[0].application_security_groups = [
        ApplicationSecurityGroup(id=asg)
    ]
    after = client.network_interfaces.begin_create_or_update(RG, "nic-vm-web-2", nic).result()
    (config,) = after.ip_configurations or []
    assert [a.id for a in config.application_security_groups or []] == [asg]
    assert config.private_ip_address == before
    assert after.virtual_machine is not None
    assert after.virtual_machine.id == report.virtual_machines["nic-vm-web-2"]


def test_a_new_nic_takes_the_next_free_address_and_leaves_with_its_delete(seeded: Seeded) -> None:
    _, report, client = seeded
    subnet = report.subnets["vnet-web/snet-web-2"]
    made = _put(client, "nic-scaled-out", _nic(subnet))
    assert (made.ip_configurations or [])[0].private_ip_address == "10.1.2.5"
    assert made.virtual_machine is None
    client.network_interfaces.begin_delete(RG, "nic-scaled-out").result()
    with pytest.raises(ResourceNotFoundError):
        client.network_interfaces.get(RG, "nic-scaled-out")
    listed = client.subnets.get(RG, "vnet-web", "snet-web-2").ip_configurations or []
    assert len(listed) == 1


def test_a_nic_write_is_a_long_running_operation() -> None:
    # Long enough to read the in-between state on a loaded machine (as test_network.py's).
    with start_azure_server(retry_after=0, async_delay=1.5) as server:
        client = client_for(server)
        vnet = VirtualNetwork(
            location="eastus",
            properties=VirtualNetworkPropertiesFormat(
                address_space=AddressSpace(address_prefixes=["10.9.0.0/16"]),
                subnets=[
                    Subnet(
                        name="s", properties=SubnetPropertiesFormat(address_prefix="10.9.1.0/24")
                    )
                ],
            ),
        )
        made = client.virtual_networks.begin_create_or_update(RG, "v", vnet).result()
        subnet = (made.subnets or [])[0].id
        nic = NetworkInterface(
            location="eastus",
            properties=NetworkInterfacePropertiesFormat(ip_configurations=[_nic(str(subnet))]),
        )
        poller = client.network_interfaces.begin_create_or_update(RG, "nic-slow", nic)
        assert client.network_interfaces.get(RG, "nic-slow").provisioning_state == "Updating"
        assert poller.result().provisioning_state == "Succeeded"
        assert client.network_interfaces.get(RG, "nic-slow").provisioning_state == "Succeeded"


def _refusals() -> list[Any]:
    return [
        pytest.param(
            "asgs-differ",
            "AllIpConfigurationsOnANicMustBelongToTheSameApplicationSecurityGroups",
            id="asgs-differ-between-configs",
        ),
        pytest.param(
            "asg-other-vnet",
            "NetworkInterfaceAndApplicationSecurityGroupInDifferentVnet",
            id="asg-members-in-another-vnet",
        ),
        pytest.param("unknown-asg", "InvalidResourceReference", id="unknown-asg"),
        pytest.param(
            "21-asgs",
            "ApplicationSecurityGroupsPerNetworkInterfaceLimitReached",
            id="more-than-20-asgs-on-a-nic",
        ),
        pytest.param("address-taken", "PrivateIPAddressInUse", id="static-address-in-use"),
        pytest.param("address-outside", "PrivateIPAddressNotInSubnet", id="static-address-outside"),
    ]


@pytest.mark.parametrize(("case", "code"), _refusals())
def test_nic_refusals_store_nothing(seeded: Seeded, case: str, code: str) -> None:
    _, report, client = seeded
    web, db = report.subnets["vnet-web/snet-web-2"], report.subnets["vnet-db/snet-db-2"]
    legacy = report.asgs["asg-db-legacy"]  # nic-vm-db-2, in vnet-db, is already in it
    configs = {
        "asgs-differ": [_nic(web, asgs=[_asg(client, "a1")]), _nic(web, name="second")],
        "asg-other-vnet": [_nic(web, asgs=[legacy])],
        "unknown-asg": [_nic(web, asgs=[legacy.replace("asg-db-legacy", "asg-nope")])],
        "21-asgs": [_nic(web, asgs=[_asg(client, f"a{i}") for i in range(21)])],
        "address-taken": [_nic(web, address="10.1.2.4")],
        "address-outside": [_nic(db, address="10.1.2.50")],
    }[case]
    with pytest.raises(HttpResponseError) as caught:
        _put(client, "nic-refused", *configs)
    assert _code(caught) == code
    assert caught.value.status_code == 400
    with pytest.raises(ResourceNotFoundError):
        client.network_interfaces.get(RG, "nic-refused")


def test_twenty_asgs_on_a_nic_are_accepted(seeded: Seeded) -> None:
    _, report, client = seeded
    asgs = [_asg(client, f"a{i}") for i in range(20)]
    made = _put(client, "nic-full", _nic(report.subnets["vnet-web/snet-web-2"], asgs=asgs))
    assert len((made.ip_configurations or [])[0].application_security_groups or []) == 20


def test_an_asg_with_members_cannot_be_deleted(seeded: Seeded) -> None:
    _, _, client = seeded
    with pytest.raises(HttpResponseError) as caught:
        client.application_security_groups.begin_delete(RG, "asg-db-legacy").result()
    assert _code(caught) == "InUseApplicationSecurityGroupCannotBeDeleted"
    assert client.application_security_groups.get(RG, "asg-db-legacy").name == "asg-db-legacy"


def test_an_nsg_on_a_nic_cannot_be_deleted(seeded: Seeded) -> None:
    _, _, client = seeded
    with pytest.raises(HttpResponseError) as caught:
        client.network_security_groups.begin_delete(RG, "nsg-vm-db-2").result()
    assert _code(caught) == "InUseNetworkSecurityGroupCannotBeDeleted"


def test_application_security_groups_crud(seeded: Seeded) -> None:
    _, report, client = seeded
    made = _asg(client, "asg-new")
    got = client.application_security_groups.get(RG, "asg-new")
    assert (got.id, got.provisioning_state) == (made, "Succeeded")
    assert got.resource_guid
    names = {a.name for a in client.application_security_groups.list(RG)}
    assert names == {"asg-new", *report.asgs}
    client.application_security_groups.begin_delete(RG, "asg-new").result()
    with pytest.raises(ResourceNotFoundError):
        client.application_security_groups.get(RG, "asg-new")
