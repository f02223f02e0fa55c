"""The adapter of one rulebase label: a firewall's (``<cloud>/<zone>``) or a Panorama device
group's (``panorama/<host>/<device group>``, ``compile/ngfw.py``'s ``rulebase_labels``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from providers.panos.adapter import PanosAdapter
from providers.panos.panorama import PanoramaAdapter
from providers.panos.session import make_firewall, make_panorama


def make_adapter(label: str, *, policy: str, sandbox: Mapping[str, Any] | None) -> PanosAdapter:
    prefix = f"eastwest-{policy}-"
    if label.startswith("panorama/"):
        _, host, group = label.split("/", 2)
        panorama, admin = make_panorama(label, host, sandbox=sandbox)
        return PanoramaAdapter(panorama, label, prefix, device_group=group, admin=admin)
    firewall, admin = make_firewall(label, sandbox=sandbox)
    return PanosAdapter(firewall, label, prefix, admin=admin)
