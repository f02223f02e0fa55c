"""EC2 error codes our patches answer, one class per code (moto's convention).

Each carries the code real EC2 sends; moto serialises any ``EC2ClientError`` as an EC2 XML error
with HTTP 400, which botocore turns into ``ClientError`` with ``Error.Code`` set to ``code``.
"""

from __future__ import annotations

from typing import Any

from moto.ec2.exceptions import EC2ClientError


class _EC2Error(EC2ClientError):
    """Base of our EC2 errors.

    moto finds the error's wire shape through the service named by the exception's module
    (``moto.<service>.…``). Ours live in ``moto_fixtures.aws``, which that lookup would read as a
    service called "aws" and crash on (HTTP 500); they are EC2 errors, so they claim EC2's module.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.__module__ = EC2ClientError.__module__


class InvalidParameterValueError(_EC2Error):
    def __init__(self, message: str) -> None:
        super().__init__("InvalidParameterValue", message)


class InvalidParameterCombinationError(_EC2Error):
    def __init__(self, message: str) -> None:
        super().__init__("InvalidParameterCombination", message)


class InvalidNextTokenError(_EC2Error):
    # moto already answers this code for DescribeVpcEndpointServices; the paginated describes
    # use the same one so that callers see a single code for a bad token.
    def __init__(self, token: str) -> None:
        shown = token if len(token) <= 64 else token[:61] + "..."
        super().__init__("InvalidNextToken", f"The token '{shown}' is invalid")


class IdempotentParameterMismatchError(_EC2Error):
    def __init__(self, client_token: str) -> None:
        super().__init__(
            "IdempotentParameterMismatch",
            f"The client token '{client_token}' was already used with different parameters.",
        )


class PrefixListNotFoundError(_EC2Error):
    def __init__(self, prefix_list_id: str) -> None:
        super().__init__(
            "InvalidPrefixListID.NotFound",
            f"The prefix list ID '{prefix_list_id}' does not exist",
        )


class PrefixListVersionMismatchError(_EC2Error):
    def __init__(self, given: int, current: int) -> None:
        super().__init__(
            "PrefixListVersionMismatch",
            f"The prefix list has the incorrect version number (given {given}, current {current}).",
        )


class PrefixListMaxEntriesExceededError(_EC2Error):
    def __init__(self, prefix_list: str, entries: int, max_entries: int) -> None:
        super().__init__(
            "PrefixListMaxEntriesExceeded",
            f"The prefix list {prefix_list} would hold {entries} entries; "
            f"its maximum is {max_entries}.",
        )


class InvalidPrefixListModificationError(_EC2Error):
    def __init__(self, message: str) -> None:
        super().__init__("InvalidPrefixListModification", message)


class TransitGatewayRouteTableNotFoundError(_EC2Error):
    # EC2 answers the VPC route-table code for transit gateway route tables too.
    def __init__(self, route_table_id: str) -> None:
        super().__init__(
            "InvalidRouteTableID.NotFound",
            f"Transit Gateway Route Table {route_table_id} was deleted or does not exist.",
        )


class TransitGatewayAttachmentNotFoundError(_EC2Error):
    def __init__(self, attachment_id: str) -> None:
        super().__init__(
            "InvalidTransitGatewayAttachmentID.NotFound",
            f"Transit Gateway Attachment {attachment_id} was deleted or does not exist.",
        )


class ResourceAlreadyAssociatedError(_EC2Error):
    def __init__(self, attachment_id: str, route_table_id: str) -> None:
        super().__init__(
            "Resource.AlreadyAssociated",
            f"Transit Gateway Attachment {attachment_id} is already associated to a route "
            f"table ({route_table_id}).",
        )


class AssociationNotFoundError(_EC2Error):
    def __init__(self, attachment_id: str, route_table_id: str) -> None:
        super().__init__(
            "InvalidAssociation.NotFound",
            f"Association {attachment_id} does not exist in Transit Gateway Route Table "
            f"{route_table_id}.",
        )


class PropagationDuplicateError(_EC2Error):
    def __init__(self, attachment_id: str, route_table_id: str) -> None:
        super().__init__(
            "TransitGatewayRouteTablePropagation.Duplicate",
            f"Propagation {attachment_id} already exists in Transit Gateway Route Table "
            f"{route_table_id}.",
        )


class PropagationNotFoundError(_EC2Error):
    def __init__(self, attachment_id: str, route_table_id: str) -> None:
        super().__init__(
            "TransitGatewayRouteTablePropagation.NotFound",
            f"Propagation {attachment_id} does not exist in Transit Gateway Route Table "
            f"{route_table_id}.",
        )


class TransitGatewayRouteNotFoundError(_EC2Error):
    def __init__(self, cidr: str, route_table_id: str) -> None:
        super().__init__(
            "InvalidRoute.NotFound",
            f"Route {cidr} does not exist in Transit Gateway Route Table {route_table_id}.",
        )


class TransitGatewayRouteAlreadyExistsError(_EC2Error):
    def __init__(self, cidr: str, route_table_id: str) -> None:
        super().__init__(
            "RouteAlreadyExists",
            f"Route {cidr} already exists in Transit Gateway Route Table {route_table_id}.",
        )


class SecurityGroupsPerInterfaceLimitExceededError(_EC2Error):
    def __init__(self) -> None:
        super().__init__(
            "SecurityGroupsPerInterfaceLimitExceeded",
            "The maximum number of security groups per interface has been reached.",
        )


class InvalidParameterError(_EC2Error):
    def __init__(self, message: str) -> None:
        super().__init__("InvalidParameter", message)
