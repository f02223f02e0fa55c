"""The ARM errors the fake answers, one class per error code (moto's convention).

Each carries the HTTP status and the ``{"error": {"code", "message", "details"}}`` body real
Azure Resource Manager sends; the SDK turns them into ``HttpResponseError`` (``ResourceNotFound``
into ``ResourceNotFoundError``) with ``.error.code`` set to ``code``. Wording follows messages
seen from real ARM where known; the docs list where it is a best guess.
"""

from __future__ import annotations

from typing import Any


class ArmError(Exception):
    """Base of every error the fake answers; ``body()`` is the wire shape."""

    status = 400
    code = "BadRequest"
    headers: dict[str, str]

    def __init__(self, message: str, details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or []
        self.headers = {}

    def body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class AuthenticationFailedError(ArmError):
    status = 401
    code = "AuthenticationFailed"

    def __init__(self) -> None:
        super().__init__("Authentication failed. The 'Authorization' header is missing.")


class MissingApiVersionParameterError(ArmError):
    code = "MissingApiVersionParameter"

    def __init__(self) -> None:
        super().__init__(
            "The api-version query parameter (?api-version=) is required for all requests."
        )


class InvalidApiVersionParameterError(ArmError):
    code = "InvalidApiVersionParameter"

    def __init__(self, version: str, oldest: str) -> None:
        super().__init__(
            f"The api-version '{version}' is invalid. The supported versions are '{oldest}' "
            "and later (the eastwest fake serves the Microsoft.Network 2024-05-01 contract)."
        )


class InvalidResourceTypeError(ArmError):
    status = 404
    code = "InvalidResourceType"

    def __init__(self, path: str) -> None:
        super().__init__(f"The resource type could not be found for the request path '{path}'.")


class MethodNotAllowedError(ArmError):
    status = 405
    code = "MethodNotAllowed"

    def __init__(self, method: str, path: str) -> None:
        super().__init__(f"The requested method '{method}' is not allowed on '{path}'.")


class ResourceNotFoundError(ArmError):
    status = 404
    code = "ResourceNotFound"

    def __init__(self, resource_type: str, name: str, group: str) -> None:
        super().__init__(
            f"The Resource '{resource_type}/{name}' under resource group '{group}' was not found."
        )


class NotFoundError(ArmError):
    """A child resource (rule, route, subnet, peering) or an operation id that does not exist."""

    status = 404
    code = "NotFound"

    def __init__(self, resource_id: str) -> None:
        super().__init__(f"Resource {resource_id} not found.")


class InvalidRequestFormatError(ArmError):
    """A body that does not fit the swagger: wrong type, unknown enum value, missing property."""

    code = "InvalidRequestFormat"

    def __init__(self, problem: str, path: str) -> None:
        # Real ARM wraps the deserialiser's complaint in a detail ("InvalidJson") naming the path.
        super().__init__(
            "Cannot parse the request.",
            [{"code": "InvalidJson", "message": f"{problem} Path '{path}'."}],
        )


class InvalidResourceReferenceError(ArmError):
    code = "InvalidResourceReference"

    def __init__(self, target: str, referrer: str) -> None:
        super().__init__(
            f"Resource {target} referenced by resource {referrer} was not found. Please make "
            "sure that the referenced resource exists, and that both resources are in the same "
            "region."
        )


class InvalidResourceNameError(ArmError):
    code = "InvalidResourceName"

    def __init__(self, name: str) -> None:
        super().__init__(f"Resource name {name} is invalid.")


class SecurityRuleInvalidPriorityError(ArmError):
    code = "SecurityRuleInvalidPriority"

    def __init__(self, rule_id: str, priority: object) -> None:
        super().__init__(
            f"Security rule has invalid Priority. Value provided: {priority} Allowed range "
            f"100-4096. Security rule: {rule_id}."
        )


class SecurityRuleConflictError(ArmError):
    code = "SecurityRuleConflict"

    def __init__(self, new_rule: str, existing_rule: str) -> None:
        # Wording of real ARM (seen in azurerm and aks-engine reports, 2019-2024).
        super().__init__(
            f"Security rule {existing_rule} conflicts with rule {new_rule}. Rules cannot have "
            "the same Priority and Direction. To learn more, see aka.ms/nsgrules."
        )


class InvalidRouteNextHopError(ArmError):
    code = "InvalidRouteNextHop"

    def __init__(self, route_id: str, message: str) -> None:
        super().__init__(f"Route {route_id}: {message}")


class RetryableError(ArmError):
    """A write on a resource whose previous write is still in progress.

    Real NRP answers HTTP 429 ``RetryableError`` with a ``RetryableErrorDueToAnotherOperation``
    detail (and ``Retry-After``), so SDK retry policies wait and try again by themselves.
    """

    status = 429
    code = "RetryableError"

    def __init__(self, operation: str, operation_id: str, resource_id: str, retry: int) -> None:
        super().__init__(
            "A retryable error occurred.",
            [
                {
                    "code": "RetryableErrorDueToAnotherOperation",
                    "message": (
                        f"Operation {operation} ({operation_id}) is updating resource "
                        f"{resource_id}. The call can be retried in {retry} seconds."
                    ),
                }
            ],
        )
        self.headers["Retry-After"] = str(retry)


class SubscriptionRequestsThrottledError(ArmError):
    status = 429
    code = "SubscriptionRequestsThrottled"

    def __init__(self, kind: str, subscription: str, retry: int) -> None:
        super().__init__(
            f"Number of '{kind}' requests for subscription '{subscription}' actually exceeded "
            f"the limit for time interval '01:00:00'. Please try again after '{retry}' seconds."
        )
        self.headers["Retry-After"] = str(retry)
        self.headers[f"x-ms-ratelimit-remaining-subscription-{kind}s"] = "0"


class ServiceUnavailableError(ArmError):
    status = 503
    code = "ServiceUnavailable"

    def __init__(self) -> None:
        super().__init__("The service is temporarily unavailable (injected by the eastwest fake).")


class LocationRequiredError(ArmError):
    code = "LocationRequired"

    def __init__(self) -> None:
        super().__init__("The location property is required for this definition.")


class InUseCannotBeDeletedError(ArmError):
    """NRP's ``InUseNetworkSecurityGroupCannotBeDeleted`` family, code built from the noun."""

    def __init__(self, noun: str, resource_id: str, users: list[str]) -> None:
        super().__init__(
            f"{noun} {resource_id} cannot be deleted because it is in use by the following "
            f"resources: {', '.join(users)}."
        )
        self.code = f"InUse{noun}CannotBeDeleted"


class AllIpConfigurationsSameAsgsError(ArmError):
    """NRP's wording (seen in azure-cli#21551): every IPv4 configuration of a NIC carries the
    same application security groups."""

    code = "AllIpConfigurationsOnANicMustBelongToTheSameApplicationSecurityGroups"

    def __init__(self, first: str, first_asgs: str, other: str, other_asgs: str) -> None:
        super().__init__(
            "All IPConfigurations on a Network Interface should reference the same set of"
            f" Application Security Groups. IPConfiguration {first} references ASG(s)"
            f" {first_asgs}, wheras IPConfiguration {other} references ASG(s) {other_asgs}."
        )


class AsgInDifferentVnetError(ArmError):
    """The members of an ASG live in one VNet (the documented rule); code and wording are the
    fake's (unconfirmed)."""

    code = "NetworkInterfaceAndApplicationSecurityGroupInDifferentVnet"

    def __init__(self, ip_configuration: str, asg: str, vnet: str) -> None:
        super().__init__(
            f"IP configuration {ip_configuration} cannot join application security group {asg}:"
            f" its network interfaces are in virtual network {vnet}. All network interfaces of"
            " an application security group must be in the same virtual network."
        )


class AsgsPerNicLimitError(ArmError):
    """Azure's published limit: 20 ASGs on one NIC, all its IP configurations together; code
    and wording are the fake's (unconfirmed)."""

    code = "ApplicationSecurityGroupsPerNetworkInterfaceLimitReached"

    def __init__(self, nic: str, count: int, limit: int) -> None:
        super().__init__(
            f"Network interface {nic} references {count} application security groups; at most"
            f" {limit} may be referenced by all IP configurations of a network interface."
        )


class AsgsInRuleLimitError(ArmError):
    """NRP's code and wording (seen in terraform-provider-azurerm#1346; the limit rose from 1
    to 10 in 2020, azurerm#9884)."""

    code = "NumberOfApplicationSecurityGroupsReferencedInSecurityRuleLimitReached"

    def __init__(self, limit: int, count: int, field: str) -> None:
        super().__init__(
            f"A security rule may have up to {limit} Application Security Group in the source"
            f" or destination fields. The requested configuration has {count} in the {field}"
            " field."
        )


class PrivateIPAddressInUseError(ArmError):
    code = "PrivateIPAddressInUse"

    def __init__(self, address: str, ip_configuration: str, holder: str) -> None:
        super().__init__(
            f"IP configuration {ip_configuration} is using the private IP address {address}"
            f" which is already allocated to resource {holder}."
        )


class PrivateIPAddressNotInSubnetError(ArmError):
    code = "PrivateIPAddressNotInSubnet"

    def __init__(self, address: str, ip_configuration: str, prefix: str) -> None:
        super().__init__(
            f"IP configuration {ip_configuration} has private IP address {address} which does"
            f" not belong to the range of subnet prefix {prefix}."
        )


class SubnetIsFullError(ArmError):
    code = "SubnetIsFull"

    def __init__(self, subnet: str) -> None:
        super().__init__(f"Subnet {subnet} has no free private IP address left.")
