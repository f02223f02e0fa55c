"""What the clouds have that eastwest reads but never owns: networks and subnets."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from orchestrator.state.attachments import Interface
from orchestrator.state.scope import Scope


@dataclass(frozen=True, slots=True)
class Subnet:
    id: str
    network: str
    cidrs: tuple[str, ...]
    zone: str
    tags: Mapping[str, str] = field(default_factory=dict, hash=False)


@dataclass(frozen=True, slots=True)
class Network:
    """A VPC (AWS, Alibaba) or VNet (Azure)."""

    id: str
    cidrs: tuple[str, ...]
    tags: Mapping[str, str] = field(default_factory=dict, hash=False)
    name: str = ""


@dataclass(frozen=True, slots=True)
class ScopeInventory:
    scope: Scope
    networks: tuple[Network, ...] = ()
    subnets: tuple[Subnet, ...] = ()
    # None: this cloud's adapter does not read interfaces (nothing can be attached there).
    interfaces: tuple[Interface, ...] | None = None

    def network(self, network_id: str) -> Network | None:
        return next((n for n in self.networks if n.id == network_id), None)

    def subnets_of(self, network_id: str) -> tuple[Subnet, ...]:
        return tuple(s for s in self.subnets if s.network == network_id)
