"""Azure names, tags and NSG rule priorities exactly as ``providers/azure`` writes them.

In: neutral resources. Out: NSG, rule, route and route table names, ownership tags, and the
priorities the adapter's allocator gives the rules of a new NSG. Always: pure; a re-implementation
of ``providers/azure/{translate,translate_routes,priorities}.py`` (``terraform/`` never imports
``providers/``), held equal to them by ``tests/terraform/test_azure_names.py``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping

from orchestrator.state import FirewallGroup, FlowRule, Scope
from orchestrator.state.names import bounded_name
from orchestrator.state.resources import Direction
from orchestrator.state.routes import cidr_label, route_owner

TAG_MANAGED = "eastwest:managed"
TAG_POLICY = "eastwest:policy"
TAG_KEY = "eastwest:key"
TAG_SEGMENT = "eastwest:segment"
TAG_NAME = "eastwest:name"
TAG_DESCRIPTION = "eastwest:description"
TAG_NETWORK = "eastwest:network"
TAG_RULES_DIGEST = "eastwest:rules-digest"
TAG_ATTACH = "eastwest:attach"

RULE_PREFIX = "eastwest-"
DENY_NAMES: Mapping[Direction, str] = {
    "ingress": "eastwest-deny-vnet-in",
    "egress": "eastwest-deny-vnet-out",
}
DENY_DESCRIPTION = "eastwest: deny other VNets (and peered ones) not allowed above"
ARM_DIRECTION: Mapping[Direction, str] = {"ingress": "Inbound", "egress": "Outbound"}
ARM_PROTOCOL = {"tcp": "Tcp", "udp": "Udp", "icmp": "Icmp", "all": "*"}
BLACKHOLE = "blackhole"

LOWEST = 100
HIGHEST = 4096  # a new NSG's deny rules sit here: below every allow
STEP = 10
_DESCRIPTION_LIMIT = 140


def nsg_name(group: FirewallGroup) -> str:
    return bounded_name(f"{group.name}-{group.network}")


def rule_name(rule: FlowRule) -> str:
    side = "in" if rule.direction == "ingress" else "out"
    peer = rule.peer.partition(":")[2]
    ports = rule.ports.replace("/", "-").replace(":", "-")
    return bounded_name(f"{RULE_PREFIX}{side}-{peer}-{ports}")


def rule_description(rule: FlowRule) -> str:
    return f"{rule.peer} {rule.description}".strip()[:_DESCRIPTION_LIMIT]


def ownership_tags(policy: str, group: FirewallGroup) -> dict[str, str]:
    return {
        TAG_MANAGED: "true",
        TAG_POLICY: policy,
        TAG_KEY: group.key,
        TAG_SEGMENT: group.segment,
        TAG_NAME: group.name,
        TAG_DESCRIPTION: group.description[:256],
        TAG_ATTACH: group.attach or "add",
    }


def route_prefix(policy: str) -> str:
    return f"eastwest-{policy}-"


def route_name(policy: str, destination: str) -> str:
    return f"{route_prefix(policy)}{cidr_label(destination)}"


def digest_tag(policy: str) -> str:
    return f"eastwest:routes-digest:{policy}"


def owned_table_tags(policy: str, scope: Scope, name: str, network: str) -> dict[str, str]:
    return {
        TAG_MANAGED: "true",
        TAG_POLICY: policy,
        TAG_KEY: route_owner(scope, name),
        TAG_NETWORK: network,
        TAG_DESCRIPTION: f"eastwest: routes of policy {policy} for subnets of {network}",
    }


def allocate(
    names: Iterable[str],
    taken: Collection[int],
    *,
    low: int = LOWEST,
    high: int = HIGHEST - 1,
    step: int = STEP,
) -> dict[str, int]:
    """The adapter's allocator: names in sorted order take the first free slot of the grid
    ``low, low+step…``, then any free integer; nothing in ``taken``. Raises ValueError when
    the range is full."""
    used = set(taken)
    placed: dict[str, int] = {}
    grid = range(-(-low // step) * step, high + 1, step)
    for name in sorted(set(names)):
        slot = next((p for p in grid if p >= low and p not in used), None)
        if slot is None:
            slot = next((p for p in range(low, high + 1) if p not in used), None)
        if slot is None:
            raise ValueError(f"no free priority between {low} and {high} for rule {name!r}")
        used.add(slot)
        placed[name] = slot
    return placed


def new_nsg_priorities(rules: Iterable[FlowRule]) -> dict[str, int]:
    """Rule key → the priority the adapter gives it in a new NSG: the NSG is born with its two
    deny rules at 4096, then one step adds every allow, per direction, through ``allocate``."""
    by_direction: dict[Direction, dict[str, str]] = {"ingress": {}, "egress": {}}
    for rule in rules:
        named = by_direction[rule.direction]
        if named.setdefault(rule_name(rule), rule.key) != rule.key:
            raise ValueError(f"{rule.key} and {named[rule_name(rule)]} share NSG rule name")
    found: dict[str, int] = {}
    for names in by_direction.values():
        slots = allocate(names, {HIGHEST})
        found |= {key: slots[name] for name, key in names.items()}
    return found
