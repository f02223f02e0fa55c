"""Alibaba Cloud group attachments: ENIs read, eastwest's group joined to each.

Reading: one ``DescribeNetworkInterfaces`` of the region at its largest page (``PageSize``
1,000; the token style stops at 500) serves the inventory and the observation. Writing
(``InterfaceOps`` for ``providers/core/attachment_apply.py``): a secondary ENI's list is
replaced whole by ``ModifyNetworkInterfaceAttribute`` (``SecurityGroupId.N``), one call; a
primary ENI changes only through its instance, one ``JoinSecurityGroup`` per group added, then
one ``LeaveSecurityGroup`` per group removed (joins first: an ENI always keeps a group). Ledger
tags: ``TagResources``/``UntagResources`` on ``eni``, 50 ENIs a call, values ≤ 128 characters.

Priorities: ECS merges the rules of every group on an ENI by priority (1 first), a drop winning
a tie. eastwest's accepts sit at 1 and its egress baseline (drop everything else) at 100. In
``add`` mode that baseline would cut egress the ENI's other groups allow at priority 100, or by
a basic group's implicit allow, so a group attached in ``add`` mode carries no baseline
(``prepare`` revokes it, where a read finds it, before the group goes on); in ``exclusive``
mode it does (authorised before), as the group is then the ENI's only one. A group taken off
its last ENI in ``add`` mode (``attach: none``, or its members gone) gets its baseline back in
the same apply, right after that ENI's write (``set_groups``): the group then guards nothing,
so the drop cuts nobody, and the next plan finds it whole.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from orchestrator.state import (
    FirewallGroup,
    GroupAttachment,
    Interface,
    Resource,
    Scope,
)
from providers.alibaba import translate as tr
from providers.alibaba.errors import ApiError, translate
from providers.alibaba.reader import Api, numbered
from providers.core.attachment import Claim, read_claim
from providers.core.reads import UNSHARED, Shared

PAGE_INTERFACES = 1000  # DescribeNetworkInterfaces PageSize: at most 1,000
BY_ID = 100  # NetworkInterfaceId.N: 1-100
_PATH = ("NetworkInterfaceSets", "NetworkInterfaceSet")

Payload = Mapping[str, Any]


def interface_kind(eni: Payload) -> str:
    """The policy's interface kind of one ENI. A service's ENI (NAT, PrivateLink endpoint,
    load balancer…) is ``ServiceManaged`` and names no instance; the API tells no more."""
    if eni.get("ServiceManaged"):
        return "managed"
    if eni.get("InstanceId") or eni.get("Type") == "Primary":
        return "instance"
    return "detached"


def interface_from_eni(eni: Payload, policy: str) -> Interface:
    tags = tr.tags_of(eni)
    claim = read_claim(tags, policy)
    return Interface(
        str(eni["NetworkInterfaceId"]),
        str(eni.get("VpcId", "")),
        str(eni.get("VSwitchId", "")),
        interface_kind(eni),
        tuple(eni.get("SecurityGroupIds", {}).get("SecurityGroupId", [])),
        tags,
        claim.group if claim else "",
        claim.prior if claim else (),
    )


def read_interfaces(
    api: Api, region: str, policy: str, shared: Shared = UNSHARED
) -> tuple[Interface, ...]:
    """Every ENI of the region; the raw answer goes through ``shared`` (the access check judges
    the same ENIs)."""
    enis = shared("enis", lambda: list(numbered(api, region, "ecs", "DescribeNetworkInterfaces",
                                                _PATH, PageSize=str(PAGE_INTERFACES))))  # fmt: skip
    return tuple(interface_from_eni(e, policy) for e in enis)


class AlibabaInterfaces:
    """``InterfaceOps`` over ECS."""

    value_max = tr.TAG_VALUE_MAX
    tag_batch = 50  # TagResources/UntagResources: ResourceId.N ≤ 50

    def __init__(self, api: Api, scope: Scope, policy: str) -> None:
        self.api, self.scope, self.policy = api, scope, policy
        self._instance: dict[str, str] = {}  # primary ENI → its instance
        self._carriers: dict[str, set[str]] | None = None  # group → ENIs, read when first needed

    def where(self, key: str) -> str:
        return (
            f"alibaba {self.scope.account} {self.scope.region} {key.removeprefix(f'{self.scope}/')}"
        )

    def current(self, interface_ids: Sequence[str]) -> dict[str, Interface]:
        found: dict[str, Interface] = {}
        for start in range(0, len(interface_ids), BY_ID):
            chunk = interface_ids[start : start + BY_ID]
            for eni in self._guard("network interfaces", functools.partial(self._describe, chunk)):
                found[eni["NetworkInterfaceId"]] = interface_from_eni(eni, self.policy)
                if eni.get("Type") == "Primary" and eni.get("InstanceId"):
                    self._instance[eni["NetworkInterfaceId"]] = str(eni["InstanceId"])
        return found

    def _describe(self, interface_ids: Sequence[str]) -> list[Any]:
        params = {**tr.repeat("NetworkInterfaceId", interface_ids), "PageSize": str(BY_ID)}
        region = self.scope.region
        return list(numbered(self.api, region, "ecs", "DescribeNetworkInterfaces", _PATH, **params))

    def prepare(self, claim: Claim) -> None:
        # Read first: a group already attached in the same mode holds what it needs, and a
        # read costs less than a write (writes are what ECS throttles per account), so a new
        # ENI of an attached segment costs its own write only.
        authorize = claim.mode == "exclusive"
        if self._has_baseline(claim.group) != authorize:
            self._baseline(claim.group, authorize=authorize)

    def _has_baseline(self, group: str) -> bool:
        params = {"SecurityGroupId": group, "Direction": "egress"}
        body = self._guard(
            f"group {group}", lambda: self._call("DescribeSecurityGroupAttribute", params)
        )
        return any(tr.is_baseline(p) for p in body["Permissions"]["Permission"])

    def _baseline(self, group: str, *, authorize: bool) -> None:
        action = "AuthorizeSecurityGroupEgress" if authorize else "RevokeSecurityGroupEgress"
        params = {"SecurityGroupId": group, **tr.flatten("Permissions", [tr.BASELINE])}
        self._guard(f"group {group}", lambda: self._call(action, params))

    def tag(self, interface_ids: Sequence[str], tags: Mapping[str, str]) -> None:
        params = {
            "ResourceType": "eni",
            **tr.repeat("ResourceId", interface_ids),
            **tr.tag_params(tags),
        }
        self._guard("network interfaces", lambda: self._call("TagResources", params))

    def untag(self, interface_ids: Sequence[str], keys: Sequence[str]) -> None:
        params = {
            "ResourceType": "eni",
            **tr.repeat("ResourceId", interface_ids),
            **tr.repeat("TagKey", keys),
        }
        self._guard("network interfaces", lambda: self._call("UntagResources", params))

    def set_groups(self, iface: Interface, groups: tuple[str, ...]) -> None:
        self._write_groups(iface, groups)
        self._released(iface, groups)

    def _write_groups(self, iface: Interface, groups: tuple[str, ...]) -> None:
        where = f"attach/{iface.id}"
        instance = self._instance.get(iface.id)
        if instance is None:
            params = {"NetworkInterfaceId": iface.id, **tr.repeat("SecurityGroupId", groups)}
            self._guard(where, lambda: self._call("ModifyNetworkInterfaceAttribute", params))
            return
        for group in (g for g in groups if g not in iface.groups):
            self._member(where, "JoinSecurityGroup", group, instance)
        for group in (g for g in iface.groups if g not in groups):
            self._member(where, "LeaveSecurityGroup", group, instance)

    def _released(self, iface: Interface, groups: tuple[str, ...]) -> None:
        """Give an ``add`` group its baseline back once no ENI carries it any more. Which ENIs
        carry it is read once per apply (one paged read of the region, as the observation
        does), then kept up to date with this apply's own writes."""
        claim = read_claim(iface.tags, self.policy)
        if claim is None or claim.mode != "add" or claim.group in groups:
            return
        if self._carriers is None:
            self._carriers = defaultdict(set)
            for other in self._guard("network interfaces", self._region_interfaces):
                for group in other.groups:
                    self._carriers[group].add(other.id)
        carriers = self._carriers[claim.group]
        carriers.discard(iface.id)
        if not carriers:
            self._baseline(claim.group, authorize=True)

    def _region_interfaces(self) -> tuple[Interface, ...]:
        return read_interfaces(self.api, self.scope.region, self.policy)

    def _member(self, where: str, action: str, group: str, instance: str) -> None:
        params = {"SecurityGroupId": group, "InstanceId": instance}
        try:
            self._call(action, params)
        except ApiError as exc:
            # Already in (out of) the group: a retry of a join (leave) whose answer was lost.
            if exc.code != _DONE[action]:
                raise translate(exc, self.where(where)) from exc

    def _call(self, action: str, params: Mapping[str, str]) -> Any:
        return self.api.call(self.scope.region, "ecs", action, params)

    def _guard(self, what: str, call: Callable[[], Any]) -> Any:
        try:
            return call()
        except ApiError as exc:
            raise translate(exc, self.where(what)) from exc


_DONE = {
    "JoinSecurityGroup": "InvalidInstanceId.AlreadyExists",
    "LeaveSecurityGroup": "InvalidSecurityGroupAssociation.NotFound",
}


def baseline_as_wanted(resources: Mapping[str, Resource]) -> dict[str, Resource]:
    """A group attached in ``add`` mode has no baseline on purpose: the reader's "baseline
    missing" mark is dropped for it, and a baseline found there (put back by hand) is marked
    unwanted, so the plan shows the group changed and the writer revokes it. Decided from what
    is attached now, never from the policy, so a saved plan's check sees the same thing."""
    adding = {
        r.group for r in resources.values() if isinstance(r, GroupAttachment) and r.mode == "add"
    }
    found = dict(resources)
    for key in adding:
        group = found.get(key)
        if not isinstance(group, FirewallGroup):
            continue
        if group.description.endswith(tr.BASELINE_MISSING):
            description = group.description.removesuffix(tr.BASELINE_MISSING)
        else:
            description = group.description + tr.BASELINE_UNWANTED
        found[key] = replace(group, description=description)
    return found
