"""Health-driven failover: each hub firewall probed, and its ``healthy`` flag set from what
the probes say, with hysteresis, before the reconciler plans.

In: the policy in force and a probe (``FirewallAt`` → ``Probe``: up or down, and why), injected:
in ``eastwest run --probe-firewalls`` it combines the PAN-OS and the clouds' own health
(``probes.py``). Out: ``FirewallHealthSource``, a ``PolicySource`` whose policy has each hub
firewall's ``healthy`` replaced by the verdict (a firewall the policy marks unhealthy stays
so), so the compiler moves that zone's routes to a healthy firewall of the hub, in every cloud,
by the same make-before-break plan as any route change. Every switch and every start or end of
fail-static is an ``Event`` given to the listeners (metrics, history: ``switches.py``) and
kept in ``history``. Always: a firewall is declared down after ``down_after`` failed probes in
a row and up after ``up_after`` good ones, and switches at most once per ``hold_s`` (a flapping
firewall does not flap routes); when no firewall of a hub is healthy, the hub keeps the
verdicts it last planned with (fail-static: the routes stay where they are, and an alert says
so); a hub whose routes name one appliance for all its traffic (``one_active``: Azure
hub-spoke) gets one healthy firewall, the first by zone, the others kept as standbys.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

from orchestrator.compile.compiler import account_target
from orchestrator.compile.ngfw import firewall_labels
from orchestrator.model.policy import Firewall, Hub, Policy
from orchestrator.reconcile.source import PolicySource, PolicyView
from orchestrator.state import Target

log = logging.getLogger("eastwest.failover")
Clock = Callable[[], float]


@dataclass(frozen=True, slots=True)
class Probe:
    up: bool
    reason: str = ""


@dataclass(frozen=True, slots=True)
class FirewallAt:
    """One hub firewall, as a probe needs it: its label (``<cloud>/<zone>``, the PAN-OS
    firewall's name, docs/panos.md), and where its next hop lives."""

    label: str
    hub: str
    target: Target  # the account's cloud and identity, as its adapter is made
    region: str
    zone: str
    next_hop: str


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


@dataclass(frozen=True, slots=True)
class FailStatic:
    """Every firewall of ``hub`` down (``on``), or one healthy again (not ``on``)."""

    at: float
    hub: str
    on: bool


Event = Switch | FailStatic
Listener = Callable[[Event], None]


@dataclass
class _State:
    healthy: bool = True
    streak: int = 0  # probes in a row that disagree with ``healthy``
    switched_at: float | None = None


def firewalls_of(policy: Policy, hub: Hub) -> list[FirewallAt]:
    if hub.inspection is None:
        return []
    target = account_target(policy.account(hub.account))
    labels = firewall_labels(policy, hub)
    return [
        FirewallAt(label, hub.name, target, hub.region, fw.zone, fw.next_hop)
        for label, fw in zip(labels, hub.inspection.firewalls, strict=True)
    ]


def never(policy: Policy, hub: Hub) -> bool:
    del policy, hub
    return False


@dataclass
class Failover:
    """The verdicts, kept across ticks. Thread-safe: partitions share one."""

    probe: Callable[[FirewallAt], Probe]
    settings: Hysteresis = field(default_factory=Hysteresis)
    clock: Clock = time.monotonic
    history: list[Switch] = field(default_factory=list)
    alerts: tuple[str, ...] = ()
    one_active: Callable[[Policy, Hub], bool] = never
    listeners: list[Listener] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._states: dict[str, _State] = {}
        self._planned: dict[str, tuple[bool, ...]] = {}  # hub → the verdicts last planned with
        self._static: set[str] = set()  # hubs in fail-static now
        self._lock = threading.Lock()

    def observe(self, firewalls: Iterable[FirewallAt]) -> None:
        """Probe each firewall once and move its verdict by the hysteresis rules."""
        for firewall in firewalls:
            result = self.probe(firewall)
            with self._lock:
                switch = self._step(firewall.label, result)
            if switch is not None:
                self._tell(switch)

    def _step(self, label: str, result: Probe) -> Switch | None:
        state = self._states.setdefault(label, _State())
        if result.up == state.healthy:
            state.streak = 0
            return None
        state.streak += 1
        needed = self.settings.up_after if result.up else self.settings.down_after
        now = self.clock()
        held = state.switched_at is not None and now - state.switched_at < self.settings.hold_s
        if state.streak < needed or held:
            return None
        state.healthy, state.streak, state.switched_at = result.up, 0, now
        switch = Switch(now, label, result.up, result.reason or ("up" if result.up else "down"))
        self.history.append(switch)
        log.warning("firewall %s is %s: %s", label, "up" if result.up else "down", switch.reason)
        return switch

    def _tell(self, event: Event) -> None:
        for listener in self.listeners:
            listener(event)

    def healthy(self, label: str) -> bool:
        with self._lock:
            return self._states.get(label, _State()).healthy

    def apply(self, policy: Policy) -> Policy:
        """``policy`` with each hub firewall's ``healthy`` from the verdicts."""
        hubs: list[Hub] = []
        alerts: list[str] = []
        for hub in policy.hubs:
            if hub.inspection is None:
                hubs.append(hub)
                continue
            verdicts, alert = self._verdicts(policy, hub)
            alerts.extend(alert)
            firewalls = [
                fw.model_copy(update={"healthy": ok})
                for fw, ok in zip(hub.inspection.firewalls, verdicts, strict=True)
            ]
            inspection = hub.inspection.model_copy(update={"firewalls": firewalls})
            hubs.append(hub.model_copy(update={"inspection": inspection}))
        self.alerts = tuple(alerts)
        for said in alerts:
            log.error("%s", said)
        return policy.model_copy(update={"hubs": hubs})

    def _verdicts(self, policy: Policy, hub: Hub) -> tuple[tuple[bool, ...], list[str]]:
        assert hub.inspection is not None
        written = tuple(fw.healthy for fw in hub.inspection.firewalls)
        probed = [self.healthy(f.label) for f in firewalls_of(policy, hub)]
        verdicts = tuple(w and p for w, p in zip(written, probed, strict=True))
        if self.one_active(policy, hub):
            written = _first_by_zone(hub.inspection.firewalls, written)
            verdicts = _first_by_zone(hub.inspection.firewalls, verdicts)
        with self._lock:
            static = not any(verdicts)
            if static:
                # Routes stay where the last plan put them; before any plan, where the policy does.
                verdicts = self._planned.get(hub.name, written)
            self._planned[hub.name] = verdicts
            changed = (hub.name in self._static) != static
            (self._static.add if static else self._static.discard)(hub.name)
        if changed:
            self._tell(FailStatic(self.clock(), hub.name, static))
        alert = f"every firewall of hub {hub.name} is down: routes kept (fail-static)"
        return verdicts, [alert] if static else []


def _first_by_zone(firewalls: Sequence[Firewall], verdicts: tuple[bool, ...]) -> tuple[bool, ...]:
    """Only the first healthy firewall by zone (the order ``compile/hub_spoke.py`` prefers)."""
    order = sorted(range(len(firewalls)), key=lambda i: firewalls[i].zone)
    first = next((i for i in order if verdicts[i]), None)
    return tuple(i == first for i in range(len(firewalls)))


class FirewallHealthSource(PolicySource):
    """The policy files, with the firewalls' health applied; probes run at most once per
    ``every`` seconds however many partitions load the policy in a tick."""

    def __init__(self, inner: PolicySource, failover: Failover, every: float) -> None:
        self.inner, self.failover, self.every = inner, failover, every
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
                self.failover.observe(f for hub in policy.hubs for f in firewalls_of(policy, hub))
        loaded = replace(view.loaded, policy=self.failover.apply(policy))
        return PolicyView(loaded, view.problems)
