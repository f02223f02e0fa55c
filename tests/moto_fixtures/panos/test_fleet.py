"""The sandbox daemon's fleet of fake firewalls and its Panorama: started with the other
fakes, described in ``daemon.json``, healthy, and reset on the same ports once used."""

from __future__ import annotations

from pathlib import Path

from moto_fixtures.clouds import Clouds
from moto_fixtures.panos.fleet import LABELS, PANORAMA_HOST, PANORAMA_KEY


def test_the_fleet_starts_is_described_and_resets(tmp_path: Path) -> None:
    clouds = Clouds(tmp_path, aws=None)  # type: ignore[arg-type]  # only the firewalls here
    try:
        clouds.start_panos()
        section = clouds.sections["panos"]["firewalls"]
        assert sorted(section) == sorted(LABELS)
        (panorama,) = clouds.sections["panos"]["panoramas"].values()
        assert clouds.sections["panos"]["panoramas"] == {PANORAMA_HOST: panorama}
        assert clouds.panos[PANORAMA_KEY].device.model == "Panorama"
        assert clouds.health()["panos"] == "ok"
        first = clouds.panos["aws/us-east-1a"]
        ports = {label: f.port for label, f in clouds.panos.items()}
        assert clouds.reset_used() == []  # nothing called yet
        first.api.handle({"type": "op", "cmd": "<show><system><info/></system></show>"}, None)
        assert clouds.reset_used() == ["panos"]
        assert {label: f.port for label, f in clouds.panos.items()} == ports
        assert clouds.panos["aws/us-east-1a"] is not first
        assert clouds.sections["panos"]["panoramas"][PANORAMA_HOST]["port"] == panorama["port"]
    finally:
        clouds.stop()
    assert clouds.health()["panos"] == "stopped"
