"""Desired states for the CDKTF tests, without a cloud.

``sandbox_state``: ``policies/examples/sandbox.yaml`` compiled against a literal inventory shaped
like the sandbox's seeded landing zone (``moto_fixtures/aws/landing_zone.py``); resource ids are
the names, except those the policy names by id (the transit gateway, the inspection VPC and its
GWLB endpoints). ``multicloud_state``: the small Azure, Alibaba and AWS routing states as one."""

from __future__ import annotations

from pathlib import Path

from moto_fixtures.aws import landing_zone as lz
from orchestrator.compile import compile_policy
from orchestrator.diagnostics import Severity
from orchestrator.model import load_policy
from orchestrator.state import (
    DesiredScope,
    DesiredState,
    HubInfo,
    Network,
    NextHop,
    Scope,
    ScopeInventory,
    Subnet,
    Target,
    TransitAttachment,
    TransitInventory,
)
from terraform.world import World
from tests.terraform import multicloud_states as ms
from tests.terraform import states

POLICY = Path(__file__).resolve().parents[2] / "policies" / "examples" / "sandbox.yaml"
SCOPE = Scope("aws", lz.ACCOUNT_ID, lz.REGION)
_TGW = "tgw-7c11c05dff7b9c8f9"
_INSPECTION_VPC = "vpc-af4a734662ad4cc78"
_ENDPOINTS = {"us-east-1a": "vpce-35daad057771e425e", "us-east-1b": "vpce-0b2edc770b33f510b"}


def sandbox_state() -> DesiredState:
    """Security groups, prefix lists and the hub's routing with inspection; no errors."""
    policy = load_policy([POLICY]).policy
    inventory, transit = _inventory()
    desired = compile_policy(policy, {SCOPE: inventory}, {SCOPE: transit})
    errors = [d.summary for d in desired.diagnostics if d.severity is Severity.ERROR]
    assert errors == [], errors
    return desired


def _inventory() -> tuple[ScopeInventory, TransitInventory]:
    networks: list[Network] = []
    subnets: list[Subnet] = []
    tables: dict[str, str] = {}
    attachments: dict[str, TransitAttachment] = {}
    for spoke in (*lz.SPOKES, lz.SHARED):
        vpc = f"vpc-{spoke.name}"
        networks.append(Network(vpc, (spoke.cidr,), {"segment": spoke.segment}, spoke.name))
        for index, zone in enumerate(lz.ZONES):
            work, tgw = f"{vpc}-workload-{zone[-1]}", f"{vpc}-tgw-{zone[-1]}"
            subnets += [
                Subnet(work, vpc, (spoke.workload_cidr(index),), zone),
                Subnet(tgw, vpc, (spoke.tgw_cidr(index),), zone),
            ]
            tables |= {work: f"rtb-{spoke.name}-workload", tgw: f"rtb-{spoke.name}-tgw"}
        attached = tuple(s.id for s in subnets if s.network == vpc and "-tgw-" in s.id)
        attachments[f"tgw-attach-{spoke.name}"] = TransitAttachment(
            f"tgw-attach-{spoke.name}", _TGW, vpc, attached, None
        )
    networks.append(Network(_INSPECTION_VPC, (lz.INSPECTION_CIDR,), {}, lz.INSPECTION_NAME))
    for (tier, zone), cidr in lz.INSPECTION_SUBNETS.items():
        subnet = f"inspection-{tier}-{zone[-1]}"
        subnets.append(Subnet(subnet, _INSPECTION_VPC, (cidr,), zone))
        tables[subnet] = f"rtb-{subnet}" if tier == "tgw" else "rtb-inspection-firewall"
    attachments["tgw-attach-inspection"] = TransitAttachment(
        "tgw-attach-inspection", _TGW, _INSPECTION_VPC,
        tuple(f"inspection-tgw-{z[-1]}" for z in lz.INSPECTION_ZONES), None,
    )  # fmt: skip
    hops = {e: NextHop(e, f"inspection-firewall-{z[-1]}") for z, e in _ENDPOINTS.items()}
    transit = TransitInventory(SCOPE, {_TGW: HubInfo(_TGW)}, attachments, tables, hops)
    return ScopeInventory(SCOPE, tuple(networks), tuple(subnets)), transit


def existing_ids(desired: DesiredState) -> dict[str, str]:
    """An id for every third desired resource: what adoption hands ``synthesize``."""
    keys = sorted(k for d in desired.scopes.values() for k in d.resources)
    return {key: f"id-{n:03d}" for n, key in enumerate(keys[::3])}


def multicloud_state() -> tuple[DesiredState, World]:
    """One state over the three clouds (Azure's world included)."""
    azure, world = ms.azure_state()
    scopes: dict[Scope, DesiredScope] = {}
    targets: dict[Scope, Target] = {}
    for part in (azure, ms.alibaba_state(), states.routing_state()):
        scopes |= part.scopes
        targets |= part.targets
    return DesiredState("p", scopes, targets), World(targets, world.inventory, world.subnet_tables)
