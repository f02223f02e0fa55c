"""``eastwest run --probe-firewalls``: the reconciler's policy source wrapped with the hub
firewalls' health (``failover.py``), from the probes named in ``--firewall-probes``.

In: the policy source, the policy's name, the sandbox (or None), the run interval and the probe
names: ``panos`` (the firewall's own system and HA state, through its PAN-OS adapter) and
``cloud`` (what the firewall's cloud says of its next hop: ``providers/health.py``). Out: a
``FirewallHealthSource`` probing at most once per interval. Always: a firewall is up only when
every configured probe says up (``every_probe``); a probe whose adapter cannot be made (no
credentials, an extra missing) is a failed probe, said in its reason; an Azure hub gets one
active appliance, the others standbys (``compile/hub_spoke.py`` routes all of it through one).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from orchestrator.errors import EastwestError
from orchestrator.model.policy import Hub, Policy
from orchestrator.reconcile.failover import (
    Failover,
    FirewallAt,
    FirewallHealthSource,
    Hysteresis,
    Probe,
)
from orchestrator.reconcile.source import PolicySource

Prober = Callable[[FirewallAt], Probe]
PROBES = ("panos", "cloud")


class _Probing(Protocol):
    def probe(self) -> tuple[bool, str]: ...


def every_probe(probers: Mapping[str, Prober]) -> Prober:
    """Up only when every probe says up; the reason names each probe's answer, the failed
    ones first."""

    def probe(firewall: FirewallAt) -> Probe:
        answers = [(name, p(firewall)) for name, p in probers.items()]
        down = [f"{name}: {a.reason}" for name, a in answers if not a.up]
        up = [f"{name}: {a.reason}" for name, a in answers if a.up]
        return Probe(not down, "; ".join(down or up))

    return probe


def panos_prober(policy: str, sandbox: Mapping[str, Any] | None) -> Prober:
    adapters: dict[str, _Probing] = {}

    def probe(firewall: FirewallAt) -> Probe:
        from providers import panos_adapter  # noqa: PLC0415 - pan-os-python on first probe

        label = firewall.label
        try:
            if label not in adapters:
                adapters[label] = panos_adapter(label, policy=policy, sandbox=sandbox)
        except EastwestError as exc:
            return Probe(False, f"no adapter: {exc}")
        up, reason = adapters[label].probe()
        return Probe(up, reason)

    return probe


def cloud_prober(sandbox: Mapping[str, Any] | None) -> Prober:
    checkers: dict[tuple[str, str], Any] = {}

    def probe(firewall: FirewallAt) -> Probe:
        from providers.health import health_checker  # noqa: PLC0415 - the cloud's SDK, lazily

        key = (firewall.target.cloud, firewall.target.account)
        try:
            if key not in checkers:
                checkers[key] = health_checker(firewall.target, sandbox=sandbox)
        except EastwestError as exc:
            return Probe(False, f"no client: {exc}")
        up, reason = checkers[key].probe(firewall.region, firewall.zone, firewall.next_hop)
        return Probe(up, reason)

    return probe


def one_appliance(policy: Policy, hub: Hub) -> bool:
    """Azure hubs are hub-spoke (``compile/transit.py:HUB_COMPILERS``): every route names one
    appliance address, so at most one firewall entry may be healthy (``one_appliance``)."""
    return policy.account(hub.account).cloud == "azure"


def with_firewall_health(
    source: PolicySource,
    policy: str,
    sandbox: Mapping[str, Any] | None,
    interval: float,
    *,
    hysteresis: Hysteresis | None = None,
    probes: Sequence[str] = ("panos",),
) -> FirewallHealthSource:
    makers: dict[str, Callable[[], Prober]] = {
        "panos": lambda: panos_prober(policy, sandbox),
        "cloud": lambda: cloud_prober(sandbox),
    }
    probe = every_probe({name: makers[name]() for name in probes})
    failover = Failover(probe, hysteresis or Hysteresis(), one_active=one_appliance)
    return FirewallHealthSource(source, failover, every=interval)
