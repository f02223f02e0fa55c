"""The neutral vocabulary shared by compile, plan, apply and the providers.

In: nothing (pure values). Out: ``Scope``, the resources (``AddressSet``, ``FirewallGroup``,
``FlowRule``), ``Inventory``, ``RoutingModel`` (what a path walk reads),
``DesiredState``/``ObservedScope`` and ``Change``.
Always: values are frozen; every resource has a stable ``key`` that starts with its scope, so
diffs are set operations on keys and plans are reproducible. No cloud words here.
"""

from orchestrator.state.change import Action, Change, Step
from orchestrator.state.inventory import Network, ScopeInventory, Subnet
from orchestrator.state.resources import (
    AddressSet,
    FirewallGroup,
    FlowRule,
    Resource,
    Scope,
    Target,
    rules_digest,
)
from orchestrator.state.routing import (
    HopKind,
    NextHop,
    RouteTable,
    RoutingModel,
    SubnetPlace,
    SubnetRoute,
    TransitAttachment,
    TransitRoute,
    TransitTable,
)
from orchestrator.state.sets import DesiredScope, DesiredState, NativeRef, ObservedScope

__all__ = [
    "Action",
    "AddressSet",
    "Change",
    "DesiredScope",
    "DesiredState",
    "FirewallGroup",
    "FlowRule",
    "HopKind",
    "NativeRef",
    "Network",
    "NextHop",
    "ObservedScope",
    "Resource",
    "RouteTable",
    "RoutingModel",
    "Scope",
    "ScopeInventory",
    "Step",
    "Subnet",
    "SubnetPlace",
    "SubnetRoute",
    "Target",
    "TransitAttachment",
    "TransitRoute",
    "TransitTable",
    "rules_digest",
]
