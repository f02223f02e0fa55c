"""The fake's error tree: one class per Alibaba Cloud error code, as moto does for EC2.

In: whatever a model or the protocol layer finds wrong. Out: an ``AlibabaError`` carrying the
cloud's ``Code``, ``Message`` and HTTP status; ``server`` turns it into the JSON body the real
API sends (``RequestId``, ``HostId``, ``Code``, ``Message``, ``Recommend``). Always: codes and
statuses are those of the metadata's ``errorCodes`` where the action documents them; the few
that the metadata does not carry (signature, throttling, conflicts) follow the real API's
common errors and are named in ``docs/sandbox.md``.

    AlibabaError
    ├── MissingParameter, InvalidParameter, InvalidAction, InvalidVersion
    ├── SignatureDoesNotMatch, SignatureNonceUsed, InvalidTimeStampExpired, InvalidAccessKeyId
    ├── Throttling, ThrottlingUser, ServiceUnavailable
    ├── NotFound (one subclass per resource code), Duplicate…, IncorrectStatus…
    └── OperationConflict
"""

from __future__ import annotations


class AlibabaError(Exception):
    """An error answer. Subclasses fix ``code`` and ``status``; the message may vary."""

    code = "InternalError"
    status = 500
    message = "The request processing has failed due to some unknown error."

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or self.message)
        self.message = message or self.message


def _error(code: str, status: int, message: str) -> type[AlibabaError]:
    return type(
        code.replace(".", ""), (AlibabaError,), {"code": code, "status": status, "message": message}
    )


def documented(code: str, status: int, message: str) -> AlibabaError:
    """An error the metadata documents for an action, answered as it is written there."""
    return _error(code, status, message)()


# Protocol and common errors (not per action in the metadata; statuses as the real gateway's).
MissingParameter = _error("MissingParameter", 400, "A required parameter is missing.")
InvalidParameter = _error("InvalidParameter", 400, "The specified parameter is invalid.")
InvalidAction = _error("InvalidAction.NotFound", 404, "Specified api is not found.")
InvalidRegionId = _error("InvalidRegionId", 400, "The specified region does not exist.")
InvalidVersion = _error("InvalidVersion", 400, "Specified parameter Version is not valid.")
SignatureDoesNotMatch = _error(
    "SignatureDoesNotMatch", 400, "Specified signature is not matched with our calculation."
)
SignatureNonceUsed = _error(
    "SignatureNonceUsed", 400, "Specified signature nonce was used already."
)
InvalidTimeStampExpired = _error(
    "InvalidTimeStamp.Expired", 400, "Specified time stamp or date value is expired."
)
InvalidAccessKeyId = _error(
    "InvalidAccessKeyId.NotFound", 404, "Specified access key is not found."
)
Throttling = _error("Throttling", 400, "Request was denied due to request throttling.")
ThrottlingUser = _error("Throttling.User", 400, "Request was denied due to user flow control.")
ServiceUnavailable = _error(
    "ServiceUnavailable", 503, "The request has failed due to a temporary failure of the server."
)
OperationConflict = _error(
    "OperationConflict", 400, "Request was denied due to conflict with a previous request."
)

# ECS
SecurityGroupNotFound = _error(
    "InvalidSecurityGroupId.NotFound", 404, "The specified SecurityGroupId does not exist."
)
DeleteSecurityGroupNotFound = _error(
    "InvalidSecurityGroup.NotFound", 404, "The specified security group does not exist."
)
DuplicatePermissions = _error(
    "InvalidParam.DuplicatePermissions",
    400,
    "There are duplicate permissions in the specified parameter Permissions.",
)
InvalidPriority = _error(
    "InvalidPriority.ValueNotSupported", 400, "The specified parameter Priority is invalid."
)
InvalidPolicy = _error("InvalidPolicy.Malformed", 400, "The specified parameter Policy is invalid.")
InvalidIpProtocol = _error(
    "InvalidIpProtocol.Malformed", 400, "The specified parameter IpProtocol is invalid."
)
InvalidPortRange = _error(
    "InvalidPortRange.Malformed", 400, "The specified parameter PortRange is invalid."
)
MissingSource = _error(
    "MissingParameter",
    403,
    "The input parameter SourceGroupId or SourceCidrIp cannot be both blank.",
)
DependencyViolation = _error(
    "DependencyViolation", 403, "There is still instance(s) in the specified security group."
)
VpcNotFoundForGroup = _error("InvalidVpcId.NotFound", 404, "The specified VpcId does not exist.")
PageNumberNotSupported = _error(
    "NotSupported.PageNumberAndPageSize",
    400,
    "The parameters PageNumber and PageSize are currently not supported, please use NextToken"
    " and MaxResults instead.",
)
InvalidNextTokenEcs = _error(
    "InValidParameter.NextToken", 400, "The parameter NextToken is invalid."
)

# VPC
RouteTableNotFound = _error(
    "InvalidRouteTableId.NotFound", 404, "The specified route table does not exist."
)
RouteEntryNotFound = _error(
    "InvalidRouteEntry.NotFound", 400, "The specified route entry does not exist."
)
CidrDuplicate = _error("InvalidCIDRBlock.Duplicate", 400, "Specified CIDR block is already exists.")
NextHopNotFound = _error("InvalidNextHop.NotFound", 400, "Specified next hop does not exist.")
InvalidCidr = _error("InvalidCidrBlock.Malformed", 400, "Specified CIDR block is not valid.")
PrefixListNotFound = _error(
    "ResourceNotFound.PrefixList", 400, "The specified prefix list does not exist."
)
CidrCountExceedMaxCount = _error(
    "OperationFailed.CidrCountExceedMaxCount",
    400,
    "The operation is failed because of cidrCountExceedMaxCount.",
)
RemoveCountExceedExistCount = _error(
    "OperationDenied.RemoveCountExceedExistCount",
    400,
    "The operation is not allowed because of remove-count exceed exist-count.",
)
DuplicatedCidr = _error("DuplicatedParam.CidrBlock", 400, "The param of cidrBlock is duplicated.")
PrefixListInUse = _error(
    "DependencyViolation.PrefixListRelation",
    400,
    "The specified resource of prefixList depends on prefixList relation, so the operation"
    " cannot be completed.",
)
VpcNotFound = _error("InvalidVpcId.NotFound", 404, "Specified VPC does not exist.")
VSwitchNotFound = _error(
    "ResourceNotFound.VSwitch", 400, "The specified resource of VSwitch is not found."
)
RouteTableAlreadyAssociated = _error(
    "ResourceAlreadyAssociated.RouteTable",
    400,
    "The resource has already associated with a routetable.",
)
SwitchToSystemRouteTable = _error(
    "OperationDenied.SwitchToSystemRouteTable",
    400,
    "The associated route tables cannot be directly changed to system route tables.",
)
IllegalNextToken = _error("IllegalParam.NextToken", 400, "The specified NextToken is invalid.")

# CBN
TransitRouterNotFound = _error(
    "InvalidTransitRouterId.NotFound", 400, "The specified TransitRouterId does not exist."
)
TrRouteTableNotFound = _error(
    "InvalidTransitRouterRouteTableId.NotFound",
    400,
    "The specified TransitRouterRouteTableId does not exist.",
)
TrRouteTableNotFound404 = _error(
    "InvalidRouteTableId.NotFound", 404, "The specified route table does not exist."
)
AttachmentNotFound = _error(
    "InvalidAttachmentId.NotFound", 404, "The specified attachment does not exist."
)
AttachmentNotFound400 = _error(
    "InvalidAttachmentId.NotFound", 400, "The specified attachment does not exist."
)
InvalidInstanceIdsNotFound = _error(
    "InvalidInstanceIds.NotFound", 400, "The specified resource ids are not found."
)
InvalidInstanceTypeNotFound = _error(
    "InvalidInstanceType.NotFound", 400, "The specified resource type is not supported."
)
TagQuotaExceeded = _error("QuotaExceeded.TagNum", 400, "Custom Tags quota exceeded")
RouteEntryIdNotFound = _error(
    "InvalidRouteEntryId.NotFound", 400, "The specified route entry id does not exist."
)
AssociationExists = _error(
    "AssociationExist.TransitRouterTable", 400, "The attachment is already associated."
)
IncorrectTransitRouter = _error(
    "IncorrectStatus.TransitRouter", 400, "TransitRouter status is invalid."
)
IncorrectAttachmentOrRouteTable = _error(
    "IncorrectStatus.AttachmentOrRouteTable",
    400,
    "The status of the attachment or route table does not support the operation.",
)
IncorrectTrRouteTable = _error(
    "IncorrectStatus.TransitRouterRouteTable",
    400,
    "The status of the route table does not support the operation.",
)
TrRouteEntryExists = _error(
    "InstanceExist.TransitRouterRouteEntry", 400, "The route entry already exists."
)
TrRouteEntryNextHopNotFound = _error(
    "InvalidTransitRouterRouteEntryNextHopId.NotFound", 400, "The next hop does not exist."
)
TrDestinationNotFound = _error(
    "InvalidDestinationCidrBlock.NotFound", 400, "The route entry does not exist."
)
DeleteWithAssociation = _error(
    "OperationFailed.DeleteRouteTableWithAssociation", 400, "The route table has associations."
)
DeleteWithPropagation = _error(
    "OperationFailed.DeleteRouteTableWithPropagation", 400, "The route table has propagations."
)
DeleteWithRouteEntry = _error(
    "OperationFailed.DeleteRouteTableWithRouteEntry", 400, "The route table has route entries."
)
TrAttachmentNotFound = _error(
    "InvalidTransitRouterAttachmentId.NotFound", 400, "The attachment does not exist."
)

# ECS workloads: instances and ENIs (JoinSecurityGroup, LeaveSecurityGroup,
# ModifyNetworkInterfaceAttribute). Codes and statuses from the metadata's errorCodes; where it
# lists "%s" as the message, the message is the fake's own wording.
InstanceNotFound = _error(
    "InvalidInstanceId.NotFound", 404, "The specified InstanceId does not exist."
)
EniNotFound = _error(
    "InvalidEniId.NotFound", 404, "The specified NetworkInterfaceId does not exist."
)
EniIdAndInstanceIdConflict = _error(
    "InvalidParam.EniIdAndInstanceId.Conflict",
    403,
    "InstanceId and NetworkInterfaceId cannot be specified at the same time.",
)
IncorrectInstanceStatus = _error(
    "IncorrectInstanceStatus",
    403,
    "The current status of the resource does not support this operation.",
)
InstanceGroupVpcMismatch = _error(
    "InvalidInstanceId.Mismatch",
    400,
    "Specified instance and security group are not in the same VPC.",
)
EniGroupVpcMismatch = _error(
    "InvalidOperation.VpcMismatch",
    403,
    "The specified network interface and security group are not in the same VPC.",
)
AlreadyInGroup = _error(
    "InvalidInstanceId.AlreadyExists",
    403,
    "The specified instance already exists in the specified security group.",
)
InstanceGroupLimitExceeded = _error(
    "InstanceSecurityGroupLimitExceeded",
    400,
    "Exceeding the allowed amount of security groups that an instance can be in.",
)
JoinedGroupLimitExceed = _error(
    "JoinedGroupLimitExceed",
    400,
    "The number of security groups the network interface joins exceeds the quota.",
)
MultiGroupTypeJoin = _error(
    "InvalidOperation.MultiGroupType",
    400,
    "The specified instance can't join different types of security group.",
)
MultiGroupTypeModify = _error(
    "InvalidOperation.MultiGroupType",
    403,
    "The specified instance can't join different types of security group.",
)
NotInGroup = _error(
    "InvalidSecurityGroupAssociation.NotFound",
    400,
    "The specified instance or network interface is not in the specified security group.",
)
InstanceLastGroup = _error(
    "InstanceLastSecurityGroup",
    403,
    "The specified security group is the last security group for the instance.",
)
EniLastGroup = _error(
    "InvalidOperation.AtLeastInOneGroup",
    403,
    "The network interface must be in at least one security group.",
)
EniServiceManaged = _error(
    "InvalidOperation.EniServiceManaged",
    403,
    "The network interface is managed by a cloud service and cannot be changed.",
)
PrimaryEniOnlyNameAndDesc = _error(
    "InvalidOperation.PrimaryEniOnlySupportModifyNameAndDesc",
    404,
    "Primary NetworkInterface is only allowed to modify name and description.",
)
EniDuplicateGroups = _error(
    "InvalidParameter", 400, "The specified parameter SecurityGroupId.N has duplicate values."
)
InstanceStatusNotFound = _error("InvalidStatus.NotFound", 404, "The specified Status is not found.")
