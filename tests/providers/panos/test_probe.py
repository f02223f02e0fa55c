"""The health probe of a PAN-OS firewall, against the fake's faults."""

from __future__ import annotations

import pytest

from moto_fixtures.panos import PanosServer
from providers.panos.adapter import PanosAdapter


@pytest.mark.parametrize(
    ("faults", "up", "reason"),
    [
        ({}, True, "HA state active"),
        ({"ha_state": "suspended"}, False, "HA state suspended"),
        ({"ha_state": "passive"}, False, "HA state passive"),
        ({"down": True}, False, "unreachable"),
    ],
    ids=["active", "suspended", "passive", "down"],
)
def test_probe(
    adapter: PanosAdapter, panos_server: PanosServer, faults: dict[str, object], up: bool,
    reason: str,
) -> None:  # fmt: skip
    for name, value in faults.items():
        setattr(panos_server.device.faults, name, value)
    found = adapter.probe()
    assert found[0] is up
    assert found[1].startswith(reason)
