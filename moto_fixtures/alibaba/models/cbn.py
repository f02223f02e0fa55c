"""CEN transit routers: route tables, VPC attachments, associations, propagations, routes.

Learned routes are not stored: ``responses/cbn.py`` derives them from the propagations that are
``Active`` (each propagated VPC's CIDR, next hop its attachment, type ``Propagated``), as the
real router lists them beside the static entries. Route tables carry tags (``TagResources``).

Always: everything created moves ``Creating`` (or ``Associating`` / ``Enabling``) → ``Active``
after ``delay`` seconds and ``Deleting`` (``Dissociating`` / ``Disabling``) → gone after the same
delay, settled lazily on every call; an operation on an object in a transitional state answers
the metadata's ``IncorrectStatus.*``; a write on a transit router while another of its objects is
in transition answers ``OperationConflict`` (the real TR serialises changes per router).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from moto_fixtures.alibaba import errors
from moto_fixtures.alibaba.models.common import Ids, iso_now

SETTLED = {
    "Creating": "Active",
    "Associating": "Active",
    "Enabling": "Active",
    "Attaching": "Attached",
}
GOING = ("Deleting", "Dissociating", "Disabling", "Detaching")


@dataclass
class Tracked:
    """Something with an asynchronous status; ``until`` is when the transition ends."""

    tr_id: str
    status: str
    until: float

    def busy(self) -> bool:
        return self.status in SETTLED or self.status in GOING


@dataclass
class TrRouteTable(Tracked):
    table_id: str = ""
    name: str = ""
    description: str = ""
    table_type: str = "Custom"
    creation_time: str = ""
    tags: dict[str, str] = field(default_factory=dict)


@dataclass
class Attachment(Tracked):
    attachment_id: str = ""
    cen_id: str = ""
    vpc_id: str = ""
    name: str = ""
    zones: list[dict[str, str]] = field(default_factory=list)
    creation_time: str = ""


@dataclass
class Link(Tracked):
    """An association or a propagation of one attachment with one route table."""

    attachment_id: str = ""
    table_id: str = ""


@dataclass
class TrRoute(Tracked):
    entry_id: str = ""
    table_id: str = ""
    destination: str = ""
    hop_type: str = ""
    hop_id: str = ""
    name: str = ""
    description: str = ""
    creation_time: str = ""


class Cbn:
    def __init__(self, ids: Ids, delay: float) -> None:
        self._ids = ids
        self.delay = delay
        self.cens: dict[str, str] = {}  # CEN id → name
        self.routers: dict[str, str] = {}  # TR id → CEN id
        self.router_regions: dict[str, str] = {}  # TR id → its region (a CEN spans regions)
        self.tables: dict[str, TrRouteTable] = {}
        self.attachments: dict[str, Attachment] = {}
        self.associations: dict[tuple[str, str], Link] = {}
        self.propagations: dict[tuple[str, str], Link] = {}
        self.routes: dict[str, TrRoute] = {}

    # -- lifecycle ---------------------------------------------------------------------------
    def settle(self, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        for store in self._stores():
            for key, item in list(store.items()):
                if item.until > now:
                    continue
                if item.status in SETTLED:
                    item.status = SETTLED[item.status]
                elif item.status in GOING:
                    del store[key]

    def _stores(self) -> list[dict[object, Tracked]]:
        return [self.tables, self.attachments, self.associations, self.propagations, self.routes]  # type: ignore[list-item]

    def _start(self, status: str) -> tuple[str, float]:
        if self.delay <= 0:
            return SETTLED.get(status, status), 0.0
        return status, time.monotonic() + self.delay

    def _guard(
        self, tr_id: str, busy: type[errors.AlibabaError] = errors.OperationConflict
    ) -> None:
        """A write on a router with an operation in flight is refused (the real TR serialises
        them): with the code the action documents for a busy router where it has one
        (``IncorrectStatus.TransitRouter`` on the creates), else ``OperationConflict``."""
        if any(item.tr_id == tr_id and item.busy() for s in self._stores() for item in s.values()):
            raise busy()

    def _leave(self, item: Tracked, status: str, store: dict[object, Tracked], key: object) -> None:
        if self.delay <= 0:
            del store[key]
            return
        item.status, item.until = status, time.monotonic() + self.delay

    # -- seed-only objects (no create action in the metadata eastwest uses) ------------------
    def add_cen(self, name: str) -> str:
        cen_id = self._ids.new("cen")
        self.cens[cen_id] = name
        return cen_id

    def add_transit_router(self, cen_id: str, region: str = "cn-hangzhou") -> tuple[str, str]:
        """One router of ``cen_id`` in ``region`` (a CEN has at most one per region)."""
        if any(c == cen_id and self.router_regions[t] == region for t, c in self.routers.items()):
            raise errors.InvalidParameter(f"The CEN {cen_id} has a transit router in {region}.")
        tr_id = self._ids.new("tr")
        self.routers[tr_id] = cen_id
        self.router_regions[tr_id] = region
        system = TrRouteTable(
            tr_id, "Active", 0.0, self._ids.new("vtb"), "system", "", "System", iso_now(False)
        )
        self.tables[system.table_id] = system
        return tr_id, system.table_id

    # -- lookups -----------------------------------------------------------------------------
    def region_of(self, tr_id: str) -> str:
        region = self.router_regions.get(tr_id)
        if region is None:
            raise errors.TransitRouterNotFound()
        return region

    def table(
        self, table_id: str, error: type[errors.AlibabaError] = errors.TrRouteTableNotFound
    ) -> TrRouteTable:
        table = self.tables.get(table_id)
        if table is None:
            raise error()
        return table

    def attachment(
        self, attachment_id: str, error: type[errors.AlibabaError] = errors.AttachmentNotFound
    ) -> Attachment:
        att = self.attachments.get(attachment_id)
        if att is None:
            raise error()
        return att

    def tag_tables(self, table_ids: list[str], tags: dict[str, str]) -> None:
        """All or nothing: an unknown id refuses the whole call, as ``TagResources`` does."""
        if any(t not in self.tables for t in table_ids):
            raise errors.InvalidInstanceIdsNotFound()
        for table_id in table_ids:
            self.tables[table_id].tags.update(tags)

    # -- writes ------------------------------------------------------------------------------
    def create_table(
        self, tr_id: str, name: str, description: str, tags: dict[str, str]
    ) -> TrRouteTable:
        if tr_id not in self.routers:
            raise errors.TransitRouterNotFound()
        self._guard(tr_id, errors.IncorrectTransitRouter)
        status, until = self._start("Creating")
        table = TrRouteTable(
            tr_id,
            status,
            until,
            self._ids.new("vtb"),
            name,
            description,
            "Custom",
            iso_now(False),
            dict(tags),
        )
        self.tables[table.table_id] = table
        return table

    def delete_table(self, table_id: str) -> None:
        table = self.table(table_id)
        if table.table_type == "System":
            raise errors.InvalidParameter("OperationFailed.DeleteSystemRouteTable")
        if table.status != "Active":
            raise errors.IncorrectTrRouteTable()
        if any(k[1] == table_id for k in self.associations):
            raise errors.DeleteWithAssociation()
        if any(k[1] == table_id for k in self.propagations):
            raise errors.DeleteWithPropagation()
        if any(r.table_id == table_id for r in self.routes.values()):
            raise errors.DeleteWithRouteEntry()
        self._guard(table.tr_id)
        self._leave(table, "Deleting", self.tables, table_id)  # type: ignore[arg-type]

    def create_attachment(
        self, tr_id: str, vpc_id: str, name: str, zones: list[dict[str, str]]
    ) -> Attachment:
        if tr_id not in self.routers:
            raise errors.TransitRouterNotFound()
        self._guard(tr_id, errors.IncorrectTransitRouter)
        status, until = self._start("Attaching")
        att = Attachment(
            tr_id,
            status,
            until,
            self._ids.new("tr-attach"),
            self.routers[tr_id],
            vpc_id,
            name,
            list(zones),
            iso_now(False),
        )
        self.attachments[att.attachment_id] = att
        return att

    def link(self, kind: str, attachment_id: str, table_id: str) -> None:
        att, table = (
            self.attachment(attachment_id),
            self.table(table_id, errors.TrRouteTableNotFound404),
        )
        if att.status != "Attached" or table.status != "Active":
            raise errors.IncorrectAttachmentOrRouteTable()
        store = self.associations if kind == "association" else self.propagations
        if kind == "association" and any(k[0] == attachment_id for k in store):
            # An attachment is associated with at most one route table.
            raise errors.AssociationExists()
        if (attachment_id, table_id) in store:
            raise errors.IncorrectAttachmentOrRouteTable()
        self._guard(table.tr_id)
        status, until = self._start("Associating" if kind == "association" else "Enabling")
        store[(attachment_id, table_id)] = Link(table.tr_id, status, until, attachment_id, table_id)

    def unlink(self, kind: str, attachment_id: str, table_id: str) -> None:
        # DisableTransitRouterRouteTablePropagation documents the unknown attachment as a 400.
        missing = (
            errors.AttachmentNotFound if kind == "association" else errors.AttachmentNotFound400
        )
        self.attachment(attachment_id, missing)
        table = self.table(table_id, errors.TrRouteTableNotFound404)
        store = self.associations if kind == "association" else self.propagations
        link = store.get((attachment_id, table_id))
        if link is None or link.status != "Active":
            raise errors.IncorrectAttachmentOrRouteTable()
        self._guard(table.tr_id)
        going = "Dissociating" if kind == "association" else "Disabling"
        self._leave(link, going, store, (attachment_id, table_id))  # type: ignore[arg-type]

    def create_route(  # noqa: PLR0917 (one argument per API parameter)
        self,
        table_id: str,
        destination: str,
        hop_type: str,
        hop_id: str,
        name: str,
        description: str,
    ) -> TrRoute:
        table = self.table(table_id)
        if table.status != "Active":
            raise errors.IncorrectTrRouteTable()
        if hop_type not in ("BlackHole", "Attachment"):
            raise errors.InvalidParameter("IllegalParam.NextHopType")
        if hop_type == "Attachment" and hop_id not in self.attachments:
            raise errors.TrRouteEntryNextHopNotFound()
        if any(
            r.table_id == table_id and r.destination == destination for r in self.routes.values()
        ):
            raise errors.TrRouteEntryExists()
        self._guard(table.tr_id)
        status, until = self._start("Creating")
        route = TrRoute(
            table.tr_id,
            status,
            until,
            self._ids.new("rte"),
            table_id,
            destination,
            hop_type,
            hop_id if hop_type == "Attachment" else "",
            name,
            description,
            iso_now(False),
        )
        self.routes[route.entry_id] = route
        return route

    def delete_route(self, params: dict[str, str]) -> None:
        entry_id = params.get("TransitRouterRouteEntryId")
        if entry_id:
            route = self.routes.get(entry_id)
        else:
            self.table(params.get("TransitRouterRouteTableId", ""))
            dest = params.get("TransitRouterRouteEntryDestinationCidrBlock")
            route = next(
                (
                    r
                    for r in self.routes.values()
                    if r.table_id == params.get("TransitRouterRouteTableId")
                    and r.destination == dest
                ),
                None,
            )
        if route is None:
            raise errors.TrDestinationNotFound()
        if route.status != "Active":
            raise errors.IncorrectTrRouteTable("The route entry is not Active.")
        self._guard(route.tr_id)
        self._leave(route, "Deleting", self.routes, route.entry_id)  # type: ignore[arg-type]
