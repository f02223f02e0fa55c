"""ECS security groups and their rules: state and the rules the real service enforces.

Always: a rule is identified by what it matches and does (direction, protocol, ports, peer,
policy, priority, NIC type), never by its description; re-authorising an existing rule succeeds
and adds nothing (the metadata says so in Chinese), while
the same rule twice in one call answers ``InvalidParam.DuplicatePermissions`` and stores nothing.
Priority is 1-100 (default 1) and is kept as the string the API returns.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from moto_fixtures.alibaba import errors
from moto_fixtures.alibaba.models.common import Ids, iso_now

PROTOCOLS = {"TCP", "UDP", "ICMP", "ICMPV6", "GRE", "ALL"}
# The peer fields of a permission, ingress and egress alike.
PEER_FIELDS = (
    "SourceCidrIp",
    "DestCidrIp",
    "Ipv6SourceCidrIp",
    "Ipv6DestCidrIp",
    "SourceGroupId",
    "DestGroupId",
    "SourcePrefixListId",
    "DestPrefixListId",
    "SourcePortRange",
    "SourceGroupOwnerAccount",
    "DestGroupOwnerAccount",
)


@dataclass(frozen=True)
class Rule:
    direction: str
    ip_protocol: str
    port_range: str
    policy: str
    priority: str
    nic_type: str
    peers: tuple[tuple[str, str], ...]
    rule_id: str = field(compare=False)
    description: str = field(compare=False, default="")
    create_time: str = field(compare=False, default="")

    def identity(self) -> tuple[object, ...]:
        return (
            self.direction,
            self.ip_protocol,
            self.port_range,
            self.policy,
            self.priority,
            self.nic_type,
            self.peers,
        )

    def matches(self, other: Rule) -> bool:
        return self.identity() == other.identity()


@dataclass
class SecurityGroup:
    group_id: str
    name: str
    description: str
    vpc_id: str
    group_type: str
    creation_time: str
    tags: dict[str, str] = field(default_factory=dict)
    rules: list[Rule] = field(default_factory=list)


class Ecs:
    def __init__(
        self,
        ids: Ids,
        vpc_exists: Callable[[str], bool],
        has_members: Callable[[str], bool] = lambda _group_id: False,
    ) -> None:
        self._ids = ids
        self._vpc_exists = vpc_exists
        # Whether an instance or ENI is still in the group: such a group cannot be deleted.
        self._has_members = has_members
        self.groups: dict[str, SecurityGroup] = {}

    def create_group(
        self, name: str, description: str, vpc_id: str, group_type: str, tags: dict[str, str]
    ) -> SecurityGroup:
        if group_type not in ("normal", "enterprise"):
            raise errors.InvalidParameter("The specified SecurityGroupType is not valid.")
        if vpc_id and not self._vpc_exists(vpc_id):
            raise errors.VpcNotFoundForGroup()
        group = SecurityGroup(
            self._ids.new("sg"), name, description, vpc_id, group_type, iso_now(), dict(tags)
        )
        self.groups[group.group_id] = group
        return group

    def get(self, group_id: str) -> SecurityGroup:
        group = self.groups.get(group_id)
        if group is None:
            raise errors.SecurityGroupNotFound(
                f"The specified SecurityGroupId {group_id} does not exist."
            )
        return group

    def delete_group(self, group_id: str) -> None:
        if group_id not in self.groups:
            raise errors.DeleteSecurityGroupNotFound()
        referenced = any(
            dict(rule.peers).get(k) == group_id
            for g in self.groups.values()
            if g.group_id != group_id
            for rule in g.rules
            for k in ("SourceGroupId", "DestGroupId")
        )
        if referenced:
            raise errors.DependencyViolation(
                "The specified security group is referenced by another security group."
            )
        if self._has_members(group_id):
            raise errors.DependencyViolation()
        del self.groups[group_id]

    def make_rule(self, direction: str, permission: dict[str, str]) -> Rule:
        protocol = permission.get("IpProtocol", "").upper()
        if protocol not in PROTOCOLS:
            raise errors.InvalidIpProtocol()
        policy = permission.get("Policy", "accept").lower()
        if policy not in ("accept", "drop"):
            raise errors.InvalidPolicy()
        priority = permission.get("Priority") or "1"
        if not priority.isdigit() or not 1 <= int(priority) <= 100:
            raise errors.InvalidPriority()
        port_range = permission.get("PortRange", "-1/-1" if protocol in ("ICMP", "ALL") else "")
        if not _valid_ports(port_range):
            raise errors.InvalidPortRange()
        peers = tuple(sorted((k, v) for k, v in permission.items() if k in PEER_FIELDS and v))
        ends = ("Source", "Ipv6Source") if direction == "ingress" else ("Dest", "Ipv6Dest")
        if not any(k.startswith(ends) and k != "SourcePortRange" for k, _ in peers):
            raise errors.MissingSource()
        return Rule(
            direction,
            protocol,
            port_range,
            policy,
            str(int(priority)),
            permission.get("NicType", "intranet"),
            peers,
            rule_id=self._ids.new("sgr"),
            description=permission.get("Description", ""),
            create_time=iso_now(),
        )

    def authorize(self, group_id: str, direction: str, permissions: list[dict[str, str]]) -> None:
        group = self.get(group_id)
        new = [self.make_rule(direction, p) for p in permissions]
        # Validate the whole call before storing anything: the real API is atomic.
        if len({r.identity() for r in new}) != len(new):
            raise errors.DuplicatePermissions()
        for rule in new:
            for peer in ("SourceGroupId", "DestGroupId"):
                ref = dict(rule.peers).get(peer)
                if ref and ref not in self.groups:
                    raise errors.SecurityGroupNotFound(f"The {peer} {ref} does not exist.")
        existing = {r.identity() for r in group.rules}
        group.rules.extend(r for r in new if r.identity() not in existing)

    def revoke(
        self, group_id: str, direction: str, permissions: list[dict[str, str]], rule_ids: list[str]
    ) -> None:
        group = self.get(group_id)
        gone = {self.make_rule(direction, p).identity() for p in permissions}
        # Revoking a rule that does not exist succeeds, as on the real API.
        group.rules = [
            r
            for r in group.rules
            if not (r.direction == direction and (r.identity() in gone or r.rule_id in rule_ids))
        ]


def _valid_ports(port_range: str) -> bool:
    low, sep, high = port_range.partition("/")
    if not sep:
        return False
    try:
        a, b = int(low), int(high)
    except ValueError:
        return False
    return (a, b) == (-1, -1) or 1 <= a <= b <= 65535
