"""Health-driven failover: hysteresis, hold-down against flapping, fail-static, and the policy
the reconciler then plans from."""

from __future__ import annotations

import itertools
import textwrap
from pathlib import Path

import pytest

from orchestrator.compile.ngfw import firewall_labels
from orchestrator.reconcile.failover import Failover, FirewallHealthSource, Hysteresis, Probe
from orchestrator.reconcile.source import PolicySource
from tests.providers.panos.policies import inspected_hub

POLICY = (
    inspected_hub("us-east-1a", "us-east-1b")
    + """\
segments:
  - {name: web, members: [{account: aws-prod, region: us-east-1, vpc: vpc-1}]}
  - {name: db, members: [{account: aws-prod, region: us-east-1, vpc: vpc-2}]}
rules:
  - {name: web-to-db, from: web, to: db, ports: [tcp/5432], inspect: true}
"""
)
A, B = "aws/us-east-1a", "aws/us-east-1b"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class Probes:
    """What each firewall answers now; counts the probes."""

    def __init__(self) -> None:
        self.up = {A: True, B: True}
        self.calls = 0

    def __call__(self, label: str) -> Probe:
        self.calls += 1
        return Probe(self.up[label], "HA state active" if self.up[label] else "HA state suspended")


@pytest.mark.parametrize(
    ("answers", "verdicts"),
    [
        ([False], [True]),
        ([False, False], [True, False]),
        ([False, True, False], [True, True, True]),
        ([False, False, True], [True, False, False]),
        ([False, False, True, True], [True, False, False, True]),
    ],
    ids=["one-miss", "two-misses", "miss-hit-miss", "down-then-one-hit", "down-then-up"],
)
def test_hysteresis(answers: list[bool], verdicts: list[bool]) -> None:
    clock = Clock()
    probes = Probes()
    failover = Failover(probes, Hysteresis(down_after=2, up_after=2, hold_s=0), clock)
    seen = []
    for answer in answers:
        clock.now += 60
        probes.up[A] = answer
        failover.observe([A])
        seen.append(failover.healthy(A))
    assert seen == verdicts


def test_a_flapping_firewall_switches_at_most_once_per_hold_window() -> None:
    clock = Clock()
    probes = Probes()
    failover = Failover(probes, Hysteresis(down_after=1, up_after=1, hold_s=300), clock)
    for tick in range(20):  # up/down every 60 s tick for 20 minutes
        clock.now = tick * 60.0
        probes.up[A] = tick % 2 == 1
        failover.observe([A])
    times = [s.at for s in failover.history]
    assert 2 <= len(times) <= 20 * 60 / 300 + 1
    assert all(b - a >= 300 for a, b in itertools.pairwise(times))


def _source(tmp_path: Path, failover: Failover) -> FirewallHealthSource:
    path = tmp_path / "p.yaml"
    path.write_text(textwrap.dedent(POLICY), encoding="utf-8")
    return FirewallHealthSource(PolicySource([path]), failover, firewall_labels, every=60)


def _healthy(source: FirewallHealthSource) -> list[bool]:
    hub = source.load().loaded.policy.hubs[0]
    assert hub.inspection is not None
    return [fw.healthy for fw in hub.inspection.firewalls]


def test_the_policy_planned_from_follows_the_verdicts(tmp_path: Path) -> None:
    clock, probes = Clock(), Probes()
    failover = Failover(probes, Hysteresis(down_after=2, up_after=2, hold_s=0), clock)
    source = _source(tmp_path, failover)
    assert _healthy(source) == [True, True]
    probes.up[A] = False
    for _ in range(2):
        clock.now += 60
        source.load()
    assert _healthy(source) == [False, True]
    assert [(s.firewall, s.healthy, s.reason) for s in failover.history] == [
        (A, False, "HA state suspended")
    ]
    probes.up[A] = True
    for _ in range(2):
        clock.now += 60
        source.load()
    assert _healthy(source) == [True, True]


def test_every_firewall_down_is_fail_static(tmp_path: Path) -> None:
    clock, probes = Clock(), Probes()
    failover = Failover(probes, Hysteresis(down_after=1, up_after=1, hold_s=0), clock)
    source = _source(tmp_path, failover)
    probes.up = {A: False, B: False}
    clock.now += 60
    assert _healthy(source) == [True, True]
    assert failover.alerts == ("every firewall of hub use1 is down: routes kept (fail-static)",)
    assert not failover.healthy(A)


def test_probes_run_once_per_interval_whatever_the_loads(tmp_path: Path) -> None:
    clock, probes = Clock(), Probes()
    source = _source(tmp_path, Failover(probes, Hysteresis(), clock))
    for _ in range(5):
        source.load()
    assert probes.calls == 2  # both firewalls, once
    clock.now += 60
    source.load()
    assert probes.calls == 4


def test_a_firewall_the_policy_marks_unhealthy_stays_so(tmp_path: Path) -> None:
    clock, probes = Clock(), Probes()
    path = tmp_path / "p.yaml"
    text = POLICY.replace("next_hop: vpce-b}", "next_hop: vpce-b, healthy: false}")
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    source = FirewallHealthSource(
        PolicySource([path]), Failover(probes, Hysteresis(), clock), firewall_labels, every=60
    )
    assert _healthy(source) == [True, False]
