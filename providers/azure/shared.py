"""eastwest's rules inside an NSG the user already has (the adapter's ``existing_nsgs="share"``).

In: an unowned NSG on a member subnet of a group (its "shared NSG"), the group's own NSG (its
"anchor": the NSG eastwest creates for every group, which keeps the group's tags and digest and
guards the member subnets that have no NSG), the policy and the segment. Out: whether the NSG may
be shared, and the rule list a write must leave in it. Always pure; and:

- eastwest's rules there are **owned by name**: ``eastwest-<policy>-<segment>-…`` (the anchor's
  rule name after that prefix). Every other rule is the user's and is carried byte for byte.
- the copies mirror the anchor's allows (same properties, own priorities): the anchor is the
  group as the plan shows it, so the plan's rules are exactly what lands in the shared NSG.
- priorities: a copy that exists keeps its priority; a new one takes a free slot of the grid in
  the gaps of every other rule (``priorities.allocate``), above eastwest's deny rule.
- eastwest's deny rules (``…-deny-vnet-in|out``) go **below every allow of that direction in
  the NSG, the user's included** (the highest free priority above the highest allow): above a
  user's allow they would shadow it, and isolation would cost the user traffic they allowed on
  purpose. The user's own allows keep working, for better or worse (an allow from
  ``VirtualNetwork`` the user wrote still lets every peered VNet in).
- an NSG is shared only when it guards nothing but member subnets of this one group (no other
  subnet, no NIC) and lives in the account's resource group: eastwest's allows and deny would
  otherwise change what reaches workloads outside the segment.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from orchestrator.state.names import bounded_name
from orchestrator.state.resources import Direction
from providers.azure import priorities
from providers.azure import translate as tr

Payload = Mapping[str, Any]
Rules = dict[str, dict[str, Any]]  # rule name → {"name", "properties"} as a PUT sends it
_SIDE: Mapping[Direction, str] = {"ingress": "in", "egress": "out"}
_PREFIX_LIMIT = 60  # leaves 20 of ARM's 80 characters for the rule's own part


def prefix(policy: str, segment: str) -> str:
    return f"{tr.RULE_PREFIX}{policy}-{segment}-"


def copy_name(policy: str, segment: str, anchor_rule: str) -> str:
    """``eastwest-in-onprem-tcp-443`` in the anchor → ``eastwest-acme-app-in-onprem-tcp-443``."""
    return bounded_name(prefix(policy, segment) + anchor_rule.removeprefix(tr.RULE_PREFIX))


def deny_name(policy: str, segment: str, direction: Direction) -> str:
    return f"{prefix(policy, segment)}deny-vnet-{_SIDE[direction]}"


def why_not_shared(
    nsg: Payload, members: Collection[str], segment: str, policy: str, resource_group: str
) -> str | None:
    """Why eastwest may not write into ``nsg`` for this group (None: it may). ``members``:
    the member subnets' ids, lower-case."""
    if resource_group_of(str(nsg.get("id", ""))) != resource_group.lower():
        return f"it is outside resource group {resource_group}"
    if len(prefix(policy, segment)) > _PREFIX_LIMIT:
        return "the policy and segment names are too long to mark eastwest's rules in it"
    if tr.props(nsg).get("networkInterfaces"):
        return "it is also on network interfaces"
    for ref in tr.props(nsg).get("subnets") or ():
        if str(ref.get("id", "")).lower() not in members:
            return (
                f"it also guards subnet {tr.name_of_id(str(ref.get('id', '')))}, "
                f"which is not a member of segment {segment}"
            )
    return None


def mirrored(anchor: Payload) -> Rules:
    """The anchor's allows (eastwest's rules except its deny rules), as they are to be copied."""
    return {
        str(r["name"]): tr.writable(r)
        for r in tr.props(anchor).get("securityRules") or ()
        if str(r["name"]).startswith(tr.RULE_PREFIX) and r["name"] not in tr.DENY_NAMES.values()
    }


def sync(before: Rules, anchor_rules: Rules, policy: str, segment: str, *, present: bool) -> Rules:
    """The shared NSG's rules after the write: the user's as they are; eastwest's copies of
    ``anchor_rules`` and its deny rules (none at all when the group is gone: ``present``)."""
    mine = prefix(policy, segment)
    after = {n: r for n, r in before.items() if not n.startswith(mine)}
    if not present:
        return after
    fresh: dict[Direction, list[tuple[str, dict[str, Any]]]] = {"ingress": [], "egress": []}
    for anchor_name, rule in sorted(anchor_rules.items()):
        name = copy_name(policy, segment, anchor_name)
        properties = dict(rule["properties"])
        kept = before.get(name)
        if kept is not None and kept["properties"].get("direction") == properties["direction"]:
            properties["priority"] = kept["properties"]["priority"]
            after[name] = {"name": name, "properties": properties}
        else:
            fresh[_direction(properties)].append((name, properties))
    for direction, items in fresh.items():
        ceiling = _deny_of(before, policy, segment, direction)
        slots = priorities.allocate(
            [n for n, _ in items],
            _taken(after, direction),
            high=(ceiling - 1) if ceiling is not None else priorities.HIGHEST - 1,
        )
        for name, properties in items:
            after[name] = {"name": name, "properties": {**properties, "priority": slots[name]}}
    for direction in ("ingress", "egress"):
        _place_deny(before, after, policy, segment, direction)
    return after


def differences(before: Rules, after: Rules, nsg: str) -> list[str]:
    """What a write of ``after`` would change in ``nsg``, said for the group's description."""
    said = []
    for name in sorted(set(before) | set(after)):
        if name not in after:
            said.append(f"{name} in {nsg} is not wanted")
        elif name not in before:
            said.append(f"{name} is missing in {nsg}")
        elif not tr.same_content(before[name], after[name]["properties"]):
            said.append(f"{name} in {nsg} was changed or is above an allow")
    return said


def _place_deny(
    before: Rules, after: Rules, policy: str, segment: str, direction: Direction
) -> None:
    name = deny_name(policy, segment, direction)
    arm = tr.ARM_DIRECTION[direction]
    allows = [
        int(r["properties"]["priority"])
        for n, r in after.items()
        if n != name and r["properties"].get("direction") == arm
        and r["properties"].get("access") == "Allow"
    ]  # fmt: skip
    top = max(allows, default=priorities.LOWEST - 1)
    current = _deny_of(before, policy, segment, direction)
    if current is None or current <= top or current in _taken(after, direction):
        current = priorities.deny_priority(_taken(after, direction), top)
    after[name] = {"name": name, "properties": tr.deny_properties(direction, current)}


def _deny_of(rules: Rules, policy: str, segment: str, direction: Direction) -> int | None:
    rule = rules.get(deny_name(policy, segment, direction))
    return int(rule["properties"]["priority"]) if rule else None


def _taken(rules: Rules, direction: Direction) -> set[int]:
    arm = tr.ARM_DIRECTION[direction]
    return {
        int(r["properties"]["priority"])
        for r in rules.values()
        if r["properties"].get("direction") == arm
    }


def _direction(properties: Mapping[str, Any]) -> Direction:
    return "egress" if properties.get("direction") == "Outbound" else "ingress"


def resource_group_of(arm_id: str) -> str:
    parts = arm_id.lower().split("/")
    return parts[parts.index("resourcegroups") + 1] if "resourcegroups" in parts else ""


@dataclass(frozen=True, slots=True)
class Sharing:
    """The opt-in, with what deciding it needs: the unowned NSGs of the resource group."""

    policy: str
    resource_group: str
    nsgs: Mapping[str, Payload]  # by lower-case ARM id

    def refusal(self, nsg_id: str, members: Collection[str], segment: str) -> str | None:
        nsg = self.nsgs.get(nsg_id.lower())
        if nsg is None:
            return f"it is outside resource group {self.resource_group}"
        return why_not_shared(nsg, members, segment, self.policy, self.resource_group)


def shared_nsgs(
    anchor: Payload, members: Sequence[Payload], segment: str, sharing: Sharing
) -> list[Payload]:
    """The NSGs on the group's member subnets that take copies of the anchor's rules."""
    ids = {str(s["id"]).lower() for s in members}
    found: dict[str, Payload] = {}
    for subnet in members:
        nsg_id = (tr.associated_nsg(subnet) or "").lower()
        if not nsg_id or nsg_id == str(anchor.get("id", "")).lower() or nsg_id in found:
            continue
        if sharing.refusal(nsg_id, ids, segment) is None:
            found[nsg_id] = sharing.nsgs[nsg_id]
    return [found[k] for k in sorted(found)]


def shared_problems(
    anchor: Payload, members: Sequence[Payload], segment: str, sharing: Sharing
) -> list[str]:
    """What a repair would change in the group's shared NSGs (nothing: they are in step)."""
    said = []
    for nsg in shared_nsgs(anchor, members, segment, sharing):
        before = rules_of(nsg)
        after = sync(before, mirrored(anchor), sharing.policy, segment, present=True)
        said.extend(differences(before, after, str(nsg["name"])))
    return said


def rules_of(nsg: Payload) -> Rules:
    return {str(r["name"]): tr.writable(r) for r in tr.props(nsg).get("securityRules") or ()}
