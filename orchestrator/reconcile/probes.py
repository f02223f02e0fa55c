"""``eastwest run --probe-firewalls``: the reconciler's policy source wrapped with the hub
firewalls' health (``failover.py``), probed through each firewall's PAN-OS adapter.

In: the policy source, the policy's name, the sandbox (or None) and the run interval. Out: a
``FirewallHealthSource`` probing at most once per interval. Always: an adapter that cannot be
made (no credentials, the ``panos`` extra missing) is a failed probe, said in its reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from orchestrator.compile.ngfw import firewall_labels
from orchestrator.errors import EastwestError
from orchestrator.reconcile.failover import Failover, FirewallHealthSource, Hysteresis, Probe
from orchestrator.reconcile.source import PolicySource


class _Probing(Protocol):
    def probe(self) -> tuple[bool, str]: ...


def with_firewall_health(
    source: PolicySource,
    policy: str,
    sandbox: Mapping[str, Any] | None,
    interval: float,
    hysteresis: Hysteresis | None = None,
) -> FirewallHealthSource:
    adapters: dict[str, _Probing] = {}

    def probe(label: str) -> Probe:
        from providers import panos_adapter  # noqa: PLC0415 - pan-os-python on first probe

        try:
            if label not in adapters:
                adapters[label] = panos_adapter(label, policy=policy, sandbox=sandbox)
        except EastwestError as exc:
            return Probe(False, f"no adapter: {exc}")
        up, reason = adapters[label].probe()
        return Probe(up, reason)

    failover = Failover(probe, hysteresis or Hysteresis())
    return FirewallHealthSource(source, failover, firewall_labels, every=interval)
