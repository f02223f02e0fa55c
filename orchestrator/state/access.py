"""What the effective-access check needs to know about one scope's workloads, read from the cloud.

In: nothing (pure values), filled by a provider's access reader. Out: ``AccessModel``: the
workload interfaces (network, subnet, address) and, per interface, the ``RuleSet``s every packet
to or from it must pass: the groups on the interface and the lists on its subnet, owned by
eastwest or not, each with its ``EffectiveRule``s and how the cloud combines them (``Combine``);
and per subnet the lists on it (``SubnetSets``), which judge a member network with no workload.
Always: frozen; peers are CIDRs (a reader resolves group references and address sets first);
names are the cloud's own ids and names, so a finding can name the group and rule. No cloud
words in the types.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from orchestrator.state.scope import Scope


class Combine(StrEnum):
    """How a rule set's rules decide a packet."""

    ANY_ALLOW = "any allow"  # allow-only rules; any match admits, none denies (stateful)
    FIRST_MATCH = "first match"  # lowest priority number decides; no match denies
    PRIORITY_DENY_TIES = "priority, deny wins ties"  # lowest priority decides, deny on a tie


@dataclass(frozen=True, slots=True)
class EffectiveRule:
    group: str  # the group / list holding the rule, as people know it ("sg-… (pg-open)")
    rule: str  # the rule's id or name
    ingress: bool
    allow: bool
    protocol: str  # "tcp", "udp", "icmp" or "all"
    from_port: int = 0  # ignored for icmp and all
    to_port: int = 65535
    peers: tuple[str, ...] = ("0.0.0.0/0",)  # CIDRs
    priority: int = 0  # ignored by ANY_ALLOW

    def describe(self) -> str:
        ports = self.protocol if self.protocol in ("all", "icmp") else self._ports()
        way = "from" if self.ingress else "to"
        verb = "allows" if self.allow else "denies"
        return f"{self.group} rule {self.rule}: {verb} {ports} {way} {', '.join(self.peers)}"

    def _ports(self) -> str:
        same = self.from_port == self.to_port
        return f"{self.protocol}/{self.from_port}" + ("" if same else f"-{self.to_port}")


@dataclass(frozen=True, slots=True)
class RuleSet:
    name: str  # what blocks when nothing admits ("groups sg-a, sg-b on eni-…", "acl-…")
    combine: Combine
    rules: tuple[EffectiveRule, ...]
    stateful: bool = True  # False: the reply is judged as a packet of its own


@dataclass(frozen=True, slots=True)
class Workload:
    """One network interface of a workload, with what its packets must pass, in order."""

    id: str
    network: str
    subnet: str
    address: str
    rule_sets: tuple[RuleSet, ...]


@dataclass(frozen=True, slots=True)
class SubnetSets:
    """What every interface of a subnet passes whatever groups it carries (an AWS network ACL,
    an Azure subnet NSG): what judges a member network that has no workload interface yet."""

    id: str
    network: str
    cidr: str
    rule_sets: tuple[RuleSet, ...]


@dataclass(frozen=True, slots=True)
class AccessModel:
    scope: Scope
    workloads: tuple[Workload, ...]
    subnets: tuple[SubnetSets, ...] = ()
    # Whether a subnet's sets alone decide a packet to an interface that has none of its own
    # (Azure: a NIC without an NSG), or groups on the interface decide too (AWS): then what the
    # subnet's sets let through proves nothing, and only what they stop is a finding.
    subnets_decide: bool = False
    # The same model with every rule named by the cloud's own rule id, read only when a finding
    # must name one (AWS: judging on DescribeSecurityGroups saves a read per plan, but its
    # rules carry no ids); None: the rules are named already.
    named: Callable[[], AccessModel] | None = field(default=None, compare=False, repr=False)
