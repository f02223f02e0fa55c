"""Transit routing, cloud-free: what every cloud's transit writer and reader share.

In: routing changes of one step, or raw hub tables a reader found. Out: the order the changes
go in, the change dispatched to the cloud's call for its kind, owned hub tables parsed from
their key tag. Always: VPC routes go in first when adding and come out last when removing (the
return path before what sends traffic into it); a hub table's identity is its ``eastwest:key``
(``<scope>/hubtable/<hub>/segment:<s>`` or ``…/inspection``), so two tables with one key make
the observation fail (``check_unique``) rather than one silently hiding the other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from orchestrator.errors import PermanentError
from orchestrator.state import (
    ApplianceMode,
    Change,
    HubAssociation,
    HubPropagation,
    HubRoute,
    HubTable,
    NativeRef,
    NetworkRoute,
    Resource,
    Scope,
    Step,
)
from providers.core.marks import check_unique

ROUTE_KINDS = frozenset(
    {
        "hub_table",
        "hub_association",
        "hub_propagation",
        "hub_route",
        "network_route",
        "appliance_mode",
    }
)


def split_routes(changes: Sequence[Change]) -> tuple[list[Change], list[Change]]:
    """(VPC routes, the rest), each in the planner's order."""
    routes = [c for c in changes if isinstance(c.resource, NetworkRoute)]
    return routes, [c for c in changes if not isinstance(c.resource, NetworkRoute)]


def routes_first(step: Step) -> bool:
    """Whether VPC routes go before the hub's changes in ``step``: the return path goes in
    before the routes that send traffic into it, and comes out after them."""
    return step is not Step.REMOVE_RULES


Ids = MutableMapping[str, NativeRef]


class HubCalls(Protocol):
    """One cloud's transit calls, one per routing kind; each may add to ``ids``."""

    def table(self, change: Change, ids: Ids) -> None: ...
    def association(self, change: Change, ids: Ids) -> None: ...
    def propagation(self, change: Change, ids: Ids) -> None: ...
    def hub_route(self, change: Change, ids: Ids) -> None: ...
    def network_route(self, change: Change, ids: Ids) -> None: ...
    def appliance(self, change: Change, ids: Ids) -> None: ...


def dispatch(change: Change, calls: HubCalls, ids: Ids) -> None:
    """The cloud's call for the change's kind; any other kind is a permanent error."""
    call: Callable[[Change, Ids], None] | None = {
        HubTable: calls.table,
        HubAssociation: calls.association,
        HubPropagation: calls.propagation,
        HubRoute: calls.hub_route,
        NetworkRoute: calls.network_route,
        ApplianceMode: calls.appliance,
    }.get(type(change.resource))
    if call is None:
        raise PermanentError(f"{change.key}: not a routing change")
    call(change, ids)


def table_id(key: str, ids: Mapping[str, NativeRef], missing: str) -> str:
    """A hub table's native id: ``ref:<id>`` for one eastwest does not own (the default table),
    else the id its creation recorded; ``missing`` is the error when there is none."""
    if key.startswith("ref:"):
        return key.removeprefix("ref:")
    if key not in ids:
        raise PermanentError(missing)
    return ids[key].id


@dataclass
class OwnedRouting:
    resources: dict[str, Resource] = field(default_factory=dict)
    native: dict[str, NativeRef] = field(default_factory=dict)
    applied: dict[str, str] = field(default_factory=dict)
    foreign: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RawTable:
    """What a reader found of one owned hub table."""

    key: str  # its eastwest:key tag
    table_id: str
    hub: str
    name: str
    digest: str | None  # its eastwest:routes-digest tag


def add_hub_table(found: OwnedRouting, raw: RawTable) -> HubTable:
    """The owned table ``raw`` as a ``HubTable``, recorded in ``found``."""
    hub_name, _, tail = raw.key.partition("/hubtable/")[2].partition("/")
    segment = tail.removeprefix("segment:") if tail.startswith("segment:") else ""
    table = HubTable(
        raw.key,
        Scope.parse(raw.key.split("/hubtable/")[0]),
        raw.hub,
        hub_name,
        "segment" if segment else "inspection",
        segment,
        raw.name,
    )
    check_unique(found.native, raw.key, raw.table_id)
    found.resources[raw.key] = table
    found.native[raw.key] = NativeRef(raw.table_id)
    if raw.digest is not None:
        found.applied[raw.key] = raw.digest
    return table
