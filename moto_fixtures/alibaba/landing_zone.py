"""The shape of the seeded Alibaba Cloud landing zone: names, CIDRs, zones. Data only, no calls.

``seed.py`` builds exactly this; tests and docs read it to know what to expect. Every name is
unique across kinds, so a ``SeedReport`` can merge them into one Name → id map.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from moto_fixtures.alibaba.models.backend import ACCOUNT_ID, REGION

__all__ = ["ACCOUNT_ID", "REGION"]

ZONES = ("cn-hangzhou-h", "cn-hangzhou-i")
CEN_NAME = "cen-hub"
# Hand-made routes every spoke table carries: corp ranges over the CEN, as netops set them up.
CORP_CIDR = "172.16.0.0/12"
CORP_ROUTE = "corp-onprem"


@dataclass(frozen=True)
class Spoke:
    name: str
    segment: str
    cidr: str

    def vswitch_name(self, zone: str) -> str:
        """``spoke-web-1`` in ``cn-hangzhou-h`` → ``spoke-web-1-h``."""
        return f"{self.name}-{zone_suffix(zone)}"

    def vswitch_cidr(self, index: int) -> str:
        """The index-th /20 of the VPC: one workload vSwitch per zone."""
        return str(list(ipaddress.IPv4Network(self.cidr).subnets(new_prefix=20))[index])

    @property
    def route_table(self) -> str:
        return f"{self.name}-rt"

    @property
    def attachment(self) -> str:
        return f"{self.name}-attachment"

    @property
    def security_group(self) -> str:
        """The hand-made group of this spoke (eastwest must not touch it)."""
        return f"{self.name}-ops"


# Distinct from the AWS sandbox (10.10-10.40/16, 10.100/16) so one policy can hold both clouds,
# and outside 172.16.0.0/12 (the corp range the hand-made routes and the AWS sandbox's corp-vpn
# prefix list stand for).
SPOKES = (
    Spoke("spoke-web-1", "web", "10.50.0.0/16"),
    Spoke("spoke-web-2", "web", "10.51.0.0/16"),
    Spoke("spoke-app-1", "app", "10.60.0.0/16"),
    Spoke("spoke-app-2", "app", "10.61.0.0/16"),
    Spoke("spoke-db-1", "db", "10.70.0.0/16"),
    Spoke("spoke-db-2", "db", "10.71.0.0/16"),
)

SECURITY = Spoke("security", "security", "10.150.0.0/16")

# A second region on the same CEN (``seed_region``, only for the tests that ask for it): a
# router of its own and one spoke per segment of web and app, outside every range above.
SECOND_REGION = "cn-shanghai"
SECOND_ZONES = ("cn-shanghai-e", "cn-shanghai-f")
SECOND_SPOKES = (
    Spoke("spoke-web-sh", "web", "10.52.0.0/16"),
    Spoke("spoke-app-sh", "app", "10.62.0.0/16"),
)
# (tier, zone) → CIDR: small vSwitches for the TR attachment, larger ones for the firewalls.
SECURITY_VSWITCHES = {
    ("tr", ZONES[0]): "10.150.0.0/28",
    ("tr", ZONES[1]): "10.150.0.16/28",
    ("fw", ZONES[0]): "10.150.1.0/24",
    ("fw", ZONES[1]): "10.150.2.0/24",
}
# The security VPC's custom route tables: one per zone for the TR vSwitches (each zone's
# traffic must go to its own firewall), one shared by the firewall vSwitches.
SECURITY_FW_TABLE = f"{SECURITY.name}-fw-rt"


def security_vswitch_name(tier: str, zone: str) -> str:
    """``("fw", "cn-hangzhou-h")`` → ``security-fw-h``."""
    return f"{SECURITY.name}-{tier}-{zone_suffix(zone)}"


def security_tr_table(zone: str) -> str:
    """``cn-hangzhou-h`` → ``security-tr-h-rt``."""
    return f"{SECURITY.name}-tr-{zone_suffix(zone)}-rt"


def firewall_eni_name(zone: str) -> str:
    return f"fw-eni-{zone_suffix(zone)}"


def zone_suffix(zone: str) -> str:
    """``cn-hangzhou-h`` → ``h``."""
    return zone.rsplit("-", 1)[-1]


# --- workloads (ECS instances and ENIs) ---


# One instance per spoke and zone, in the spoke's vSwitch of that zone, in the spoke's hand-made
# group: so every pair of segments has instances in the same zone and in different zones.
def instance_name(spoke: Spoke, zone: str) -> str:
    """``spoke-web-1`` in ``cn-hangzhou-h`` → ``spoke-web-1-vm-h``."""
    return f"{spoke.name}-vm-{zone_suffix(zone)}"


def eni_name(instance: str, index: int) -> str:
    """An instance's ENIs: ``eth0`` is the primary one."""
    return f"{instance}-eth{index}"


# A hand-made permissive group (PostgreSQL open to the world), joined by one db instance: the
# kind of group an `exclusive` attachment must take off and put back byte-identical.
PERMISSIVE_SPOKE = "spoke-db-1"
PERMISSIVE_GROUP = "spoke-db-1-pg-open"
PERMISSIVE_INSTANCE = f"{PERMISSIVE_SPOKE}-vm-{zone_suffix(ZONES[0])}"
# A secondary ENI attached to one app instance: workloads have more than their primary ENI.
SECONDARY_INSTANCE = f"spoke-app-1-vm-{zone_suffix(ZONES[0])}"
# An ENI a cloud service manages (a PrivateLink endpoint's, as DescribeNetworkInterfaces shows
# it: ServiceManaged, a ServiceID, no InstanceId) in a member VPC: never a workload.
ENDPOINT_SPOKE = "spoke-app-1"
ENDPOINT_ENI = "spoke-app-1-endpoint-eni"
ENDPOINT_SERVICE_ID = 12345678910
# The VM-Series firewalls of the security VPC: a management (primary) ENI and the data ENI the
# routes point at (``fw-eni-h``/``-i``), both in the hand-made group ``security-fw``.
FIREWALL_GROUP = f"{SECURITY.name}-fw"


def firewall_instance_name(zone: str) -> str:
    return f"fw-vm-{zone_suffix(zone)}"
