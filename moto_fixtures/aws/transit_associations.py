"""Transit gateway route-table associations and propagations, with EC2's rules.

Real EC2: an attachment is associated with at most one route table (a second association, to
any table, answers ``Resource.AlreadyAssociated``; disassociate first), and it may propagate into
any number of tables, once each (``TransitGatewayRouteTablePropagation.Duplicate``). Unknown ids
answer ``InvalidRouteTableID.NotFound`` / ``InvalidTransitGatewayAttachmentID.NotFound``;
undoing what is not there answers ``InvalidAssociation.NotFound`` /
``TransitGatewayRouteTablePropagation.NotFound``.

moto 5.2.5 crashes (HTTP 500) on unknown ids, accepts any number of associations, cannot
disassociate an attachment that was associated by default (it only knows explicit ones), keeps one
propagation per attachment (a second table overwrites the first) and never clears the
``Association`` an attachment reports.

What holds here: each table's ``route_table_associations`` and ``route_table_propagation`` are the
truth; an attachment's ``transit_gateway_route_table`` (which moto reads for the attachment's
``Association``) follows the table it is associated with, or is None.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.ec2.models.transit_gateway_route_tables import (
    RouteTablePropagation,
    TransitGatewayRelations,
)

from moto_fixtures.aws.exceptions import (
    AssociationNotFoundError,
    PropagationDuplicateError,
    PropagationNotFoundError,
    ResourceAlreadyAssociatedError,
    TransitGatewayAttachmentNotFoundError,
    TransitGatewayRouteTableNotFoundError,
)

Method = Callable[..., Any]


def route_table(backend: Any, route_table_id: str | None) -> Any:
    """The backend's TGW route table, or ``InvalidRouteTableID.NotFound`` (deleted counts)."""
    table = backend.transit_gateways_route_tables.get(route_table_id)
    if table is None or table.state == "deleted":
        raise TransitGatewayRouteTableNotFoundError(str(route_table_id))
    return table


def attachment(backend: Any, attachment_id: str | None) -> Any:
    """The backend's TGW attachment, or ``InvalidTransitGatewayAttachmentID.NotFound``."""
    found = backend.transit_gateway_attachments.get(attachment_id)
    if found is None or found.state == "deleted":
        raise TransitGatewayAttachmentNotFoundError(str(attachment_id))
    return found


def associate(original: Method) -> Method:
    def associate_transit_gateway_route_table(
        self: Any, transit_gateway_attachment_id: str, transit_gateway_route_table_id: str
    ) -> Any:
        """AssociateTransitGatewayRouteTable: ids must exist, one association per attachment."""
        table = route_table(self, transit_gateway_route_table_id)
        found = attachment(self, transit_gateway_attachment_id)
        current = associated_table(self, transit_gateway_attachment_id)
        if current is not None:
            raise ResourceAlreadyAssociatedError(transit_gateway_attachment_id, current)
        relation = original(self, transit_gateway_attachment_id, transit_gateway_route_table_id)
        found.transit_gateway_route_table = table
        return relation

    return associate_transit_gateway_route_table


def disassociate(original: Method) -> Method:
    del original  # rewritten: moto's only finds associations made by an explicit call

    def disassociate_transit_gateway_route_table(
        self: Any, tgw_attach_id: str, tgw_rt_id: str
    ) -> Any:
        """DisassociateTransitGatewayRouteTable: works for default associations too."""
        table = route_table(self, tgw_rt_id)
        found = attachment(self, tgw_attach_id)
        if tgw_attach_id not in table.route_table_associations:
            raise AssociationNotFoundError(tgw_attach_id, tgw_rt_id)
        relation = self.transit_gateway_associations.pop(tgw_attach_id, None)
        if relation is None:
            relation = TransitGatewayRelations(self, tgw_attach_id, tgw_rt_id, state="associated")
        relation.state = "disassociated"
        del table.route_table_associations[tgw_attach_id]
        found._association_data = {}
        found.transit_gateway_route_table = None
        return relation

    return disassociate_transit_gateway_route_table


def enable_propagation(original: Method) -> Method:
    del original  # rewritten: moto keeps one propagation per attachment, across all tables

    def enable_transit_gateway_route_table_propagation(
        self: Any, transit_gateway_attachment_id: str, transit_gateway_route_table_id: str
    ) -> Any:
        """EnableTransitGatewayRouteTablePropagation: once per table, into many tables."""
        table = route_table(self, transit_gateway_route_table_id)
        found = attachment(self, transit_gateway_attachment_id)
        if _propagation(table, transit_gateway_attachment_id) is not None:
            raise PropagationDuplicateError(
                transit_gateway_attachment_id, transit_gateway_route_table_id
            )
        table.route_table_propagation.append(
            RouteTablePropagation(
                resource_id=found.resource_id,
                resource_type=found.resource_type,
                state="enabled",
                transit_gateway_attachment_id=transit_gateway_attachment_id,
            )
        )
        found.propagation = {
            "state": "enabled",
            "transitGatewayRouteTableId": transit_gateway_route_table_id,
        }
        return TransitGatewayRelations(
            self, transit_gateway_attachment_id, transit_gateway_route_table_id, state="enabled"
        )

    return enable_transit_gateway_route_table_propagation


def disable_propagation(original: Method) -> Method:
    del original  # rewritten for the same reason as enable_propagation

    def disable_transit_gateway_route_table_propagation(
        self: Any, transit_gateway_attachment_id: str, transit_gateway_route_table_id: str
    ) -> Any:
        """DisableTransitGatewayRouteTablePropagation: only a propagation that exists."""
        table = route_table(self, transit_gateway_route_table_id)
        found = attachment(self, transit_gateway_attachment_id)
        propagation = _propagation(table, transit_gateway_attachment_id)
        if propagation is None:
            raise PropagationNotFoundError(
                transit_gateway_attachment_id, transit_gateway_route_table_id
            )
        table.route_table_propagation.remove(propagation)
        if found.propagation.get("transitGatewayRouteTableId") == transit_gateway_route_table_id:
            found.propagation = {}
        return TransitGatewayRelations(
            self, transit_gateway_attachment_id, transit_gateway_route_table_id, state="disabled"
        )

    return disable_transit_gateway_route_table_propagation


def known_table(original: Method) -> Method:
    """Get…Associations / Get…Propagations: an unknown table is an error, not an empty list."""

    def get_for_table(self: Any, transit_gateway_route_table_id: str, filters: Any = None) -> Any:
        """Get associations/propagations of a table that exists (EC2: InvalidRouteTableID)."""
        route_table(self, transit_gateway_route_table_id)
        return original(self, transit_gateway_route_table_id, filters)

    return get_for_table


def associated_table(backend: Any, attachment_id: str) -> str | None:
    """The id of the table ``attachment_id`` is associated with, if any."""
    for table in backend.transit_gateways_route_tables.values():
        if attachment_id in table.route_table_associations and table.state != "deleted":
            return str(table.id)
    return None


def forget_attachment(backend: Any, attachment_id: str) -> None:
    """Drop the association and the propagations of an attachment that is being deleted."""
    backend.transit_gateway_associations.pop(attachment_id, None)
    for table in backend.transit_gateways_route_tables.values():
        table.route_table_associations.pop(attachment_id, None)
        table.route_table_propagation = [
            p
            for p in table.route_table_propagation
            if p.transitGatewayAttachmentId != attachment_id
        ]


def _propagation(table: Any, attachment_id: str) -> Any:
    for propagation in table.route_table_propagation:
        if propagation.transitGatewayAttachmentId == attachment_id:
            return propagation
    return None
