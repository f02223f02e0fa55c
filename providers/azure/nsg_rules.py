"""One NSG's rule list being edited, before it is written. Pure: no ARM calls.

In: an NSG as ARM answers it (``RuleSet``), the neutral rules a step adds or removes, and each
segment's prefixes as apply knows them. Out: the rule list the write must leave
(``RuleSet.after``) and what changed (``puts``/``deletes``), for ``nsg_calls`` to write with as
few ARM writes as possible. Always: a rule that exists keeps its priority; a new one gets a
free one (``priorities``) above the deny rules, and the two deny rules stay below every allow of
their direction; other rules are kept as read, byte for byte.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from orchestrator.errors import PermanentError
from orchestrator.state import FlowRule, NativeRef, Scope
from orchestrator.state.resources import Direction
from providers.azure import priorities
from providers.azure import translate as tr
from providers.azure import translate_nsg as trn

Payload = dict[str, Any]
RULES_PER_NSG = 1000  # Azure's limit, both directions together


class RuleSet:
    """An NSG's rules being edited: what was read, and what the write must leave."""

    def __init__(self, nsg: Payload) -> None:
        self.nsg = nsg
        self.before = {r["name"]: tr.writable(r) for r in tr.props(nsg).get("securityRules") or ()}
        self.after = dict(self.before)

    def taken(self, direction: Direction) -> set[int]:
        arm = tr.ARM_DIRECTION[direction]
        return {
            int(r["properties"]["priority"])
            for r in self.after.values()
            if r["properties"].get("direction") == arm
        }

    def priority_of(self, name: str) -> int | None:
        rule = self.after.get(name)
        return int(rule["properties"]["priority"]) if rule else None

    def put(self, name: str, properties: dict[str, Any]) -> None:
        self.after[name] = {"name": name, "properties": properties}

    def delete(self, name: str) -> None:
        self.after.pop(name, None)

    def puts(self) -> list[str]:
        return sorted(
            n
            for n, r in self.after.items()
            if n not in self.before or not tr.same_content(self.before[n], r["properties"])
        )

    def deletes(self) -> list[str]:
        return sorted(set(self.before) - set(self.after))

    def allow_ceiling(self, direction: Direction) -> int:
        deny = self.priority_of(tr.DENY_NAMES[direction])
        return (deny - 1) if deny is not None else priorities.HIGHEST - 1


def add_rules(
    rules: RuleSet, wanted: Sequence[FlowRule], known: Mapping[str, Sequence[str]]
) -> None:
    """``wanted`` in ``rules``: a rule that exists keeps its priority, a new one gets a free
    one below the deny rules, which move down when they must."""
    fresh: dict[Direction, list[tuple[str, FlowRule]]] = defaultdict(list)
    for rule in wanted:
        name = tr.rule_name(rule)
        current = rules.priority_of(name)
        if current is None:
            fresh[rule.direction].append((name, rule))
        else:  # a rule of that name exists (edited in the console): keep its place
            rules.put(name, tr.rule_properties(rule, rule_prefixes(rule, known), current))
    for direction, items in fresh.items():
        slots = priorities.allocate(
            [n for n, _ in items], rules.taken(direction), high=rules.allow_ceiling(direction)
        )
        for name, rule in items:
            rules.put(name, tr.rule_properties(rule, rule_prefixes(rule, known), slots[name]))
    place_denies(rules)
    if len(rules.after) > RULES_PER_NSG:
        raise PermanentError(f"the NSG would hold {len(rules.after)} rules; Azure allows 1000")


def remove_rules(
    rules: RuleSet, unwanted: Sequence[FlowRule], scope: Scope, known: Mapping[str, Sequence[str]]
) -> None:
    keys = {r.key for r in unwanted}
    for native in trn.read_nsg(scope, rules.nsg, known).rules:
        if native.rule.key in keys:
            rules.delete(native.name)


def reprefix(rules: RuleSet, known: Mapping[str, Sequence[str]]) -> None:
    """eastwest's rules of a segment whose prefixes changed, rewritten with the new ones."""
    for rule in list(rules.after.values()):
        peer = trn.declared_peer(rule)
        if peer is not None and peer[4:] in known:
            rule_props = dict(rule["properties"])
            direction = str(rule_props.get("direction"))
            side = "source" if direction == "Inbound" else "destination"
            for form in ("AddressPrefix", "AddressPrefixes", "ApplicationSecurityGroups"):
                rule_props.pop(f"{side}{form}", None)
            rule_props.update(tr.peer_side(direction, known[peer[4:]]))
            rules.put(rule["name"], rule_props)


def place_denies(rules: RuleSet) -> None:
    """The two deny rules, each below every allow of its direction."""
    for direction in ("ingress", "egress"):
        name = tr.DENY_NAMES[direction]
        arm = tr.ARM_DIRECTION[direction]
        allows = [
            int(r["properties"]["priority"])
            for n, r in rules.after.items()
            if n != name and r["properties"].get("direction") == arm
            and r["properties"].get("access") == "Allow"
        ]  # fmt: skip
        current = rules.priority_of(name)
        top = max(allows, default=priorities.LOWEST - 1)
        if current is None or current <= top:
            rules.delete(name)
            current = priorities.deny_priority(rules.taken(direction), top)
        rules.put(name, tr.deny_properties(direction, current))


def known_prefixes(ids: Mapping[str, NativeRef]) -> dict[str, tuple[str, ...]]:
    """Each segment's prefixes as apply knows them (observed, or written earlier in the run)."""
    known: dict[str, tuple[str, ...]] = {}
    for key, ref in ids.items():
        head, _, segment = key.rpartition("/addrset/")
        if head and "/" not in segment:
            known[segment] = tr.decode_prefixes(ref.id)
    return known


def rule_prefixes(rule: FlowRule, known: Mapping[str, Sequence[str]]) -> Sequence[str]:
    kind, _, value = rule.peer.partition(":")
    if kind == "set":
        return known.get(value, ())
    if kind == "cidr":
        return (value,)
    return ()
