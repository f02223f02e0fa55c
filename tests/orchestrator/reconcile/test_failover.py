"""Health-driven failover: hysteresis, hold-down against flapping, fail-static, and the policy
the reconciler then plans from."""

from __future__ import annotations

import itertools
import textwrap
from pathlib import Path

import pytest

from orchestrator.reconcile.failover import (
    Event,
    Failover,
    FailStatic,
    FirewallAt,
    FirewallHealthSource,
    Hysteresis,
    Probe,
    Switch,
)
from orchestrator.reconcile.probes import Prober, every_probe
from orchestrator.reconcile.source import PolicySource
from orchestrator.state import Target
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

    def __call__(self, firewall: FirewallAt) -> Probe:
        self.calls += 1
        up = self.up[firewall.label]
        return Probe(up, "HA state active" if up else "HA state suspended")


def at(label: str) -> FirewallAt:
    target = Target("aws", "111111111111", "aws-prod")
    zone = label.split("/")[1]
    return FirewallAt(label, "use1", target, "us-east-1", zone, f"vpce-{zone[-1]}")


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
        failover.observe([at(A)])
        seen.append(failover.healthy(A))
    assert seen == verdicts


def test_a_flapping_firewall_switches_at_most_once_per_hold_window() -> None:
    clock = Clock()
    probes = Probes()
    failover = Failover(probes, Hysteresis(down_after=1, up_after=1, hold_s=300), clock)
    for tick in range(20):  # up/down every 60 s tick for 20 minutes
        clock.now = tick * 60.0
        probes.up[A] = tick % 2 == 1
        failover.observe([at(A)])
    times = [s.at for s in failover.history]
    assert 2 <= len(times) <= 20 * 60 / 300 + 1
    assert all(b - a >= 300 for a, b in itertools.pairwise(times))


def _source(tmp_path: Path, failover: Failover) -> FirewallHealthSource:
    path = tmp_path / "p.yaml"
    path.write_text(textwrap.dedent(POLICY), encoding="utf-8")
    return FirewallHealthSource(PolicySource([path]), failover, every=60)


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
    source = FirewallHealthSource(PolicySource([path]), Failover(probes, Hysteresis(), clock), 60)
    assert _healthy(source) == [True, False]


def test_fail_static_keeps_the_routes_where_the_last_plan_put_them(tmp_path: Path) -> None:
    """A down, its zone moved to B; then B down too: A stays unhealthy in the plan (routes
    kept on B), not reset to the policy as written (which would move them back to A)."""
    clock, probes = Clock(), Probes()
    failover = Failover(probes, Hysteresis(down_after=1, up_after=1, hold_s=0), clock)
    events: list[Event] = []
    failover.listeners.append(events.append)
    source = _source(tmp_path, failover)
    probes.up[A] = False
    clock.now += 60
    assert _healthy(source) == [False, True]
    probes.up[B] = False
    clock.now += 60
    assert _healthy(source) == [False, True]
    assert failover.alerts
    probes.up[A] = True
    clock.now += 60
    assert _healthy(source) == [True, False]
    assert not failover.alerts
    assert [(type(e).__name__, getattr(e, "on", None)) for e in events] == [
        ("Switch", None),
        ("Switch", None),
        ("FailStatic", True),
        ("Switch", None),
        ("FailStatic", False),
    ]
    switches = [e for e in events if isinstance(e, Switch)]
    assert [(s.firewall, s.healthy) for s in switches] == [(A, False), (B, False), (A, True)]
    assert [e.hub for e in events if isinstance(e, FailStatic)] == ["use1", "use1"]


@pytest.mark.parametrize(
    ("up", "planned"),
    [
        ({A: True, B: True}, [True, False]),
        ({A: False, B: True}, [False, True]),
        ({A: True, B: False}, [True, False]),
        ({A: False, B: False}, [True, False]),
    ],
    ids=["both-up-first-active", "first-down", "second-down", "none-up-fail-static"],
)
def test_a_one_appliance_hub_gets_one_active_firewall(
    tmp_path: Path, up: dict[str, bool], planned: list[bool]
) -> None:
    clock, probes = Clock(), Probes()
    failover = Failover(probes, Hysteresis(1, 1, 0), clock, one_active=lambda policy, hub: True)
    source = _source(tmp_path, failover)
    probes.up = dict(up)
    clock.now += 60
    assert _healthy(source) == planned


def _always(answer: Probe) -> Prober:
    return lambda _: answer


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ({"panos": Probe(True, "HA state active"), "cloud": Probe(True, "1 of 1 healthy")},
         Probe(True, "panos: HA state active; cloud: 1 of 1 healthy")),
        ({"panos": Probe(True, "HA state active"), "cloud": Probe(False, "0 of 1 healthy")},
         Probe(False, "cloud: 0 of 1 healthy")),
        ({"panos": Probe(False, "unreachable"), "cloud": Probe(True, "1 of 1 healthy")},
         Probe(False, "panos: unreachable")),
        ({"panos": Probe(False, "unreachable"), "cloud": Probe(False, "stopped")},
         Probe(False, "panos: unreachable; cloud: stopped")),
    ],
    ids=["both-up", "cloud-down", "panos-down", "both-down"],
)  # fmt: skip
def test_a_firewall_is_up_only_when_every_probe_says_so(
    answers: dict[str, Probe], expected: Probe
) -> None:
    probe = every_probe({name: _always(answer) for name, answer in answers.items()})
    assert probe(at(A)) == expected
