"""The sandbox's VM-Series fleet: one fake firewall per inspection zone of each landing zone,
and one Panorama managing the AWS hub's two firewalls (device group ``hub-aws``; another
team's ``branch-offices`` beside it).

In: nothing but the landing zones' constants. Out: ``start_fleet`` (label → ``PanosServer``,
the Panorama under ``panorama/<host>``), ``describe_fleet`` (what ``sandbox.json``'s ``panos``
section records: ``firewalls`` by label, ``panoramas`` by host) and ``used``.
Always: a firewall's label is ``<cloud>/<zone>``, the zone a hub's ``firewalls:`` entry names,
and the Panorama's key is the ``host`` a policy's ``panorama:`` names, so a policy finds its
management endpoints without knowing the sandbox's ports.
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
PANORAMA_HOST = "panorama.sandbox"  # what a sandbox policy's `panorama: {host: …}` names
PANORAMA_KEY = f"panorama/{PANORAMA_HOST}"
PANORAMA_SERIAL = "000710000000001"


def serial_of(index: int) -> str:
    return f"0079510000{index:05d}"


def device_groups() -> dict[str, list[str]]:
    """The sandbox Panorama's device groups: the AWS hub's firewalls, and a branch's."""
    aws = [serial_of(i) for i, label in enumerate(LABELS, start=1) if label.startswith("aws/")]
    return {"hub-aws": aws, "branch-offices": ["007951000099001"]}


def start_fleet(ports: Mapping[str, int] | None = None) -> dict[str, PanosServer]:
    """Start every firewall (on ``ports[label]`` when given); on failure stop what started."""
    fleet: dict[str, PanosServer] = {}
    try:
        for index, label in enumerate(LABELS, start=1):
            fleet[label] = start_panos_server(
                (ports or {}).get(label, 0),
                hostname=f"PA-VM-{label.replace('/', '-')}",
                serial=serial_of(index),
            )
        fleet[PANORAMA_KEY] = start_panos_server(
            (ports or {}).get(PANORAMA_KEY, 0),
            hostname="Panorama-sandbox",
            serial=PANORAMA_SERIAL,
            groups=device_groups(),
        )
    except BaseException:
        for server in fleet.values():
            server.stop()
        raise
    return fleet


def describe_fleet(fleet: Mapping[str, PanosServer]) -> dict[str, Any]:
    panoramas = {k: s for k, s in fleet.items() if k.startswith("panorama/")}
    return {
        "firewalls": {
            label: _endpoint(server) for label, server in fleet.items() if label not in panoramas
        },
        "panoramas": {key.split("/", 1)[1]: _endpoint(s) for key, s in panoramas.items()},
    }


def _endpoint(server: PanosServer) -> dict[str, Any]:
    return {
        "hostname": "127.0.0.1",
        "port": server.port,
        "url": server.url,
        "username": server.username,
        "password": server.password,
        # No CA bundle: a reset makes new certificates (sandbox.json would go stale),
        # and pan-os-python does not verify the firewall's certificate by default.
        "serial": server.device.serial,
    }


def used(fleet: Mapping[str, PanosServer]) -> bool:
    """Whether any firewall answered an API call since it started."""
    return any(server.api.calls for server in fleet.values())
