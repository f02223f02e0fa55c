"""Failover in the sandbox's Azure driven by Azure's own word (``--firewall-probes cloud``): the
internal load balancer ``lb-nva`` reports an NVA's health probe down (the fake's probe results,
``moto_fixtures/azure/lb.py``) and within two enforce ticks every eastwest route's
``VirtualAppliance`` address moves to the other NVA, and back once its probe passes; with the
load balancer itself as the hub's firewall (its frontend 10.0.1.10), every backend down keeps
the routes where they are (fail-static). Routes are read back through the SDK."""

from __future__ import annotations

import json
import ssl
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from moto_fixtures.azure.lb import CONTROL_PATH
from orchestrator.reconcile.failover import FailStatic, Hysteresis, Switch
from tests.providers.panos.test_failover_clouds import World, _azure_hops

NVA_1, NVA_2, FRONTEND = "10.0.1.4", "10.0.1.5", "10.0.1.10"
POLICY = """\
version: 1
name: sandbox
accounts:
  - {name: az, cloud: azure, subscription_id: 00000000-0000-0000-0000-000000000001,
     resource_group: rg-net, regions: [eastus]}
hubs:
  - name: eus
    account: az
    region: eastus
    transit: vnet-hub
    inspection:
      vpc: vnet-hub
      firewalls:
FIREWALLS
segments:
  - name: app
    members: [{account: az, region: eastus, vnet: vnet-app, subnets: [snet-app-2]}]
  - name: db
    members: [{account: az, region: eastus, vnet: vnet-db, subnets: [snet-db-2]}]
rules:
  - {name: app-to-db, from: app, to: db, ports: [tcp/5432], inspect: true}
"""
TWO_NVAS = f"""\
        - {{zone: "1", next_hop: {NVA_1}}}
        - {{zone: "2", next_hop: {NVA_2}}}
"""
THE_LOAD_BALANCER = f"""\
        - {{zone: "1", next_hop: {FRONTEND}}}
"""


class LbWorld(World):
    """The sandbox's Azure under ``--probe-firewalls --firewall-probes cloud``, one enforce
    tick of every partition at a time on a clock the test moves (60 s a tick)."""

    def __init__(self, directory: Path, tmp_path: Path, firewalls: str) -> None:
        policy = POLICY.replace("FIREWALLS\n", firewalls)
        hysteresis = Hysteresis(down_after=2, up_after=2, hold_s=0)
        super().__init__(directory, tmp_path, hysteresis, policy, probes=("cloud",))

    def probe_results(self, results: dict[str, Any]) -> None:
        """What the load balancer's probes see, set on the fake's control plane."""
        azure = self.state["azure"]
        request = urllib.request.Request(
            azure["endpoint_url"] + CONTROL_PATH, json.dumps(results).encode(), method="POST"
        )
        context = ssl.create_default_context(cafile=azure["ca_bundle"])
        with urllib.request.urlopen(request, context=context, timeout=10):
            pass

    def hops(self) -> set[str]:
        return _azure_hops(self.state)


@pytest.fixture
def world(sandbox_dir: Path, tmp_path: Path) -> LbWorld:
    made = LbWorld(sandbox_dir, tmp_path, TWO_NVAS)
    made.tick()  # both NVAs up: the first apply, through the active one (zone "1")
    return made


def test_an_nva_its_load_balancer_probes_down_moves_the_routes_and_back(world: LbWorld) -> None:
    assert world.hops() == {NVA_1}
    world.probe_results({NVA_1: "Down_Probe_Failure"})
    world.tick()  # one failed probe: not yet down
    assert world.hops() == {NVA_1}
    world.tick()  # the second: down, and the routes move to the standby
    assert world.hops() == {NVA_2}
    world.probe_results({NVA_1: None})  # its probe passes again
    world.tick()
    assert world.hops() == {NVA_2}
    world.tick()
    assert world.hops() == {NVA_1}
    switches = [(e.firewall, e.healthy) for e in world.events if isinstance(e, Switch)]
    assert switches == [("azure/1", False), ("azure/1", True)]
    reason = next(e.reason for e in world.events if isinstance(e, Switch))
    assert (
        "load balancer lb-nva, backend 10.0.1.4: rule ha-ports: Down Down_Probe_Failure" in reason
    )


def test_the_load_balancer_with_no_backend_up_keeps_the_routes(
    sandbox_dir: Path, tmp_path: Path
) -> None:
    world = LbWorld(sandbox_dir, tmp_path, THE_LOAD_BALANCER)
    world.tick()
    assert world.hops() == {FRONTEND}
    world.probe_results({NVA_1: "Down_Probe_Failure"})
    world.tick()
    world.tick()
    assert world.hops() == {FRONTEND}  # one backend left: the load balancer still forwards
    assert not [e for e in world.events if isinstance(e, Switch)]
    world.probe_results({NVA_2: "Down_Probe_Failure"})
    world.tick()
    world.tick()
    assert world.hops() == {FRONTEND}  # nowhere else to go: fail-static
    assert FailStatic(world.now, "eus", True) in world.events
    assert any("eus" in alert for alert in world.source.failover.alerts)
