"""Transit gateway options that decide where a new attachment goes.

Real EC2: ``DefaultRouteTableAssociation`` and ``DefaultRouteTablePropagation`` (both ``enable``
unless the request says otherwise) decide whether a new attachment is associated with, and
propagates into, the gateway's default route table. EC2 creates that table only when at least one
of the two is on; with both off the gateway has no default table and its options carry neither
``AssociationDefaultRouteTableId`` nor ``PropagationDefaultRouteTableId``. ModifyTransitGateway
changes both options (turning one on creates the default table if there is none) and may point
them at another table of the gateway.

moto 5.2.5 stores the options but ignores them: it always creates the default table, associates
every new VPC attachment with it whatever the option says, never propagates, and crashes
(HTTP 500) on ModifyTransitGateway for an unknown gateway. Deleting an attachment also left its
association and propagations behind in the tables.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto.ec2.exceptions import DuplicateTransitGatewayAttachmentError, InvalidTransitGatewayID
from moto.ec2.models.transit_gateway_attachments import TransitGatewayVpcAttachment

from moto_fixtures.aws import transit_associations as associations

Method = Callable[..., Any]

_ASSOCIATION = ("DefaultRouteTableAssociation", "AssociationDefaultRouteTableId")
_PROPAGATION = ("DefaultRouteTablePropagation", "PropagationDefaultRouteTableId")


def create_gateway(original: Method) -> Method:
    def init(
        self: Any, backend: Any, description: str | None, options: dict[str, str] | None = None
    ) -> None:
        """TransitGateway: no default route table when association and propagation are off."""
        original(self, backend, description, options)
        if not _any_default_on(self.options):
            backend.transit_gateways_route_tables.pop(self.default_route_table.id, None)
            self.default_route_table = None
            for _, table_key in (_ASSOCIATION, _PROPAGATION):
                self.options.pop(table_key, None)

    return init


def modify_gateway(original: Method) -> Method:
    def modify_transit_gateway(
        self: Any,
        transit_gateway_id: str,
        description: str | None = None,
        options: dict[str, str] | None = None,
    ) -> Any:
        """ModifyTransitGateway: default-table options take effect; unknown ids are errors."""
        gateway = self.transit_gateways.get(transit_gateway_id)
        if gateway is None:
            raise InvalidTransitGatewayID(transit_gateway_id)
        for _, table_key in (_ASSOCIATION, _PROPAGATION):
            if (options or {}).get(table_key):
                associations.route_table(self, options[table_key])  # type: ignore[index]
        result = original(self, transit_gateway_id, description, options)
        _ensure_default_table(self, gateway)
        _flag_default_tables(self, gateway)
        return result

    return modify_transit_gateway


def create_vpc_attachment(original: Method) -> Method:
    del original  # rewritten: moto's associates with the default table unconditionally

    def create_transit_gateway_vpc_attachment(
        self: Any,
        transit_gateway_id: str,
        vpc_id: str,
        subnet_ids: list[str],
        *,
        tags: dict[str, str] | None = None,
        options: dict[str, str] | None = None,
    ) -> Any:
        """CreateTransitGatewayVpcAttachment: default association/propagation as the TGW says."""
        gateway = self.transit_gateways.get(transit_gateway_id)
        if gateway is None:
            raise InvalidTransitGatewayID(
                transit_gateway_id,
                f"Transit Gateway {transit_gateway_id} was deleted or does not exist.",
            )
        if self.describe_transit_gateway_vpc_attachments(
            filters={"transit-gateway-id": [transit_gateway_id], "vpc-id": [vpc_id]}
        ):
            raise DuplicateTransitGatewayAttachmentError(transit_gateway_id)
        attachment = TransitGatewayVpcAttachment(
            self,
            transit_gateway=gateway,
            tags=tags,
            vpc_id=vpc_id,
            subnet_ids=subnet_ids,
            options=options,
        )
        # moto's constructor points every attachment at the default table; the association
        # below decides instead.
        attachment.transit_gateway_route_table = None
        self.transit_gateway_attachments[attachment.id] = attachment
        _apply_defaults(self, gateway, attachment.id)
        return attachment

    return create_transit_gateway_vpc_attachment


def delete_vpc_attachment(original: Method) -> Method:
    def delete_transit_gateway_vpc_attachment(self: Any, transit_gateway_attachment_id: str) -> Any:
        """DeleteTransitGatewayVpcAttachment: its association and propagations go with it."""
        associations.attachment(self, transit_gateway_attachment_id)
        associations.forget_attachment(self, transit_gateway_attachment_id)
        return original(self, transit_gateway_attachment_id)

    return delete_transit_gateway_vpc_attachment


def _any_default_on(options: dict[str, Any]) -> bool:
    return any(options.get(flag) == "enable" for flag, _ in (_ASSOCIATION, _PROPAGATION))


def _default_table(backend: Any, options: dict[str, Any], setting: tuple[str, str]) -> str | None:
    flag, table_key = setting
    table_id = options.get(table_key)
    if options.get(flag) != "enable" or not table_id:
        return None
    table = backend.transit_gateways_route_tables.get(table_id)
    # A default table deleted since is simply not used, as EC2 stops using it.
    return str(table_id) if table is not None and table.state != "deleted" else None


def _apply_defaults(backend: Any, gateway: Any, attachment_id: str) -> None:
    association_table = _default_table(backend, gateway.options, _ASSOCIATION)
    if association_table is not None:
        backend.associate_transit_gateway_route_table(attachment_id, association_table)
    propagation_table = _default_table(backend, gateway.options, _PROPAGATION)
    if propagation_table is not None:
        backend.enable_transit_gateway_route_table_propagation(attachment_id, propagation_table)


def _ensure_default_table(backend: Any, gateway: Any) -> None:
    options = gateway.options
    if not _any_default_on(options):
        return
    if options.get(_ASSOCIATION[1]) and options.get(_PROPAGATION[1]):
        return
    table = gateway.default_route_table
    if table is None:
        table = backend.create_transit_gateway_route_table(transit_gateway_id=gateway.id, tags={})
        gateway.default_route_table = table
    for _, table_key in (_ASSOCIATION, _PROPAGATION):
        options.setdefault(table_key, table.id)
        if not options[table_key]:
            options[table_key] = table.id


def _flag_default_tables(backend: Any, gateway: Any) -> None:
    for table in backend.transit_gateways_route_tables.values():
        if table.transit_gateway_id != gateway.id:
            continue
        table.default_association_route_table = table.id == gateway.options.get(_ASSOCIATION[1])
        table.default_propagation_route_table = table.id == gateway.options.get(_PROPAGATION[1])
