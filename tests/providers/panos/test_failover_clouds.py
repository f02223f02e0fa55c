"""Failover end to end in the sandbox's Alibaba Cloud and Azure, read back through each SDK:
a fake firewall made unhealthy (its HA state) moves its routes to the other firewall within two
enforce ticks and back once it recovers; a firewall flapping every tick moves routes at most
once per hold window; with every firewall down the routes stay (fail-static).

Alibaba (``per_pair``): app → db's group of segments crosses one firewall ENI, chosen among the
healthy ones; the security VPC's transit vSwitch tables name it (``DescribeRouteEntryList``).
Azure (hub-spoke): the two NVAs 10.0.1.4 (zone "1", active) and 10.0.1.5 (zone "2", standby);
every eastwest route table's ``VirtualAppliance`` routes name the active one
(``route_tables.list``). AWS is ``test_failover_sandbox.py``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from moto_fixtures.consoles import VPC, AlibabaConsole, AzureConsole
from moto_fixtures.sandbox import load_sandbox
from orchestrator.commands import AdapterCache
from orchestrator.reconcile.failover import Event, FailStatic, Hysteresis, Switch
from orchestrator.reconcile.once import Mode, Tick, reconcile_once
from orchestrator.reconcile.partition import partitions_of
from orchestrator.reconcile.probes import with_firewall_health
from orchestrator.reconcile.source import PolicySource
from tests.providers.panos.test_failover_sandbox import _faults

pytest.importorskip("panos")

POLICY = """\
version: 1
name: sandbox
accounts:
  - {name: ali, cloud: alibaba, account_id: "5123456789012345", regions: [cn-hangzhou]}
  - {name: az, cloud: azure, subscription_id: 00000000-0000-0000-0000-000000000001,
     resource_group: rg-net, regions: [eastus]}
hubs:
  - name: hz
    account: ali
    region: cn-hangzhou
    transit: tr-eastwest00000000llpu
    inspection:
      vpc: vpc-eastwest00000000mmdo
      firewalls:
        - {zone: cn-hangzhou-h, next_hop: eni-eastwest00000000llpu}
        - {zone: cn-hangzhou-i, next_hop: eni-eastwest00000000lrtt}
  - name: eus
    account: az
    region: eastus
    transit: vnet-hub
    inspection:
      vpc: vnet-hub
      firewalls:
        - {zone: "1", next_hop: 10.0.1.4}
        - {zone: "2", next_hop: 10.0.1.5}
segments:
  - name: app
    members:
      - {account: ali, region: cn-hangzhou, tags: {segment: app}}
      - {account: az, region: eastus, vnet: vnet-app, subnets: [snet-app-2]}
  - name: db
    members:
      - {account: ali, region: cn-hangzhou, tags: {segment: db}}
      - {account: az, region: eastus, vnet: vnet-db, subnets: [snet-db-2]}
rules:
  - {name: app-to-db, from: app, to: db, ports: [tcp/5432], inspect: true,
     cross_cloud: uninspected}
"""
ENIS = {"alibaba/cn-hangzhou-h": "eni-eastwest00000000llpu",
        "alibaba/cn-hangzhou-i": "eni-eastwest00000000lrtt"}  # fmt: skip
NVAS = {"azure/1": "10.0.1.4", "azure/2": "10.0.1.5"}


def _alibaba_hops(state: dict[str, Any]) -> set[str]:
    """The ENIs eastwest's entries in the security VPC's transit vSwitch tables point at."""
    console = AlibabaConsole(state["alibaba"])
    tables = state["alibaba"]["landing_zone"]["route_tables"]
    hops = set()
    for name in ("security-tr-h-rt", "security-tr-i-rt"):
        body = console.call(VPC, "DescribeRouteEntryList", RouteTableId=tables[name])
        for entry in body["RouteEntrys"]["RouteEntry"]:
            if entry["RouteEntryName"] == "eastwest:sandbox":
                hops |= {h["NextHopId"] for h in entry["NextHops"]["NextHop"]}
    return hops


def _azure_hops(state: dict[str, Any]) -> set[str]:
    """The appliance addresses of eastwest's routes in its route tables."""
    console = AzureConsole(state["azure"])
    return {
        route.next_hop_ip_address
        for table in console.network.route_tables.list(console.group)
        if str(table.name).startswith("eastwest-sandbox-")
        for route in table.routes or ()
        if route.next_hop_type == "VirtualAppliance"
    }


class World:
    """The sandbox, the policy under ``--probe-firewalls`` and one enforce tick of every
    partition at a time, on a clock the test moves."""

    def __init__(
        self,
        directory: Path,
        tmp_path: Path,
        hysteresis: Hysteresis,
        policy: str = POLICY,
        probes: tuple[str, ...] = ("panos",),
    ) -> None:
        # Probes run at most once per interval (30 s) and a tick is 60 s: one probe per tick
        # whatever the number of partitions loading the policy.
        self.state = load_sandbox(directory)
        path = tmp_path / "failover.yaml"
        path.write_text(policy, encoding="utf-8")
        self.source = with_firewall_health(
            PolicySource([path]), "sandbox", self.state, interval=30, hysteresis=hysteresis,
            probes=probes,
        )  # fmt: skip
        self.now = 0.0
        self.source.failover.clock = lambda: self.now
        self.events: list[Event] = []
        self.source.failover.listeners.append(self.events.append)
        self.partitions = partitions_of(self.source.inner.load().loaded.policy)

    def tick(self) -> None:
        self.now += 60
        adapters = lambda name: AdapterCache(name, self.state)  # noqa: E731 - one use
        for partition in self.partitions:
            outcome = reconcile_once(partition, self.source, adapters, Tick(Mode.ENFORCE))
            assert not outcome.errors, (partition.name, outcome.errors)

    def fault(self, label: str, ha_state: str) -> None:
        _faults(self.state, label, ha_state=ha_state)


@pytest.fixture
def world(sandbox_dir: Path, tmp_path: Path) -> World:
    made = World(sandbox_dir, tmp_path, Hysteresis(down_after=2, up_after=2, hold_s=0))
    made.tick()  # both firewalls up: the first apply
    return made


CLOUDS: dict[str, tuple[Callable[[dict[str, Any]], set[str]], dict[str, str]]] = {
    "alibaba": (_alibaba_hops, ENIS),
    "azure": (_azure_hops, NVAS),
}


@pytest.mark.parametrize("cloud", sorted(CLOUDS))
def test_an_unhealthy_firewall_moves_its_routes_within_two_ticks_and_back(
    world: World, cloud: str
) -> None:
    hops_of, hops = CLOUDS[cloud]
    (active,) = hops_of(world.state)
    label = next(lbl for lbl, hop in hops.items() if hop == active)
    (other,) = set(hops.values()) - {active}
    world.fault(label, "suspended")
    world.tick()  # one failed probe: not yet down
    assert hops_of(world.state) == {active}
    world.tick()  # the second: down, and the routes move
    assert hops_of(world.state) == {other}
    world.fault(label, "active")
    world.tick()
    assert hops_of(world.state) == {other}
    world.tick()
    assert hops_of(world.state) == {active}
    switches = [(e.firewall, e.healthy) for e in world.events if isinstance(e, Switch)]
    assert switches == [(label, False), (label, True)]


@pytest.mark.parametrize("cloud", sorted(CLOUDS))
def test_a_flapping_firewall_moves_routes_at_most_once_per_hold_window(
    sandbox_dir: Path, tmp_path: Path, cloud: str
) -> None:
    world = World(sandbox_dir, tmp_path, Hysteresis(down_after=1, up_after=1, hold_s=300))
    hops_of, hops = CLOUDS[cloud]
    world.tick()
    (active,) = hops_of(world.state)
    label = next(lbl for lbl, hop in hops.items() if hop == active)
    seen = [(world.now, {active})]
    for tick in range(8):  # down/up every 60 s tick for 8 minutes
        world.fault(label, "suspended" if tick % 2 == 0 else "active")
        world.tick()
        seen.append((world.now, hops_of(world.state)))
    moves = [b[0] for a, b in itertools.pairwise(seen) if a[1] != b[1]]
    assert 1 <= len(moves) <= 8 * 60 / 300 + 1
    assert all(b - a >= 300 for a, b in itertools.pairwise(moves))
    times = [e.at for e in world.events if isinstance(e, Switch) and e.firewall == label]
    assert all(b - a >= 300 for a, b in itertools.pairwise(times))


@pytest.mark.parametrize("cloud", sorted(CLOUDS))
def test_every_firewall_down_keeps_the_routes(world: World, cloud: str) -> None:
    hops_of, hops = CLOUDS[cloud]
    before = hops_of(world.state)
    for label in hops:
        world.fault(label, "suspended")
    world.tick()
    world.tick()
    assert hops_of(world.state) == before
    hub = {"alibaba": "hz", "azure": "eus"}[cloud]
    assert FailStatic(world.now, hub, True) in world.events
    assert any(hub in alert for alert in world.source.failover.alerts)
