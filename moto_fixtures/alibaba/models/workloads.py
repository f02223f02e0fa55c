"""ECS instances and elastic network interfaces (ENIs), and which security groups they are in.

In: vSwitches (``Vpcs``) and security groups (``Ecs``) of the same backend. Out: ``Instance``
and ``NetworkInterface`` state, changed by the rules the real ECS enforces. Always:

- an instance's groups are its primary ENI's groups (ECS keeps one list for both);
- every ENI is in 1..``group_quota`` groups (5 by default; a quota ticket raises it to at most
  16), all of the ENI's VPC and of one type (``normal`` or ``enterprise``);
- only a secondary ENI's list can be replaced (``ModifyNetworkInterfaceAttribute``); a primary
  ENI changes through its instance or ``JoinSecurityGroup``/``LeaveSecurityGroup``;
- an ENI a cloud service manages (``ServiceManaged``: NAT, PrivateLink endpoints…) is refused;
- an instance is ``Pending`` for the backend's async delay after launch, then ``Running``; joins
  and leaves need ``Running`` or ``Stopped``.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from moto_fixtures.alibaba import errors
from moto_fixtures.alibaba.models.common import Ids, iso_now
from moto_fixtures.alibaba.models.ecs import SecurityGroup
from moto_fixtures.alibaba.models.vpc import VSwitch

DEFAULT_GROUP_QUOTA = 5
MAX_GROUP_QUOTA = 16
# The first addresses of a vSwitch are the cloud's; the fake hands out hosts from .100 on.
_FIRST_HOST = 100


@dataclass
class NetworkInterface:
    eni_id: str
    vswitch_id: str
    vpc_id: str
    zone_id: str
    private_ip: str
    mac: str
    eni_type: str  # Primary | Secondary
    groups: list[str]
    creation_time: str
    name: str = ""
    description: str = ""
    instance_id: str = ""
    service_managed: bool = False
    service_id: int | None = None
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def status(self) -> str:
        # A service's ENI is in use by that service although no instance is named.
        return "InUse" if self.instance_id or self.service_managed else "Available"


@dataclass
class Instance:
    instance_id: str
    name: str
    vswitch_id: str
    vpc_id: str
    zone_id: str
    primary_eni: str
    instance_type: str
    creation_time: str
    ready_at: float
    tags: dict[str, str] = field(default_factory=dict)
    stopped: bool = False

    @property
    def status(self) -> str:
        if time.monotonic() < self.ready_at:
            return "Pending"
        return "Stopped" if self.stopped else "Running"


@dataclass(frozen=True)
class Launch:
    """What a new instance is made of (the parts of RunInstances the fake models)."""

    vswitch_id: str
    group_ids: tuple[str, ...]
    name: str = ""
    tags: Mapping[str, str] = field(default_factory=dict)
    instance_type: str = "ecs.g7.large"


class Workloads:
    def __init__(
        self,
        ids: Ids,
        vswitches: Mapping[str, VSwitch],
        group: Callable[[str], SecurityGroup],
        async_delay: float = 0.0,
    ) -> None:
        self._ids = ids
        self._vswitches = vswitches
        self._group = group  # the group of an id, or InvalidSecurityGroupId.NotFound
        self.async_delay = async_delay
        self.group_quota = DEFAULT_GROUP_QUOTA
        self.instances: dict[str, Instance] = {}
        self.enis: dict[str, NetworkInterface] = {}
        self._hosts: dict[str, int] = {}  # vSwitch id → next host index

    # --- creation (no create action in the metadata: the seed and the control endpoint) ---

    def add_eni(
        self,
        vswitch_id: str,
        group_ids: tuple[str, ...] | list[str],
        *,
        eni_type: str = "Secondary",
        name: str = "",
        service_id: int | None = None,
        tags: Mapping[str, str] | None = None,
    ) -> NetworkInterface:
        vsw = self._vswitch(vswitch_id)
        if not group_ids:
            raise errors.MissingParameter("The input parameter SecurityGroupId is not supplied.")
        groups = self._checked_groups(vsw.vpc_id, list(group_ids), errors.JoinedGroupLimitExceed)
        eni_id = self._ids.new("eni")
        eni = NetworkInterface(
            eni_id,
            vswitch_id,
            vsw.vpc_id,
            vsw.zone_id,
            self._next_ip(vsw),
            _mac(len(self.enis) + 1),
            eni_type,
            groups,
            iso_now(),
            name=name,
            service_managed=service_id is not None,
            service_id=service_id,
            tags=dict(tags or {}),
        )
        self.enis[eni_id] = eni
        return eni

    def launch(self, spec: Launch) -> Instance:
        """A new instance with its primary ENI, ``Pending`` for the async delay."""
        vsw = self._vswitch(spec.vswitch_id)
        self._checked_groups(vsw.vpc_id, list(spec.group_ids), errors.InstanceGroupLimitExceeded)
        instance_id = self._ids.new("i")
        eni = self.add_eni(spec.vswitch_id, spec.group_ids, eni_type="Primary")
        eni.instance_id = instance_id
        instance = Instance(
            instance_id,
            spec.name or instance_id,
            vsw.vswitch_id,
            vsw.vpc_id,
            vsw.zone_id,
            eni.eni_id,
            spec.instance_type,
            iso_now(),
            time.monotonic() + self.async_delay,
            dict(spec.tags),
        )
        self.instances[instance_id] = instance
        return instance

    def attach(self, eni_id: str, instance_id: str) -> None:
        """A secondary ENI attached to an instance of the same zone (AttachNetworkInterface)."""
        eni, instance = self.eni(eni_id), self.instance(instance_id)
        if eni.zone_id != instance.zone_id or eni.vpc_id != instance.vpc_id:
            raise errors.EniGroupVpcMismatch("The ENI and the instance are not in one zone.")
        eni.instance_id = instance_id

    # --- lookups ---

    def instance(self, instance_id: str) -> Instance:
        found = self.instances.get(instance_id)
        if found is None:
            raise errors.InstanceNotFound()
        return found

    def eni(self, eni_id: str) -> NetworkInterface:
        found = self.enis.get(eni_id)
        if found is None:
            raise errors.EniNotFound(f"The specified NetworkInterfaceId {eni_id} does not exist.")
        return found

    def instance_enis(self, instance_id: str) -> list[NetworkInterface]:
        enis = [e for e in self.enis.values() if e.instance_id == instance_id]
        return sorted(enis, key=lambda e: (e.eni_type != "Primary", e.eni_id))

    def members(self, group_id: str) -> list[NetworkInterface]:
        return [e for e in self.enis.values() if group_id in e.groups]

    # --- group membership ---

    def join(self, group_id: str, instance_id: str, eni_id: str) -> None:
        eni, for_instance = self._target(instance_id, eni_id)
        group = self._group(group_id)
        if group.vpc_id != eni.vpc_id:
            raise (
                errors.InstanceGroupVpcMismatch() if for_instance else errors.EniGroupVpcMismatch()
            )
        if group_id in eni.groups:
            raise errors.AlreadyInGroup()
        if len(eni.groups) >= self.group_quota:
            raise errors.InstanceGroupLimitExceeded()
        if any(self._group(g).group_type != group.group_type for g in eni.groups):
            raise errors.MultiGroupTypeJoin()
        eni.groups.append(group_id)

    def leave(self, group_id: str, instance_id: str, eni_id: str) -> None:
        eni, for_instance = self._target(instance_id, eni_id)
        self._group(group_id)
        if group_id not in eni.groups:
            raise errors.NotInGroup()
        if eni.groups == [group_id]:
            raise errors.InstanceLastGroup() if for_instance else errors.EniLastGroup()
        eni.groups.remove(group_id)

    def replace_groups(self, eni_id: str, group_ids: list[str]) -> None:
        """``ModifyNetworkInterfaceAttribute`` ``SecurityGroupId.N``: the list becomes these."""
        eni = self.eni(eni_id)
        if eni.eni_type == "Primary":
            raise errors.PrimaryEniOnlyNameAndDesc()
        if eni.service_managed:
            raise errors.EniServiceManaged()
        if len(set(group_ids)) != len(group_ids):
            raise errors.EniDuplicateGroups()
        eni.groups = self._checked_groups(eni.vpc_id, group_ids, errors.JoinedGroupLimitExceed)

    def _target(self, instance_id: str, eni_id: str) -> tuple[NetworkInterface, bool]:
        """The ENI a join/leave changes, and whether it was named through its instance."""
        if instance_id and eni_id:
            raise errors.EniIdAndInstanceIdConflict()
        if not instance_id and not eni_id:
            raise errors.MissingParameter(
                "The input parameter InstanceId or NetworkInterfaceId is not supplied."
            )
        if instance_id:
            instance = self.instance(instance_id)
            if instance.status not in ("Running", "Stopped"):
                raise errors.IncorrectInstanceStatus()
            return self.enis[instance.primary_eni], True
        eni = self.eni(eni_id)
        if eni.service_managed:
            raise errors.EniServiceManaged()
        return eni, False

    def _checked_groups(
        self, vpc_id: str, group_ids: list[str], too_many: type[errors.AlibabaError]
    ) -> list[str]:
        groups = [self._group(g) for g in group_ids]
        if any(g.vpc_id != vpc_id for g in groups):
            raise errors.EniGroupVpcMismatch()
        if len(groups) > self.group_quota:
            raise too_many()
        if len({g.group_type for g in groups}) > 1:
            raise errors.MultiGroupTypeModify()
        return [g.group_id for g in groups]

    def _vswitch(self, vswitch_id: str) -> VSwitch:
        vsw = self._vswitches.get(vswitch_id)
        if vsw is None:
            raise errors.VSwitchNotFound()
        return vsw

    def _next_ip(self, vsw: VSwitch) -> str:
        index = self._hosts.get(vsw.vswitch_id, _FIRST_HOST)
        self._hosts[vsw.vswitch_id] = index + 1
        return str(ipaddress.IPv4Network(vsw.cidr)[index])


def _mac(n: int) -> str:
    # 00:16:3e is the prefix ECS gives its ENIs.
    return "00:16:3e:" + ":".join(f"{(n >> s) & 0xFF:02x}" for s in (16, 8, 0))
