"""Health-driven failover: each hub firewall probed, and its ``healthy`` flag set from what
the probes say, with hysteresis, before the reconciler plans.

In: the policy in force and a probe (label → ``Probe``: up or down, and why), injected: in
``eastwest run --probe-firewalls`` it asks each PAN-OS firewall for its system info and HA
state (``providers.panos``). Out: ``FirewallHealthSource``, a ``PolicySource`` whose policy has
each hub firewall's ``healthy`` replaced by the verdict (a firewall the policy marks unhealthy
stays so), so the compiler moves that zone's routes to a healthy firewall of the hub, in every
cloud, by the same make-before-break plan as any route change. ``history`` records every
switch. Always: a firewall is declared down after ``down_after`` failed probes in a row and up
after ``up_after`` good ones, and switches at most once per ``hold_s`` (a flapping firewall
does not flap routes); when every firewall of a hub is down, none is marked down (fail-static:
the routes stay, and a note says so).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from orchestrator.model.policy import Hub, Policy
from orchestrator.reconcile.source import PolicySource, PolicyView

log = logging.getLogger("eastwest.failover")
Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class Probe:
    up: bool
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Hysteresis:
    down_after: int = 2  # failed probes in a row before a firewall is declared down
    up_after: int = 2  # good probes in a row before it is declared up again
    hold_s: float = 300.0  # at least this long between two switches of one firewall


@dataclass(frozen=True, slots=True)
class Switch:
    at: float
    firewall: str
    healthy: bool
    reason: str


@dataclass
class _State:
    healthy: bool = True
    streak: int = 0  # probes in a row that disagree with ``healthy``
    switched_at: float | None = None


@dataclass
class Failover:
    """The verdicts, kept across ticks. Thread-safe: partitions share one."""

    probe: Callable[[str], Probe]
    settings: Hysteresis = field(default_factory=Hysteresis)
    clock: Clock = time.monotonic
    history: list[Switch] = field(default_factory=list)
    alerts: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        self._states: dict[str, _State] = {}
        self._lock = threading.Lock()

    def observe(self, labels: Iterable[str]) -> None:
        """Probe each firewall once and move its verdict by the hysteresis rules."""
        for label in labels:
            result = self.probe(label)
            with self._lock:
                self._step(label, result)

    def _step(self, label: str, result: Probe) -> None:
        state = self._states.setdefault(label, _State())
        if result.up == state.healthy:
            state.streak = 0
            return
        state.streak += 1
        needed = self.settings.up_after if result.up else self.settings.down_after
        now = self.clock()
        held = state.switched_at is not None and now - state.switched_at < self.settings.hold_s
        if state.streak < needed or held:
            return
        state.healthy, state.streak, state.switched_at = result.up, 0, now
        switch = Switch(now, label, result.up, result.reason or ("up" if result.up else "down"))
        self.history.append(switch)
        log.warning("firewall %s is %s: %s", label, "up" if result.up else "down", switch.reason)

    def healthy(self, label: str) -> bool:
        with self._lock:
            return self._states.get(label, _State()).healthy

    def apply(self, policy: Policy, labels_of: Callable[[Policy, Hub], list[str]]) -> Policy:
        """``policy`` with each hub firewall's ``healthy`` from the verdicts."""
        hubs, alerts = [], []
        for hub in policy.hubs:
            if hub.inspection is None:
                hubs.append(hub)
                continue
            labels = labels_of(policy, hub)
            verdicts = [self.healthy(label) for label in labels]
            if not any(verdicts):
                alerts.append(
                    f"every firewall of hub {hub.name} is down: routes kept (fail-static)"
                )
                verdicts = [True] * len(verdicts)
            firewalls = [
                fw.model_copy(update={"healthy": fw.healthy and ok})
                for fw, ok in zip(hub.inspection.firewalls, verdicts, strict=True)
            ]
            inspection = hub.inspection.model_copy(update={"firewalls": firewalls})
            hubs.append(hub.model_copy(update={"inspection": inspection}))
        self.alerts = tuple(alerts)
        for alert in alerts:
            log.error("%s", alert)
        return policy.model_copy(update={"hubs": hubs})


class FirewallHealthSource(PolicySource):
    """The policy files, with the firewalls' health applied; probes run at most once per
    ``every`` seconds however many partitions load the policy in a tick."""

    def __init__(
        self,
        inner: PolicySource,
        failover: Failover,
        labels_of: Callable[[Policy, Hub], list[str]],
        every: float,
    ) -> None:
        self.inner, self.failover, self.labels_of, self.every = inner, failover, labels_of, every
        self.paths = inner.paths
        self._probed: float | None = None
        self._gate = threading.Lock()

    def load(self) -> PolicyView:
        view = self.inner.load()
        policy = view.loaded.policy
        with self._gate:
            now = self.failover.clock()
            if self._probed is None or now - self._probed >= self.every:
                self._probed = now
                labels = [label for hub in policy.hubs for label in self.labels_of(policy, hub)]
                self.failover.observe(labels)
        loaded = replace(view.loaded, policy=self.failover.apply(policy, self.labels_of))
        return PolicyView(loaded, view.problems)
