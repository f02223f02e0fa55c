"""AWS group attachments: ENIs read, eastwest's group merged into each one's list.

Reading: one ``DescribeNetworkInterfaces`` of the whole region at 1,000 per page serves both
the inventory (which interfaces are in scope) and the observation (which carry this policy's
claim): the adapter keeps the answer between the two. Writing: ``ModifyNetworkInterfaceAttribute``
takes the whole group list, so each changed interface is read again at apply, merged with the
ledger (``providers/core/attachment.py``) and written back in one call; ledger tags are set in
one ``CreateTags`` per distinct tag set, before any group changes, and removed after.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

from orchestrator.state import Interface, Scope
from providers.aws import translate as tr
from providers.aws.errors import error_code, translate, where
from providers.aws.reader import pages
from providers.core.attachment import Claim, read_claim
from providers.core.reads import UNSHARED, Shared

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

PAGE_INTERFACES = 1000  # DescribeNetworkInterfaces: 5 to 1,000
_FILTER_VALUES = 200  # values in one EC2 filter
_GONE = "InvalidNetworkInterfaceID.NotFound"

Payload = Mapping[str, Any]

_KIND_BY_TYPE = {
    "natGateway": "nat",
    "nat_gateway": "nat",
    "load_balancer": "load_balancer",
    "network_load_balancer": "load_balancer",
    "gateway_load_balancer": "load_balancer",
    "vpc_endpoint": "endpoint",
    "gateway_load_balancer_endpoint": "endpoint",
    "ec2_instance_connect_endpoint": "endpoint",
    "transit_gateway": "transit",
    "lambda": "function",
}
# Interface types a workload's own interface has; any other type is a service's (managed).
_WORKLOAD_TYPES = frozenset({"interface", "efa", "efa-only", "trunk", "branch"})


# Services that create plain "interface" ENIs, told apart by the description they give them.
_KIND_BY_DESCRIPTION = (
    ("AWS Lambda VPC ENI", "function"),  # before InterfaceType "lambda" existed
    ("arn:aws:ecs:", "container"),
    ("ELB ", "load_balancer"),  # Classic Load Balancer
)


def interface_kind(eni: Payload) -> str:
    """The policy's interface kind of one ENI (docs/policy.md, "Interface kinds")."""
    itype = str(eni.get("InterfaceType", "interface"))
    if itype in _KIND_BY_TYPE:
        return _KIND_BY_TYPE[itype]
    if itype not in _WORKLOAD_TYPES:
        return "managed"
    description = str(eni.get("Description", ""))
    by_description = (k for p, k in _KIND_BY_DESCRIPTION if description.startswith(p))
    kind = next(by_description, "")
    if not kind and eni.get("Attachment", {}).get("InstanceId"):
        kind = "instance"
    elif not kind and (eni.get("RequesterManaged") or eni.get("Attachment")):
        kind = "managed"
    return kind or "detached"


def interface_from_eni(eni: Payload, policy: str) -> Interface:
    tags = tr.tags_of({"Tags": eni.get("TagSet", [])})
    claim = read_claim(tags, policy)
    return Interface(
        eni["NetworkInterfaceId"],
        eni.get("VpcId", ""),
        eni.get("SubnetId", ""),
        interface_kind(eni),
        tuple(g["GroupId"] for g in eni.get("Groups", [])),
        tags,
        claim.group if claim else "",
        claim.prior if claim else (),
    )


def read_interfaces(
    ec2: EC2Client, policy: str, shared: Shared = UNSHARED
) -> tuple[Interface, ...]:
    """Every ENI of the region; the raw answer goes through ``shared`` (the access check judges
    the same ENIs)."""
    describe = ec2.describe_network_interfaces
    enis = shared(
        "enis", lambda: list(pages(describe, "NetworkInterfaces", MaxResults=PAGE_INTERFACES))
    )
    return tuple(interface_from_eni(e, policy) for e in enis)


class AwsInterfaces:
    """``InterfaceOps`` over EC2 (``providers/core/attachment_apply.py``)."""

    value_max = 256
    tag_batch = 500  # resources in one CreateTags/DeleteTags call, well under its limit

    def __init__(self, ec2: EC2Client, scope: Scope, policy: str) -> None:
        self.ec2, self.scope, self.policy = ec2, scope, policy

    def where(self, key: str) -> str:
        return where(self.scope, key)

    def current(self, interface_ids: Sequence[str]) -> dict[str, Interface]:
        found: dict[str, Interface] = {}
        for start in range(0, len(interface_ids), _FILTER_VALUES):
            chunk = list(interface_ids[start : start + _FILTER_VALUES])
            enis = self._guard("network interfaces", functools.partial(self._describe, chunk))
            found |= {e["NetworkInterfaceId"]: interface_from_eni(e, self.policy) for e in enis}
        return found

    def _describe(self, interface_ids: list[str]) -> list[Any]:
        return list(
            pages(
                self.ec2.describe_network_interfaces,
                "NetworkInterfaces",
                Filters=[{"Name": "network-interface-id", "Values": interface_ids}],
                MaxResults=PAGE_INTERFACES,
            )
        )

    def prepare(self, claim: Claim) -> None:
        """Nothing: an AWS group only allows, so it never cuts what other groups allow."""

    def tag(self, interface_ids: Sequence[str], tags: Mapping[str, str]) -> None:
        body: Any = [{"Key": k, "Value": v} for k, v in tags.items()]
        self._guard(
            "network interfaces",
            lambda: self.ec2.create_tags(Resources=list(interface_ids), Tags=body),
        )

    def set_groups(self, iface: Interface, groups: tuple[str, ...]) -> None:
        try:
            self.ec2.modify_network_interface_attribute(
                NetworkInterfaceId=iface.id, Groups=list(groups)
            )
        except ClientError as exc:
            if error_code(exc) != _GONE:
                raise translate(exc, where(self.scope, f"attach/{iface.id}")) from exc
        except BotoCoreError as exc:
            raise translate(exc, where(self.scope, f"attach/{iface.id}")) from exc

    def untag(self, interface_ids: Sequence[str], keys: Sequence[str]) -> None:
        body: Any = [{"Key": k} for k in keys]
        self._guard(
            "network interfaces",
            lambda: self.ec2.delete_tags(Resources=list(interface_ids), Tags=body),
        )

    def _guard(self, what: str, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, where(self.scope, what)) from exc
