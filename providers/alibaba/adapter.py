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

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from typing import Any

from orchestrator.errors import ObservationError, PermanentError, ProviderError
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
from providers.alibaba.access import read_access
from providers.alibaba.attach import baseline_as_wanted, read_interfaces
from providers.alibaba.errors import ApiError, translate
from providers.alibaba.reader import Api, InProgress, first_owner, read_inventory, read_owned
from providers.alibaba.routing import read_routing
from providers.alibaba.session import sandbox_api, standard_api
from providers.alibaba.transit_read import read_owned_routing, read_transit_inventory
from providers.alibaba.writer import AlibabaWriter
from providers.core.adapter import AdapterShell, merge_observed
from providers.core.reads import INVENTORY


class AlibabaAdapter(AdapterShell):
    cloud, label = "alibaba", "Alibaba Cloud"
    errors = (ApiError,)

    def __init__(self, target: Target, policy: str, api: Api) -> None:
        super().__init__(target, policy)
        self.api = api

    def _translate(self, exc: Exception, where: str) -> ProviderError:
        assert isinstance(exc, ApiError)  # the only class in ``errors``
        return translate(exc, where)

    def _account(self, region: str) -> str:
        owner = first_owner(self.api, region)
        if owner is None:
            raise PermanentError(
                f"{self._where(region)}: cannot prove which account the credentials belong to: "
                "they see no VPC and no prefix list in this region (eastwest reads the OwnerId "
                "of either); nothing was changed"
            )
        return owner

    def _writer(self, scope: Scope, run_id: str = "") -> AlibabaWriter:
        return AlibabaWriter(self.api, scope, self.policy, run_id)

    def check_identity(self, region: str = "cn-hangzhou") -> None:
        super().check_identity(region)

    def inventory(self, region: str) -> ScopeInventory:
        scope = Scope("alibaba", self.target.account, region)
        shared = self.reads(region).by(INVENTORY)
        networks, interfaces = self._read(
            region,
            "inventory",
            lambda: (
                read_inventory(self.api, scope),
                read_interfaces(self.api, region, self.policy, shared),
            ),
        )
        self._networks.keep(region, networks.networks)
        return replace(networks, interfaces=self._interfaces.keep(region, interfaces))

    def observe(self, scope: Scope, desired: DesiredScope | None) -> ObservedScope:
        r, shared = scope.region, self.reads(scope.region).by("observe")
        try:
            security, routing, interfaces, vpcs = self._read(
                r,
                "",
                lambda: (
                    read_owned(self.api, scope, self.policy, shared),
                    read_owned_routing(self.api, scope, self.policy, desired),
                    self._interfaces.take(
                        r, lambda: read_interfaces(self.api, r, self.policy, shared)
                    ),
                    self._networks.take(r, lambda: read_inventory(self.api, scope).networks),
                ),
            )
        except InProgress as exc:
            raise ObservationError(
                f"{self._where(r)}: {exc}; an operation is in progress, plan again in a minute"
            ) from exc
        seen = merge_observed(scope, self.policy, [security, routing], (interfaces, vpcs), {})
        return replace(seen, resources=baseline_as_wanted(seen.resources), foreign=routing.foreign)

    def transit_inventory(self, scope: Scope, next_hops: Sequence[str]) -> TransitInventory:
        return self._read(
            scope.region,
            "transit inventory",
            lambda: read_transit_inventory(self.api, scope, next_hops),
        )

    def access(self, scope: Scope, networks: Collection[str] | None = None) -> AccessModel:
        return self._access(scope.region, "security groups", lambda shared: read_access(
            self.api, scope, shared, networks))  # fmt: skip

    def routing(self, scope: Scope) -> RoutingModel:
        return self._read(scope.region, "routing", lambda: read_routing(self.api, scope))


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
