"""The AWS adapter: the provider contract (``providers/base.py``) over boto3 clients.

Clients are injected (``AwsClients``); ``make_aws_adapter`` builds them from the standard
credential chain, or from the sandbox description when one is given.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from orchestrator.errors import ProviderError
from orchestrator.state import (
    DesiredScope,
    ObservedScope,
    RoutingModel,
    Scope,
    ScopeInventory,
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
from providers.core.adapter import AdapterShell, merge_observed
from providers.core.reads import INVENTORY


class AwsAdapter(AdapterShell):
    cloud, label = "aws", "AWS"
    errors = (ClientError, BotoCoreError)

    def __init__(self, target: Target, policy: str, clients: AwsClients) -> None:
        super().__init__(target, policy)
        self.clients = clients

    def _translate(self, exc: Exception, where: str) -> ProviderError:
        return translate(exc, where)

    def _account(self, region: str) -> str:
        return self.clients.sts(region).get_caller_identity()["Account"]

    def _writer(self, scope: Scope, run_id: str = "") -> AwsWriter:
        return AwsWriter(self.clients.ec2(scope.region), scope, self.policy, run_id)

    def check_identity(self, region: str = "us-east-1") -> None:
        super().check_identity(region)

    def inventory(self, region: str) -> ScopeInventory:
        scope = Scope("aws", self.target.account, region)
        ec2, shared = self.clients.ec2(region), self.reads(region).by(INVENTORY)
        networks, interfaces = self._read(
            region,
            "inventory",
            lambda: (read_inventory(ec2, scope, shared), read_interfaces(ec2, self.policy, shared)),
        )
        self._networks.keep(region, networks.networks)
        return replace(networks, interfaces=self._interfaces.keep(region, interfaces))

    def observe(self, scope: Scope, desired: DesiredScope | None) -> ObservedScope:
        ec2, r = self.clients.ec2(scope.region), scope.region
        shared = self.reads(r).by("observe")
        security, routing, interfaces, vpcs = self._read(
            r,
            "",
            lambda: (
                read_owned(ec2, scope, self.policy, desired, shared),
                read_owned_routing(ec2, scope, self.policy, desired),
                self._interfaces.take(r, lambda: read_interfaces(ec2, self.policy, shared)),
                self._networks.take(r, lambda: read_inventory(ec2, scope, shared).networks),
            ),
        )
        foreign = {**security.foreign, **routing.foreign}
        return merge_observed(scope, self.policy, [security, routing], (interfaces, vpcs), foreign)

    def transit_inventory(self, scope: Scope, next_hops: Sequence[str]) -> TransitInventory:
        ec2 = self.clients.ec2(scope.region)
        return self._read(
            scope.region,
            "transit inventory",
            lambda: read_transit_inventory(ec2, scope, next_hops),
        )

    def rule_ids(self, observed: ObservedScope) -> dict[str, str]:
        ec2 = self.clients.ec2(observed.scope.region)
        return self._read(observed.scope.region, "rule ids", lambda: read_rule_ids(ec2, observed))

    def access(self, scope: Scope, networks: Collection[str] | None = None) -> AccessModel:
        ec2 = self.clients.ec2(scope.region)
        return self._access(scope.region, "groups and network ACLs", lambda shared: read_access(
            ec2, scope, shared, networks))  # fmt: skip

    def routing(self, scope: Scope) -> RoutingModel:
        ec2 = self.clients.ec2(scope.region)
        return self._read(scope.region, "routing", lambda: read_routing(ec2, scope))


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
