"""What a generator may need beyond the desired state: what exists and eastwest never owns.

In: the policy's targets (an Azure account's resource group), the inventory read for compiling
(networks and subnets with their prefixes) and, per scope, which route table each subnet uses
(``<network>/<subnet>`` → table name, Azure). Out: one frozen value handed to every generator.
Always: pure data; AWS and Alibaba need none of it (their resources name networks by id), Azure
needs it because its subnet associations are resources of their own, one per subnet.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from orchestrator.state import Scope, ScopeInventory, Target


@dataclass(frozen=True, slots=True)
class World:
    targets: Mapping[Scope, Target] = field(default_factory=dict)
    inventory: Mapping[Scope, ScopeInventory] = field(default_factory=dict)
    subnet_tables: Mapping[Scope, Mapping[str, str]] = field(default_factory=dict)

    def resource_group(self, scope: Scope) -> str:
        target = self.targets.get(scope)
        if target is None or not target.resource_group:
            raise ValueError(f"{scope}: no resource group is known for this Azure account")
        return target.resource_group
