"""Azure's word on a hub firewall: the health of the internal load balancer's backends.

In: the account's clients and resource group, and per probe the region, the firewall's zone
and its next hop: an NVA's address (a backend of the load balancer in front of the NVAs) or
the load balancer's own frontend address. Out: ``(up, reason)``. The reads: the load balancers
of the account's resource group (``LoadBalancers_List``), then, for each internal one in the
region, the health of its load-balancing rules (``LoadBalancerLoadBalancingRules_Health``, a
long-running POST whose answer lists every backend address with ``state`` Up/Down and a reason
code) until one lists the address. Always: an NVA is up only when every rule of its load
balancer that lists it says ``Up``; a frontend is up when one of its rules has a backend up
(the load balancer then forwards); an address no internal load balancer of the region knows,
or a read that fails, is down with the reason; read-only.
What it cannot see: the firewall's own state behind a passing probe (the ``panos`` probe's
job), and load balancers outside the account's resource group (its role is scoped there).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from typing import Any

from azure.core.exceptions import AzureError

from orchestrator.errors import EastwestError
from providers.azure.session import AzureClients

UP = "Up"


class LoadBalancerHealth:
    def __init__(self, clients: AzureClients, resource_group: str) -> None:
        self.clients = clients
        self.group = resource_group

    def probe(self, region: str, zone: str, next_hop: str) -> tuple[bool, str]:
        del zone  # a load balancer's backends answer for themselves, whatever their zone
        try:
            ipaddress.ip_address(next_hop)
        except ValueError:
            return False, f"{next_hop} is not an address: no load balancer health to read"
        try:
            return self._probe(region, next_hop)
        except (AzureError, EastwestError) as exc:
            return False, f"load balancer health of {next_hop} unreadable: {exc}"

    def _probe(self, region: str, address: str) -> tuple[bool, str]:
        network = self.clients.network()
        for balancer in self._internal(network, region):
            fronted = address in _frontends(balancer)
            answers = list(self._rules(network, balancer, address, fronted))
            if answers:
                judge = _frontend_verdict if fronted else _backend_verdict
                up, said = judge(answers)
                role = "frontend" if fronted else "backend"
                return up, f"load balancer {balancer.name}, {role} {address}: {said}"
        return False, f"{address} is in no internal load balancer of {self.group} in {region}"

    def _internal(self, network: Any, region: str) -> list[Any]:
        """The resource group's load balancers in ``region`` with a private frontend."""
        wanted = region.replace(" ", "").lower()
        found = [
            lb
            for lb in network.load_balancers.list(self.group)
            if str(lb.location).replace(" ", "").lower() == wanted and _frontends(lb)
        ]
        return sorted(found, key=lambda lb: str(lb.name))

    def _rules(self, network: Any, balancer: Any, address: str, fronted: bool) -> Iterator[Any]:
        """(rule, health) for the frontend's rules, or (rule, rows listing ``address``) for
        the rules whose health lists it."""
        rules = network.load_balancer_load_balancing_rules
        for rule in sorted(balancer.load_balancing_rules or [], key=lambda r: str(r.name)):
            if fronted and address not in _frontends(balancer, rule):
                continue
            health = rules.begin_health(self.group, balancer.name, rule.name).result()
            if fronted:
                yield rule.name, health
                continue
            rows = health.load_balancer_backend_addresses or []
            if mine := [r for r in rows if r.ip_address == address]:
                yield rule.name, mine


def _frontend_verdict(answers: list[tuple[str, Any]]) -> tuple[bool, str]:
    """Up when one rule of the frontend has a backend up: the load balancer forwards."""
    up = any((health.up or 0) > 0 for _, health in answers)
    said = "; ".join(f"rule {r}: {h.up or 0} of {_count(h)} backends up" for r, h in answers)
    return up, said


def _backend_verdict(answers: list[tuple[str, list[Any]]]) -> tuple[bool, str]:
    """Up only when every rule that lists the backend says Up; the reasons of the others."""
    rows = [(rule, f"{row.state} {row.reason or ''}".strip(), row.state) for rule, found in answers
            for row in found]  # fmt: skip
    down = [f"rule {rule}: {said}" for rule, said, state in rows if state != UP]
    return not down, "; ".join(down) or f"rule {rows[0][0]}: {rows[0][1]}"


def _frontends(balancer: Any, rule: Any = None) -> set[str]:
    """The private frontend addresses of ``balancer`` (of ``rule`` only, when given)."""
    chosen = None
    if rule is not None:
        ref = rule.frontend_ip_configuration
        chosen = str(ref.id).lower() if ref is not None else ""
    return {
        str(f.private_ip_address)
        for f in balancer.frontend_ip_configurations or []
        if f.private_ip_address and (chosen is None or str(f.id).lower() == chosen)
    }


def _count(health: Any) -> int:
    return int(health.up or 0) + int(health.down or 0)
