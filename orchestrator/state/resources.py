"""Provider-neutral resources with stable keys.

Keys (DESIGN.md): ``<cloud>/<account>/<region>/<kind>/<name>…``, e.g.
``aws/111111111111/us-east-1/fwgroup/web@vpc-0a1`` and its rule
``…/fwgroup/web@vpc-0a1/ingress/tcp/443/set:db``. A rule's key is derived from its content, so
an observed rule and a desired rule with the same meaning have the same key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from orchestrator.state.attachments import GroupAttachment
from orchestrator.state.routes import (
    ApplianceMode,
    HubAssociation,
    HubPropagation,
    HubRoute,
    HubTable,
    NetworkPeering,
    NetworkRoute,
)
from orchestrator.state.scope import Scope

Direction = Literal["ingress", "egress"]
# tcp, udp, icmp, all; an observed rule may carry any other IP protocol name or number.
Protocol = str


@dataclass(frozen=True, slots=True)
class Target:
    """Who to talk to for one account: what an adapter factory needs, nothing cloud-specific."""

    cloud: str
    account: str
    name: str
    profile: str | None = None
    # Azure: the policy account's resource group, where eastwest reads and writes (None elsewhere).
    resource_group: str | None = None
    existing_nsgs: str = "conflict"  # Azure: 'conflict' or 'share' (docs/policy.md)
    # Azure: azure-core's AzureClouds name of the account's cloud (public, China, US Gov).
    azure_cloud: str = "AZURE_PUBLIC_CLOUD"


@dataclass(frozen=True, slots=True)
class AddressSet:
    """A segment's CIDRs, materialised once per scope where a rule references them."""

    key: str
    scope: Scope
    segment: str
    name: str
    cidrs: frozenset[str]
    max_entries: int
    kind: Literal["address_set"] = "address_set"


@dataclass(frozen=True, slots=True)
class FirewallGroup:
    """One segment's enforcement point in one network (VPC/VNet)."""

    key: str
    scope: Scope
    segment: str
    network: str
    name: str
    description: str
    kind: Literal["firewall_group"] = "firewall_group"
    # Where attaching the group is part of the group itself (Azure: its NSG's subnet
    # associations), the segment's attach mode ('add', 'exclusive', 'none'); '' on clouds that
    # attach per interface (``GroupAttachment``).
    attach: str = ""
    # Azure only: the segment's NICs are members of an application security group that is
    # part of the group (docs/azure.md, "Application security groups").
    asg: bool = False


@dataclass(frozen=True, slots=True)
class FlowRule:
    """One allowed flow on a group. ``peer`` is a token: ``set:<segment>`` (an address set in
    the same scope), ``cidr:<cidr>``, or ``ref:<native id>`` for something eastwest does not own
    (seen only in observations of drift)."""

    key: str
    scope: Scope
    group: str
    direction: Direction
    protocol: Protocol
    from_port: int
    to_port: int
    peer: str
    description: str = field(default="", compare=False)
    kind: Literal["flow_rule"] = "flow_rule"

    @property
    def ports(self) -> str:
        return ports_label(self.protocol, self.from_port, self.to_port)


Resource = (
    AddressSet
    | FirewallGroup
    | FlowRule
    | HubTable
    | HubAssociation
    | HubPropagation
    | HubRoute
    | NetworkRoute
    | ApplianceMode
    | NetworkPeering
    | GroupAttachment
)


def group_key(scope: Scope, segment: str, network: str) -> str:
    return f"{scope}/fwgroup/{segment}@{network}"


def address_set_key(scope: Scope, segment: str) -> str:
    return f"{scope}/addrset/{segment}"


def ports_label(protocol: Protocol, from_port: int, to_port: int) -> str:
    """``tcp/443``, ``udp/53-54``, ``icmp``, ``icmp/8:0`` (type:code), ``any``."""
    if protocol == "all":
        return "any"
    if protocol not in ("tcp", "udp"):
        unscoped = from_port == -1 and to_port == -1
        return protocol if unscoped else f"{protocol}/{from_port}:{to_port}"
    if from_port == to_port:
        return f"{protocol}/{from_port}"
    return f"{protocol}/{from_port}-{to_port}"


def rule_key(group: str, direction: Direction, ports: str, peer: str) -> str:
    """``ports`` is a ``ports_label``; its '/' becomes ':' so a key splits cleanly on '/'."""
    return f"{group}/{direction}/{ports.replace('/', ':')}/{peer}"


def rules_digest(rules: Iterable[FlowRule]) -> str:
    """A short digest of a rule set, recorded on the group at apply to tell drift apart.

    Keys are taken relative to their group, so groups of one segment with the same rules share
    a digest and can be tagged in one call."""
    text = "\n".join(sorted(r.key.removeprefix(f"{r.group}/") for r in rules))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def cidrs_digest(cidrs: Iterable[str]) -> str:
    text = "\n".join(sorted(cidrs))
    return hashlib.sha256(text.encode()).hexdigest()[:16]
