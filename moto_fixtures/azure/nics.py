"""Network interfaces: NRP's checks on a NIC's IP configurations, and the addresses it assigns.

In: the store, the NIC's id, its validated properties and the NIC as it was (``None`` when new).
Out: the properties to store, with every IP configuration's ``privateIPAddress`` and allocation
method filled in and the server-managed fields (``virtualMachine``, ``macAddress``) carried over
from the old NIC (a PUT cannot set or clear them: they are readOnly). Always: every check runs
before anything is stored, and each failure is the ``ArmError`` NRP answers:

- every IPv4 configuration of a NIC carries the same set of application security groups
  (``AllIpConfigurationsOnANicMustBelongToTheSameApplicationSecurityGroups``);
- an ASG's members are all in one virtual network (the documented rule; the code is the fake's);
- at most 20 ASGs on one NIC, all its configurations together (Azure's published limit);
- a static address lies in its subnet (``PrivateIPAddressNotInSubnet``) and is nobody else's
  (``PrivateIPAddressInUse``); a dynamic one is the subnet's first free host from .4 on (Azure
  keeps the first four and the last address) and stays what it was while the subnet does.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Any

from moto_fixtures.azure.errors import (
    AllIpConfigurationsSameAsgsError,
    AsgInDifferentVnetError,
    AsgsPerNicLimitError,
    PrivateIPAddressInUseError,
    PrivateIPAddressNotInSubnetError,
    SubnetIsFullError,
)
from moto_fixtures.azure.state import Resource, Store

SERVER_MANAGED = ("virtualMachine", "macAddress")
_FIRST_HOST = 4  # .0 network, .1 gateway, .2 and .3 Azure DNS
MAX_ASGS_PER_NIC = 20


def prepare(store: Store, nic_id: str, props: dict[str, Any], old: Resource | None) -> None:
    """Check ``props`` of the NIC ``nic_id`` and complete them in place (see the module)."""
    configs: list[dict[str, Any]] = props.get("ipConfigurations", [])
    _same_asgs(nic_id, configs)
    _asgs_per_nic(nic_id, configs)
    _asgs_in_one_vnet(store, nic_id, configs)
    previous = {c["name"]: c["properties"] for c in (old.properties if old else {}).get(
        "ipConfigurations", []
    )}  # fmt: skip
    for config in configs:
        _address(store, nic_id, config, previous.get(config["name"], {}))
    if old is not None:
        props.update({k: old.properties[k] for k in SERVER_MANAGED if k in old.properties})


def attach_vm(store: Store, nic_id: str, vm_id: str, mac: str) -> None:
    """What attaching a NIC to a virtual machine shows on it (the fake has no Compute)."""
    nic = store.get(nic_id)
    assert nic is not None, nic_id
    nic.properties.update(virtualMachine={"id": vm_id}, macAddress=mac)


def _config_id(nic_id: str, config: dict[str, Any]) -> str:
    return f"{nic_id}/ipConfigurations/{config['name']}"


def _asg_ids(config: dict[str, Any]) -> list[str]:
    return [a["id"] for a in config["properties"].get("applicationSecurityGroups", [])]


def _same_asgs(nic_id: str, configs: list[dict[str, Any]]) -> None:
    ipv4 = [c for c in configs if c["properties"].get("privateIPAddressVersion", "IPv4") == "IPv4"]
    for config in ipv4[1:]:
        first, other = _asg_ids(ipv4[0]), _asg_ids(config)
        if {a.lower() for a in first} != {a.lower() for a in other}:
            raise AllIpConfigurationsSameAsgsError(
                _config_id(nic_id, ipv4[0]), ", ".join(first),
                _config_id(nic_id, config), ", ".join(other),
            )  # fmt: skip


def _asgs_per_nic(nic_id: str, configs: list[dict[str, Any]]) -> None:
    distinct = {a.lower() for config in configs for a in _asg_ids(config)}
    if len(distinct) > MAX_ASGS_PER_NIC:
        raise AsgsPerNicLimitError(nic_id, len(distinct), MAX_ASGS_PER_NIC)


def _vnet_of(config: dict[str, Any]) -> str | None:
    """The VNet id (lower case) of a configuration's subnet, from the subnet's own id."""
    subnet = str(config["properties"].get("subnet", {}).get("id", ""))
    head, sep, _ = subnet.lower().rpartition("/subnets/")
    return head if sep else None


def _configs(store: Store, but: str) -> Iterator[tuple[Resource, dict[str, Any]]]:
    """Every IP configuration of every NIC other than ``but``."""
    for nic in store.all():
        if nic.kind.segment == "networkInterfaces" and nic.key != but.lower():
            for config in nic.properties.get("ipConfigurations", []):
                yield nic, config


def _asgs_in_one_vnet(store: Store, nic_id: str, configs: list[dict[str, Any]]) -> None:
    for config in configs:
        vnet = _vnet_of(config)
        for asg in _asg_ids(config):
            for _, other in _configs(store, nic_id):
                other_vnet = _vnet_of(other)
                joined = asg.lower() in {a.lower() for a in _asg_ids(other)}
                if joined and vnet and other_vnet and other_vnet != vnet:
                    raise AsgInDifferentVnetError(_config_id(nic_id, config), asg, other_vnet)


def _address(store: Store, nic_id: str, config: dict[str, Any], before: dict[str, Any]) -> None:
    props = config["properties"]
    subnet = store.get(str(props.get("subnet", {}).get("id", "")))
    if subnet is None:
        return
    prefix = subnet.properties.get("addressPrefix") or subnet.properties["addressPrefixes"][0]
    network = ipaddress.ip_network(prefix)
    taken = {
        str(c["properties"].get("privateIPAddress")): nic.id
        for nic, c in _configs(store, nic_id)
        if str(c["properties"].get("subnet", {}).get("id", "")).lower() == subnet.key
    }
    method = props.setdefault("privateIPAllocationMethod", "Dynamic")
    if method == "Static" and "privateIPAddress" in props:
        address = props["privateIPAddress"]
        if ipaddress.ip_address(address) not in network:
            raise PrivateIPAddressNotInSubnetError(address, _config_id(nic_id, config), prefix)
        if address in taken:
            raise PrivateIPAddressInUseError(address, _config_id(nic_id, config), taken[address])
        return
    same_subnet = str(before.get("subnet", {}).get("id", "")).lower() == subnet.key
    if same_subnet and before.get("privateIPAddress"):
        props["privateIPAddress"] = before["privateIPAddress"]
        return
    hosts = (str(network[i]) for i in range(_FIRST_HOST, network.num_addresses - 1))
    free = next((h for h in hosts if h not in taken), None)
    if free is None:
        raise SubnetIsFullError(subnet.id)
    props["privateIPAddress"] = free
