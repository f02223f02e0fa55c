"""The Azure landing zone's workloads: VM network interfaces in the spokes, seeded through ARM.

In: something that PUTs a Microsoft.Network resource and answers it when it has settled (the
seed's ``_Api``), the server's store (to show the NICs attached to VMs: the fake has no
Microsoft.Compute, and ``virtualMachine`` is readOnly), the region, subscription and group, and
the subnet ids by ``vnet/subnet``. Out: ``SeededWorkloads``. Always: NICs take their addresses
from the fake (dynamic allocation), so two fresh servers seeded alike hold the same addresses.

What gets built, per spoke ``<segment>``: ``nic-vm-<segment>-1`` in ``snet-<segment>`` (the
subnet behind the user's NSG) and ``nic-vm-<segment>-2`` in ``snet-<segment>-2`` (the free
subnet a policy manages), each attached to a VM ``vm-<segment>-N``; on ``nic-vm-db-2`` a
hand-made NIC-level NSG ``nsg-vm-db-2`` that lets PostgreSQL in from anywhere and a hand-made
ASG ``asg-db-legacy``. The hub's NVA NICs (made by the seed) are shown attached to their VMs
too; they, and anything with IP forwarding on, are the kind no workload group may touch.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from moto_fixtures.azure.nics import attach_vm
from moto_fixtures.azure.state import Store

Put = Callable[[str, dict[str, Any]], dict[str, Any]]
PERMISSIVE_NIC = "nic-vm-db-2"
PERMISSIVE_NSG = "nsg-vm-db-2"
LEGACY_ASG = "asg-db-legacy"


@dataclass
class SeededWorkloads:
    nics: dict[str, str] = field(default_factory=dict)  # workload NIC name → id
    vms: dict[str, str] = field(default_factory=dict)  # NIC name → the VM id it shows
    nic_nsgs: dict[str, str] = field(default_factory=dict)  # hand-made NIC-level NSGs
    asgs: dict[str, str] = field(default_factory=dict)  # hand-made ASGs
    nsg_rules: dict[str, tuple[str, ...]] = field(default_factory=dict)  # NSG → its rules


@dataclass(frozen=True)
class Scope:
    subscription: str
    group: str
    region: str

    def vm_id(self, name: str) -> str:
        return (
            f"/subscriptions/{self.subscription}/resourceGroups/{self.group}"
            f"/providers/Microsoft.Compute/virtualMachines/{name}"
        )


def seed_workloads(
    put: Put,
    store: Store,
    scope: Scope,
    subnets: dict[str, str],
    segments: tuple[str, ...],
) -> SeededWorkloads:
    out = SeededWorkloads()
    rule = {"name": "allow-pg-from-anywhere", "properties": {
        "protocol": "Tcp", "access": "Allow", "direction": "Inbound", "priority": 100,
        "sourceAddressPrefix": "*", "sourcePortRange": "*",
        "destinationAddressPrefix": "*", "destinationPortRange": "5432",
        "description": "temporary, for the migration (dba, by hand)"}}  # fmt: skip
    nsg = put(f"networkSecurityGroups/{PERMISSIVE_NSG}",
              {"location": scope.region, "properties": {"securityRules": [rule]}})  # fmt: skip
    out.nic_nsgs[PERMISSIVE_NSG] = nsg["id"]
    out.nsg_rules[PERMISSIVE_NSG] = ("allow-pg-from-anywhere",)
    asg = put(f"applicationSecurityGroups/{LEGACY_ASG}",
              {"location": scope.region, "tags": {"owner": "dba"}})  # fmt: skip
    out.asgs[LEGACY_ASG] = asg["id"]
    for segment in segments:
        for index, subnet in ((1, f"snet-{segment}"), (2, f"snet-{segment}-2")):
            name = f"nic-vm-{segment}-{index}"
            extra = (nsg["id"], asg["id"]) if name == PERMISSIVE_NIC else (None, None)
            body = _nic(scope.region, segment, subnets[f"vnet-{segment}/{subnet}"], *extra)
            nic = put(f"networkInterfaces/{name}", body)
            out.nics[name] = nic["id"]
            out.vms[name] = _attach(store, scope, nic["id"], f"vm-{segment}-{index}")
    return out


def _nic(
    region: str, segment: str, subnet_id: str, nsg_id: str | None, asg_id: str | None
) -> dict[str, Any]:
    config: dict[str, Any] = {
        "subnet": {"id": subnet_id},
        "privateIPAllocationMethod": "Dynamic",
        "primary": True,
    }
    properties: dict[str, Any] = {"ipConfigurations": [{"name": "ipconfig1", "properties": config}]}
    if nsg_id is not None:
        properties["networkSecurityGroup"] = {"id": nsg_id}
    if asg_id is not None:
        config["applicationSecurityGroups"] = [{"id": asg_id}]
    return {"location": region, "tags": {"segment": segment}, "properties": properties}


def attach_nvas(store: Store, scope: Scope, nics: dict[str, str]) -> dict[str, str]:
    """Show the hub's NVA NICs (name → id) on their VMs; answer NIC name → VM id."""
    return {
        name: _attach(store, scope, nic_id, name.replace("nic-", "vm-", 1))
        for name, nic_id in nics.items()
    }


def _attach(store: Store, scope: Scope, nic_id: str, vm: str) -> str:
    # Azure MACs read 00-0D-3A-…; the rest from the NIC's id, so seeds repeat exactly.
    digest = zlib.crc32(nic_id.lower().encode())
    mac = "00-0D-3A-" + "-".join(f"{(digest >> s) & 0xFF:02X}" for s in (16, 8, 0))
    with store.lock:
        attach_vm(store, nic_id, scope.vm_id(vm), mac)
    return scope.vm_id(vm)
