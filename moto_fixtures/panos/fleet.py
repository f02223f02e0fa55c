"""The sandbox's VM-Series fleet: one fake firewall per inspection zone of each landing zone.

In: nothing but the landing zones' constants. Out: ``start_fleet`` (label → ``PanosServer``),
``describe_fleet`` (what ``sandbox.json``'s ``panos`` section records) and ``used``.
Always: a firewall's label is ``<cloud>/<zone>``, the zone a hub's ``firewalls:`` entry names,
so a policy's firewall finds its management endpoint without knowing the sandbox's ports.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from moto_fixtures.alibaba.landing_zone import ZONES as ALIBABA_ZONES
from moto_fixtures.aws.landing_zone import INSPECTION_ZONES as AWS_ZONES
from moto_fixtures.panos.server import PanosServer, start_panos_server

# Azure's two NVAs (10.0.1.4 and .5) sit behind one internal load balancer, declared as zone
# "1" in the example policies; a policy naming the NVAs themselves, active and standby (the
# failover tests), declares them as zones "1" and "2".
LABELS = (
    *(f"aws/{zone}" for zone in AWS_ZONES),
    *(f"alibaba/{zone}" for zone in ALIBABA_ZONES),
    "azure/1",
    "azure/2",
)


def start_fleet(ports: Mapping[str, int] | None = None) -> dict[str, PanosServer]:
    """Start every firewall (on ``ports[label]`` when given); on failure stop what started."""
    fleet: dict[str, PanosServer] = {}
    try:
        for index, label in enumerate(LABELS, start=1):
            fleet[label] = start_panos_server(
                (ports or {}).get(label, 0),
                hostname=f"PA-VM-{label.replace('/', '-')}",
                serial=f"0079510000{index:05d}",
            )
    except BaseException:
        for server in fleet.values():
            server.stop()
        raise
    return fleet


def describe_fleet(fleet: Mapping[str, PanosServer]) -> dict[str, Any]:
    return {
        "firewalls": {
            label: {
                "hostname": "127.0.0.1",
                "port": server.port,
                "url": server.url,
                "username": server.username,
                "password": server.password,
                # No CA bundle: a reset makes new certificates (sandbox.json would go stale),
                # and pan-os-python does not verify the firewall's certificate by default.
                "serial": server.device.serial,
            }
            for label, server in fleet.items()
        }
    }


def used(fleet: Mapping[str, PanosServer]) -> bool:
    """Whether any firewall answered an API call since it started."""
    return any(server.api.calls for server in fleet.values())
