"""The shape of the seeded AWS landing zone: names, CIDRs, zones. Data only, no calls.

``seed.py`` builds exactly this through the API; tests and docs read it to know what to expect.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

ACCOUNT_ID = "111111111111"
OTHER_ACCOUNT_ID = "222222222222"
REGION = "us-east-1"
ZONES = ("us-east-1a", "us-east-1b", "us-east-1c")
INSPECTION_ZONES = ZONES[:2]
# Fixed so that every `sandbox up` and every test hands out the same resource ids.
RANDOM_SEED = 20261122


@dataclass(frozen=True)
class Spoke:
    name: str
    segment: str
    cidr: str

    def workload_cidr(self, index: int) -> str:
        """The index-th /20 of the VPC: room for workloads in one zone."""
        return str(list(ipaddress.IPv4Network(self.cidr).subnets(new_prefix=20))[index])

    def tgw_cidr(self, index: int) -> str:
        """The index-th /28 of the VPC's last /24: a transit gateway attachment subnet."""
        last = list(ipaddress.IPv4Network(self.cidr).subnets(new_prefix=24))[-1]
        return str(list(last.subnets(new_prefix=28))[index])


SPOKES = (
    Spoke("spoke-web-1", "web", "10.10.0.0/16"),
    Spoke("spoke-web-2", "web", "10.11.0.0/16"),
    Spoke("spoke-app-1", "app", "10.20.0.0/16"),
    Spoke("spoke-app-2", "app", "10.21.0.0/16"),
    Spoke("spoke-db-1", "db", "10.30.0.0/16"),
    Spoke("spoke-db-2", "db", "10.31.0.0/16"),
)

SHARED = Spoke("shared-services", "shared", "10.40.0.0/16")
SHARED_SUBNETS = (
    ("shared-services-a", "10.40.0.0/24", ZONES[0]),
    ("shared-services-b", "10.40.1.0/24", ZONES[1]),
)

INSPECTION_NAME = "inspection"
INSPECTION_CIDR = "10.100.0.0/16"
# (tier, zone) → CIDR: small transit subnets, larger firewall subnets for the NGFW fleet.
INSPECTION_SUBNETS = {
    ("tgw", ZONES[0]): "10.100.0.0/28",
    ("tgw", ZONES[1]): "10.100.0.16/28",
    ("firewall", ZONES[0]): "10.100.1.0/24",
    ("firewall", ZONES[1]): "10.100.2.0/24",
}

TRANSIT_GATEWAY_NAME = "tgw-hub"
GWLB_NAME = "inspection-gwlb"
CORP_VPN = "corp-vpn"
CORP_VPN_ENTRIES = (("172.16.0.0/16", "vpn pool emea"), ("172.20.0.0/16", "vpn pool amer"))

# The second account: one VPC with the same CIDR and segment tag as spoke-web-1, so that any
# code mixing accounts up shows it at once.
OTHER_VPC = Spoke("other-web-1", "web", "10.10.0.0/16")


def zone_suffix(zone: str) -> str:
    """``us-east-1a`` → ``a``."""
    return zone[-1]


# --- workloads (instances and ENIs, seed_workloads.py) ---

# One instance per spoke, alternating zones a and b (spoke-web-1 in a, spoke-web-2 in b…), in
# its workload subnet and its VPC's default group: pairs of segments meet in one zone and across.
WORKLOAD_ZONES = ZONES[:2]
IMAGE_NAME = "golden-al2023"
# A hand-made group that opens PostgreSQL to the world, on spoke-db-1's instance.
PERMISSIVE_GROUP = "pg-open-db-1"
PERMISSIVE_SPOKE = "spoke-db-1"
# Interfaces no workload group may touch: a firewall's data ENI in the inspection VPC, a
# private NAT gateway's and an interface endpoint's ENIs in spoke-app-1 (both service-managed).
FIREWALL_ENI = "inspection-fw-eni-a"
NAT_GATEWAY = "spoke-app-1-nat"
ENDPOINT = "spoke-app-1-ssm-endpoint"
ENDPOINT_SERVICE = "com.amazonaws.us-east-1.ssm"


def instance_name(spoke: Spoke, index: int) -> str:
    """``spoke-web-1`` (index 0) → ``spoke-web-1-vm-a``; the next spoke's is in zone b."""
    return f"{spoke.name}-vm-{zone_suffix(WORKLOAD_ZONES[index % len(WORKLOAD_ZONES)])}"
