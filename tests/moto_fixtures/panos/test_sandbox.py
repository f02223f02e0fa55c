"""``eastwest sandbox up`` serves one fake firewall per hub firewall zone, recorded in
sandbox.json and reachable by pan-os-python; a used firewall is fresh again for the next test."""

from __future__ import annotations

from pathlib import Path

import pytest
from panos.firewall import Firewall
from panos.objects import Tag

from moto_fixtures.panos.fleet import LABELS
from moto_fixtures.sandbox import load_sandbox


def _firewall(sandbox_dir: Path, label: str) -> Firewall:
    entry = load_sandbox(sandbox_dir)["panos"]["firewalls"][label]
    return Firewall(entry["hostname"], entry["username"], entry["password"], port=entry["port"])


@pytest.mark.parametrize("label", LABELS)
def test_every_hub_firewall_answers(sandbox_dir: Path, label: str) -> None:
    firewall = _firewall(sandbox_dir, label)
    info = firewall.show_system_info()["system"]
    assert info["hostname"] == f"PA-VM-{label.replace('/', '-')}"


@pytest.mark.parametrize("run", [1, 2], ids=["change", "fresh-again"])
def test_a_firewall_changed_by_one_test_is_reset_for_the_next(sandbox_dir: Path, run: int) -> None:
    firewall = _firewall(sandbox_dir, LABELS[0])
    assert not firewall.pending_changes()
    firewall.add(Tag("eastwest")).create()
    assert firewall.pending_changes()
