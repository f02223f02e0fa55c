"""The Alibaba Cloud adapter: the provider contract (``providers/base.py``) over ECS and VPC.

In: a ``Target`` (the policy's Alibaba account), the policy name and an ``Api`` (injected;
``make_alibaba_adapter`` builds one from the credential chain, or the account's profile, or
from a sandbox mapping). Out: the
inventory (VPCs, vSwitches), the owned security groups, rules and prefix lists of a scope, and
the writes of a plan step. Always: ``ApiError`` never leaves this module untranslated; every
message names the cloud, account, region and resource, never a credential.

Identity: the API metadata eastwest works from has no caller-identity action (STS
``GetCallerIdentity`` is not in it), so the account is proven by the ``OwnerId`` that
``DescribeVpcs`` (else ``ListPrefixLists``) answers for what the credentials see in the region.
A region showing neither holds nothing eastwest could change, and is refused all the same.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import replace
from typing import Any

from orchestrator.errors import AccountMismatchError, ObservationError, PermanentError
from orchestrator.state import (
    Change,
    DesiredScope,
    NativeRef,
    ObservedScope,
    RoutingModel,
    Scope,
    ScopeInventory,
    Step,
    Target,
    TransitInventory,
)
from orchestrator.state.access import AccessModel
from providers.alibaba.access import read_access
from providers.alibaba.attach import baseline_as_wanted, read_interfaces
from providers.alibaba.errors import ApiError, translate
from providers.alibaba.reader import Api, InProgress, first_owner, read_inventory, read_owned
from providers.alibaba.routing import read_routing
from providers.alibaba.session import sandbox_api, standard_api
from providers.alibaba.transit_read import read_owned_routing, read_transit_inventory
from providers.alibaba.writer import AlibabaWriter
from providers.base import ChangeResult, Report
from providers.core.attachment import InterfaceCache, observe_attachments
from providers.core.group_records import NetworkCache, recorded_groups


class AlibabaAdapter:
    def __init__(self, target: Target, policy: str, api: Api) -> None:
        self.target = target
        self.policy = policy
        self.api = api
        self._identity_checked = False
        self._interfaces = InterfaceCache(time.monotonic)
        self._networks = NetworkCache(time.monotonic)

    def _where(self, region: str) -> str:
        return f"alibaba account {self.target.account} ({self.target.name}) {region}"

    def check_identity(self, region: str = "cn-hangzhou") -> None:
        if self._identity_checked:
            return
        try:
            owner = first_owner(self.api, region)
        except ApiError as exc:
            raise translate(exc, f"{self._where(region)}: checking the account") from exc
        if owner is None:
            raise PermanentError(
                f"{self._where(region)}: cannot prove which account the credentials belong to: "
                "they see no VPC and no prefix list in this region (eastwest reads the OwnerId "
                "of either); nothing was changed"
            )
        if owner != self.target.account:
            raise AccountMismatchError(
                f"the Alibaba Cloud credentials in use belong to account {owner}, but the "
                f"policy's account {self.target.name!r} is {self.target.account}; nothing was "
                "changed"
            )
        self._identity_checked = True

    def inventory(self, region: str) -> ScopeInventory:
        scope = Scope("alibaba", self.target.account, region)
        try:
            networks = read_inventory(self.api, scope)
            interfaces = read_interfaces(self.api, region, self.policy)
        except ApiError as exc:
            raise ObservationError(str(translate(exc, f"{self._where(region)} inventory"))) from exc
        self._networks.keep(region, networks.networks)
        return replace(networks, interfaces=self._interfaces.keep(region, interfaces))

    def observe(self, scope: Scope, desired: DesiredScope | None) -> ObservedScope:
        try:
            security = read_owned(self.api, scope, self.policy)
            routing = read_owned_routing(self.api, scope, self.policy, desired)
            interfaces = self._interfaces.take(
                scope.region, lambda: read_interfaces(self.api, scope.region, self.policy)
            )
            vpcs = self._networks.take(
                scope.region, lambda: read_inventory(self.api, scope).networks
            )
        except ApiError as exc:
            raise ObservationError(str(translate(exc, self._where(scope.region)))) from exc
        except InProgress as exc:
            raise ObservationError(
                f"{self._where(scope.region)}: {exc}; an operation is in progress, plan again "
                "in a minute"
            ) from exc
        groups = {ref.id: k for k, ref in security.native.items() if "/fwgroup/" in k}
        attached, claims = observe_attachments(scope, interfaces, self.policy, groups)
        # A group whose security group is gone is still known from its VPC's record: drift.
        records = recorded_groups(scope, self.policy, vpcs)
        found = baseline_as_wanted({**security.resources, **routing.resources, **attached})
        return ObservedScope(
            scope,
            found,
            {**security.native, **routing.native},
            {**records, **security.applied, **routing.applied, **claims},
            routing.foreign,
        )

    def transit_inventory(self, scope: Scope, next_hops: Sequence[str]) -> TransitInventory:
        try:
            return read_transit_inventory(self.api, scope, next_hops)
        except ApiError as exc:
            where = f"{self._where(scope.region)} transit inventory"
            raise ObservationError(str(translate(exc, where))) from exc

    def access(self, scope: Scope) -> AccessModel:
        try:
            return read_access(self.api, scope)
        except ApiError as exc:
            where = f"{self._where(scope.region)} security groups"
            raise ObservationError(str(translate(exc, where))) from exc

    def routing(self, scope: Scope) -> RoutingModel:
        try:
            return read_routing(self.api, scope)
        except ApiError as exc:
            where = f"{self._where(scope.region)} routing"
            raise ObservationError(str(translate(exc, where))) from exc

    def apply(
        self,
        scope: Scope,
        step: Step,
        changes: Sequence[Change],
        ids: MutableMapping[str, NativeRef],
        *,
        run_id: str = "",
        report: Report | None = None,
    ) -> list[ChangeResult]:
        self.check_identity(scope.region)
        return AlibabaWriter(self.api, scope, self.policy, run_id).apply(step, changes, ids, report)

    def record_applied(
        self, scope: Scope, applied: Mapping[str, str], ids: Mapping[str, NativeRef]
    ) -> None:
        try:
            AlibabaWriter(self.api, scope, self.policy).record_applied(applied, ids)
        except ApiError as exc:
            raise translate(exc, f"{self._where(scope.region)} recording applied state") from exc


def make_alibaba_adapter(
    target: Target,
    *,
    policy: str,
    sandbox: Mapping[str, Any] | None,
    api: Api | None = None,
) -> AlibabaAdapter:
    """``api`` (tests) replaces the one built here from the sandbox or the environment."""
    if api is None:
        api = sandbox_api(sandbox) if sandbox is not None else standard_api(target.profile)
    return AlibabaAdapter(target, policy, api)
