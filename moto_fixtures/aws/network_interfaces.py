"""Network interfaces (ENIs) and their security groups, as EC2 keeps them.

moto 5.2.5 differs from EC2 where attaching workload groups depends on it:

- an attached ENI answered the union of its own groups and its instance's, so a group taken off
  a primary ENI stayed listed, and a secondary ENI listed the instance's groups as its own;
- ``ModifyNetworkInterfaceAttribute`` took any list: more than five groups, a group of another
  VPC, an unknown id (a ``None`` group that broke the next describe);
- ``CreateNetworkInterface`` with an unknown group id *created* that group;
- the ENIs of NAT gateways and interface VPC endpoints read as plain ``interface`` ENIs that
  the account manages;
- ``DescribeNetworkInterfaces`` ignored ``MaxResults``/``NextToken`` (``pagination.py`` pages it
  now) and took ``MaxResults`` beside ``NetworkInterfaceIds``, which the API reference forbids;
- its ``group-name`` filter (documented by EC2: "the name of a security group associated with
  the network interface") answered HTTP 500 (moto's ``FilterNotImplementedError``).

Always, after these patches: an ENI's groups are its own, and an instance's groups are its
primary ENI's (a write through either changes both); every write of an ENI's groups is checked
as EC2 checks it — each group exists (``InvalidGroup.NotFound``), belongs to the ENI's VPC
(``InvalidParameter``: "Security group … and subnet … belong to different networks") and there
are at most five (``SecurityGroupsPerInterfaceLimitExceeded``, the default quota) — before
anything changes; service ENIs carry EC2's ``InterfaceType``, ``RequesterManaged`` and
description.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moto_fixtures.aws.exceptions import (
    InvalidParameterCombinationError,
    InvalidParameterError,
    SecurityGroupsPerInterfaceLimitExceededError,
)

GROUPS_PER_INTERFACE = 5  # EC2's default quota (adjustable to 16 on request)
Method = Callable[..., Any]


class MarkedProperty(property):
    """A property the patch table can mark as installed (plain properties take no attributes)."""


def group_name_filter(original: Method) -> Method:
    def get_filter_value(self: Any, filter_name: str, method_name: str | None = None) -> Any:
        """``group-name``: the names of the ENI's own groups, as ``group-id`` gives their ids."""
        if filter_name == "group-name":
            return [group.name for group in self._group_set]
        return original(self, filter_name, method_name)

    return get_filter_value


def own_groups(original: Any) -> Any:  # a property, installed like the methods
    def group_set(self: Any) -> list[Any]:
        """EC2: an ENI's groups are its own (moto added the instance's to every attached ENI)."""
        return list(self._group_set)

    return MarkedProperty(group_set)


def _checked_groups(backend: Any, subnet: Any, group_ids: list[str]) -> list[Any]:
    from moto.ec2.exceptions import InvalidSecurityGroupNotFoundError  # noqa: PLC0415

    if len(group_ids) > GROUPS_PER_INTERFACE:
        raise SecurityGroupsPerInterfaceLimitExceededError()
    groups = []
    for group_id in group_ids:
        group = backend.get_security_group_from_id(group_id)
        if group is None:
            raise InvalidSecurityGroupNotFoundError(group_id)
        if group.vpc_id != subnet.vpc_id:
            raise InvalidParameterError(
                f"Security group {group_id} and subnet {subnet.id} belong to different networks."
            )
        groups.append(group)
    return groups


def _set_groups(eni: Any, groups: list[Any]) -> None:
    eni._group_set = list(groups)
    if eni.instance is not None and eni.device_index == 0:
        eni.instance.security_groups = list(groups)


def modify_model(original: Method) -> Method:
    def modify_network_interface_attribute(
        self: Any,
        eni_id: str,
        group_ids: list[str],
        source_dest_check: bool | None = None,
        description: str | None = None,
    ) -> None:
        """Groups checked as EC2 checks them, all before any change; on a primary ENI they
        are the instance's groups too."""
        eni = self.get_network_interface(eni_id)
        groups = _checked_groups(self, eni.subnet, group_ids) if group_ids else None
        original(self, eni_id, [], source_dest_check, description)
        if groups is not None:
            _set_groups(eni, groups)

    return modify_network_interface_attribute


def create_model(original: Method) -> Method:
    def create_network_interface(
        self: Any, subnet: Any, private_ip_address: Any, *args: Any, **kwargs: Any
    ) -> Any:
        """An unknown group is ``InvalidGroup.NotFound`` (moto created it), a group of another
        VPC ``InvalidParameter``, a sixth ``SecurityGroupsPerInterfaceLimitExceeded``."""
        group_ids = kwargs.get("group_ids") if "group_ids" in kwargs else _positional(args)
        if group_ids:
            target = subnet if not isinstance(subnet, str) else self.get_subnet(subnet)
            _checked_groups(self, target, list(group_ids))
        return original(self, subnet, private_ip_address, *args, **kwargs)

    return create_network_interface


def _positional(args: tuple[Any, ...]) -> Any:
    # moto's signature: (subnet, private_ip_address, private_ip_addresses, group_ids, …).
    return args[1] if len(args) > 1 else None


def instance_groups_model(original: Method) -> Method:
    def modify_instance_security_groups(
        self: Any, instance_id: str, new_group_id_list: list[str]
    ) -> Any:
        """ModifyInstanceAttribute ``GroupId``: the primary ENI's groups, checked like an ENI's."""
        instance = self.get_instance(instance_id)
        primary = instance.nics.get(0)
        subnet = primary.subnet if primary is not None else self.get_subnet(instance.subnet_id)
        groups = _checked_groups(self, subnet, list(new_group_id_list))
        original(self, instance_id, new_group_id_list)
        if primary is not None:
            _set_groups(primary, groups)
        return instance

    return modify_instance_security_groups


def _mark_service_eni(eni: Any, interface_type: str, description: str) -> None:
    eni.interface_type = interface_type
    eni.requester_managed = True
    eni.description = description


def nat_gateway_model(original: Method) -> Method:
    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        """EC2 shows a NAT gateway's ENI as ``nat_gateway``, managed by the service."""
        original(self, *args, **kwargs)
        _mark_service_eni(self._eni, "nat_gateway", f"Interface for NAT Gateway {self.id}")
        self._eni._group_set = []  # a NAT gateway's ENI is in no security group

    return init


def vpc_endpoint_model(original: Method) -> Method:
    def create_vpc_endpoint(self: Any, *args: Any, **kwargs: Any) -> Any:
        """EC2 shows an interface endpoint's ENIs as ``vpc_endpoint``, managed by the service."""
        endpoint = original(self, *args, **kwargs)
        for eni_id in getattr(endpoint, "network_interface_ids", None) or []:
            eni = self.get_network_interface(eni_id)
            _mark_service_eni(eni, "vpc_endpoint", f"VPC Endpoint Interface {endpoint.id}")
        return endpoint

    return create_vpc_endpoint


def ids_or_max_results(paged: Method) -> Method:
    def describe_network_interfaces(self: Any) -> Any:
        """``MaxResults`` with ``NetworkInterfaceIds`` is refused ("You cannot specify this
        parameter and the network interface IDs parameter in the same request")."""
        if self._get_param("MaxResults") is not None and self._get_param("NetworkInterfaceIds"):
            raise InvalidParameterCombinationError(
                "The parameter NetworkInterfaceIds cannot be used with the parameter MaxResults"
            )
        return paged(self)

    return describe_network_interfaces
