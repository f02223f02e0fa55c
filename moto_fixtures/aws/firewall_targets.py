"""The VM-Series behind the sandbox's Gateway Load Balancer: one IP target per inspection zone.

In: an elbv2 client of the seeded landing zone (its target group ``inspection-firewalls``).
Out: the targets registered; ``FIREWALL_TARGETS`` (zone → address: the tenth address of the
zone's firewall subnet, the VM-Series' data interface). Why: the firewall health probe
(``providers/aws/health.py``) reads the GWLB's targets, so the seed registers them
(``seed.py``) and ``--firewall-probes cloud`` sees both firewalls healthy on a fresh sandbox.
moto answers every registered IP target ``healthy`` (it runs no health checks), so a firewall
is made unhealthy the way an operator takes one out: ``deregister_targets`` (the target is
then absent: its zone has 0 healthy targets); registering it again brings it back.
Registering is idempotent: a target already there stays one target.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from moto_fixtures.aws import landing_zone as lz

FIREWALL_TARGETS = {
    zone: str(ipaddress.IPv4Network(lz.INSPECTION_SUBNETS["firewall", zone])[10])
    for zone in lz.INSPECTION_ZONES
}


TARGET_GROUP = "inspection-firewalls"


def register_firewall_targets(elbv2: Any) -> None:
    (group,) = elbv2.describe_target_groups(Names=[TARGET_GROUP])["TargetGroups"]
    elbv2.register_targets(
        TargetGroupArn=group["TargetGroupArn"],
        Targets=[{"Id": ip} for ip in FIREWALL_TARGETS.values()],
    )
