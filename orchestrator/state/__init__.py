"""The neutral vocabulary shared by compile, plan, apply and the providers.

In: nothing (pure values). Out: ``Scope``, the resources (``AddressSet``, ``FirewallGroup``,
``FlowRule``, ``GroupAttachment``), ``Inventory`` (with ``Interface``), ``RoutingModel`` (what
a path walk reads),
``DesiredState``/``ObservedScope`` and ``Change``.
Always: values are frozen; every resource has a stable ``key`` that starts with its scope, so
diffs are set operations on keys and plans are reproducible. No cloud words here.
"""

from orchestrator.state.attachments import GroupAttachment, Interface
from orchestrator.state.change import Action, Change, Step
from orchestrator.state.inventory import Network, ScopeInventory, Subnet
from orchestrator.state.resources import (
    AddressSet,
    FirewallGroup,
    FlowRule,
    Resource,
    Target,
    rules_digest,
)
from orchestrator.state.routes import (
    ApplianceMode,
    HubAssociation,
    HubPropagation,
    HubRoute,
    HubTable,
    NetworkRoute,
    RouteResource,
)
from orchestrator.state.routing import (
    HopKind,
    HubInfo,
    NextHop,
    RouteTable,
    RoutingModel,
    SubnetPlace,
    SubnetRoute,
    TransitAttachment,
    TransitInventory,
    TransitRoute,
    TransitTable,
)
from orchestrator.state.scope import Scope
from orchestrator.state.sets import DesiredScope, DesiredState, NativeRef, ObservedScope

__all__ = [
    "Action",
    "AddressSet",
    "ApplianceMode",
    "Change",
    "DesiredScope",
    "DesiredState",
    "FirewallGroup",
    "FlowRule",
    "GroupAttachment",
    "HopKind",
    "HubAssociation",
    "HubInfo",
    "HubPropagation",
    "HubRoute",
    "HubTable",
    "Interface",
    "NativeRef",
    "Network",
    "NetworkRoute",
    "NextHop",
    "ObservedScope",
    "Resource",
    "RouteResource",
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
    "TransitInventory",
    "TransitRoute",
    "TransitTable",
    "rules_digest",
]
