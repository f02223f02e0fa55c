"""The AWS adapter: the provider contract (``providers/base.py``) over boto3 clients.

Clients are injected (``AwsClients``); ``make_aws_adapter`` builds them from the standard
credential chain, or from the sandbox description when one is given.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import replace
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from orchestrator.errors import AccountMismatchError, ObservationError
from orchestrator.state import (
    Change,
    DesiredScope,
    GroupAttachment,
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
from providers.aws.access import read_access
from providers.aws.attach import read_interfaces
from providers.aws.errors import translate
from providers.aws.reader import read_inventory, read_owned, read_rule_ids
from providers.aws.routing import read_routing
from providers.aws.session import AwsClients, ClientHook, sandbox_clients, standard_clients
from providers.aws.transit_read import read_owned_routing, read_transit_inventory
from providers.aws.writer import AwsWriter
from providers.base import ChangeResult, Report
from providers.core.attachment import InterfaceCache, observe_attachments
from providers.core.group_records import NetworkCache, recorded_groups


class AwsAdapter:
    def __init__(self, target: Target, policy: str, clients: AwsClients) -> None:
        self.target = target
        self.policy = policy
        self.clients = clients
        self._identity_checked = False
        self._interfaces = InterfaceCache(time.monotonic)
        self._networks = NetworkCache(time.monotonic)

    def _where(self, region: str) -> str:
        return f"aws account {self.target.account} ({self.target.name}) {region}"

    def check_identity(self, region: str = "us-east-1") -> None:
        if self._identity_checked:
            return
        try:
            account = self.clients.sts(region).get_caller_identity()["Account"]
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, f"{self._where(region)}: checking the caller identity") from exc
        if account != self.target.account:
            raise AccountMismatchError(
                f"the AWS credentials in use belong to account {account}, but the policy's "
                f"account {self.target.name!r} is {self.target.account}; nothing was changed"
            )
        self._identity_checked = True

    def inventory(self, region: str) -> ScopeInventory:
        scope = Scope("aws", self.target.account, region)
        ec2 = self.clients.ec2(region)
        try:
            networks = read_inventory(ec2, scope)
            interfaces = read_interfaces(ec2, self.policy)
        except (ClientError, BotoCoreError) as exc:
            raise ObservationError(str(translate(exc, f"{self._where(region)} inventory"))) from exc
        self._networks.keep(region, networks.networks)
        return replace(networks, interfaces=self._interfaces.keep(region, interfaces))

    def observe(self, scope: Scope, desired: DesiredScope | None) -> ObservedScope:
        ec2 = self.clients.ec2(scope.region)
        try:
            security = read_owned(ec2, scope, self.policy, desired)
            routing = read_owned_routing(ec2, scope, self.policy, desired)
            interfaces = self._interfaces.take(
                scope.region, lambda: read_interfaces(ec2, self.policy)
            )
            vpcs = self._networks.take(scope.region, lambda: read_inventory(ec2, scope).networks)
        except (ClientError, BotoCoreError) as exc:
            raise ObservationError(str(translate(exc, self._where(scope.region)))) from exc
        groups = {ref.id: k for k, ref in security.native.items() if "/fwgroup/" in k}
        attached, claims = observe_attachments(scope, interfaces, self.policy, groups)
        # A group whose security group is gone is still known from its VPC's record: drift.
        records = recorded_groups(scope, self.policy, vpcs)
        return ObservedScope(
            scope,
            {**security.resources, **routing.resources, **attached},
            {**security.native, **routing.native},
            {**records, **security.applied, **routing.applied, **claims},
            {**security.foreign, **routing.foreign, **_held_attachments(desired, security.foreign)},
        )

    def transit_inventory(self, scope: Scope, next_hops: Sequence[str]) -> TransitInventory:
        try:
            return read_transit_inventory(self.clients.ec2(scope.region), scope, next_hops)
        except (ClientError, BotoCoreError) as exc:
            where = f"{self._where(scope.region)} transit inventory"
            raise ObservationError(str(translate(exc, where))) from exc

    def rule_ids(self, observed: ObservedScope) -> dict[str, str]:
        try:
            return read_rule_ids(self.clients.ec2(observed.scope.region), observed)
        except (ClientError, BotoCoreError) as exc:
            where = f"{self._where(observed.scope.region)} rule ids"
            raise ObservationError(str(translate(exc, where))) from exc

    def access(self, scope: Scope) -> AccessModel:
        try:
            return read_access(self.clients.ec2(scope.region), scope)
        except (ClientError, BotoCoreError) as exc:
            where = f"{self._where(scope.region)} groups and network ACLs"
            raise ObservationError(str(translate(exc, where))) from exc

    def routing(self, scope: Scope) -> RoutingModel:
        try:
            return read_routing(self.clients.ec2(scope.region), scope)
        except (ClientError, BotoCoreError) as exc:
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
        return self._writer(scope, run_id).apply(step, changes, ids, report)

    def record_applied(
        self, scope: Scope, applied: Mapping[str, str], ids: Mapping[str, NativeRef]
    ) -> None:
        try:
            self._writer(scope).record_applied(applied, ids)
        except (ClientError, BotoCoreError) as exc:
            raise translate(exc, f"{self._where(scope.region)} recording applied state") from exc

    def _writer(self, scope: Scope, run_id: str = "") -> AwsWriter:
        return AwsWriter(self.clients.ec2(scope.region), scope, self.policy, run_id)


def make_aws_adapter(
    target: Target,
    *,
    policy: str,
    sandbox: Mapping[str, Any] | None,
    on_client: ClientHook | None = None,
) -> AwsAdapter:
    if sandbox is not None:
        clients = sandbox_clients(sandbox, target.account, on_client)
    else:
        clients = standard_clients(target.profile, on_client)
    return AwsAdapter(target, policy, clients)


def _held_attachments(desired: DesiredScope | None, foreign: Mapping[str, str]) -> dict[str, str]:
    """A group somebody else holds cannot be attached either: its attachments are held too."""
    if desired is None:
        return {}
    wanted = (r for r in desired.resources.values() if isinstance(r, GroupAttachment))
    return {a.key: foreign[a.group] for a in wanted if a.group in foreign}
