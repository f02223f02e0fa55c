"""The Azure adapter: the provider contract (``providers/base.py``) over azure-mgmt-network, on
the shell every cloud shares (``providers/core/adapter.py``: translated reads, the identity
proof before the first write, ``apply`` and ``record_applied`` through ``steps.AzureSteps``).

In: a ``Target`` (``account`` is the subscription id; ``resource_group`` the policy account's
resource group, where eastwest reads VNets and keeps its NSGs), a policy name and injected
clients (``AzureClients``). Out: inventory, observations and applied changes. Always: SDK
exceptions become eastwest errors here or in ``writer``; messages name subscription, region,
resource group and resource, never credentials.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any, Literal

from azure.core.exceptions import AzureError

from orchestrator.errors import PermanentError, ProviderError
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
from providers.azure.access import read_access
from providers.azure.errors import translate
from providers.azure.peering_writer import PeeringWriter
from providers.azure.reader import read_inventory, read_owned
from providers.azure.route_writer import RouteWriter
from providers.azure.routing import read_routing, read_transit_inventory
from providers.azure.session import AzureClients, Tuning, sandbox_clients, standard_clients
from providers.azure.steps import AzureSteps
from providers.azure.writer import AzureWriter
from providers.base import ChangeResult
from providers.core.adapter import AdapterShell
from providers.core.reads import INVENTORY

ExistingNsgs = Literal["conflict", "share"]


class AzureAdapter(AdapterShell):
    """``existing_nsgs``: what a member subnet that already has somebody else's NSG means:
    ``conflict`` (the group is left out, with a warning) or ``share`` (eastwest's rules go into
    that NSG, owned by name, beside the user's: ``shared``). Only an explicit opt-in shares."""

    cloud = "azure"
    label = "Azure"
    errors = (AzureError,)

    def __init__(
        self,
        target: Target,
        policy: str,
        clients: AzureClients,
        *,
        existing_nsgs: ExistingNsgs = "conflict",
    ) -> None:
        super().__init__(target, policy)
        self.clients = clients
        self.share = existing_nsgs == "share"

    # -- what the shell asks of a cloud ----------------------------------------------------

    def _translate(self, exc: Exception, where: str) -> ProviderError:
        return translate(exc, where)

    def _account(self, region: str) -> str:
        """ARM addresses the subscription in every URL, so there is no other account to land
        in by mistake; what can fail is the credential, and making the client proves it."""
        self.resource_group  # noqa: B018 - raises when the target cannot be addressed
        self.clients.network()
        return self.target.account

    def _writer(self, scope: Scope, run_id: str = "") -> AzureSteps:
        client, tuning = self.clients.network(), self.clients.tuning
        nsgs = AzureWriter(
            client, self.resource_group, scope, self.policy, tuning, share=self.share
        )
        routes = RouteWriter(client, self.resource_group, scope, self.policy, tuning)
        peerings = PeeringWriter(client, self.resource_group, scope, self.policy, tuning)
        return AzureSteps(nsgs, routes, peerings)

    def _where(self, region: str) -> str:
        return (
            f"azure subscription {self.target.account} ({self.target.name}) {region} "
            f"resource group {self.target.resource_group}"
        )

    # -- the contract's reads ----------------------------------------------------------------

    @property
    def resource_group(self) -> str:
        if not self.target.resource_group:
            raise PermanentError(
                f"azure subscription {self.target.account} ({self.target.name}): no resource "
                "group is known; give the policy account a resource_group"
            )
        return self.target.resource_group

    def check_identity(self, region: str = "") -> None:
        super().check_identity(region)

    def inventory(self, region: str) -> ScopeInventory:
        scope = Scope("azure", self.target.account, region)
        shared = self.reads(region).by(INVENTORY)
        return self._read(region, "inventory", lambda: read_inventory(
            self.clients.network(), self.resource_group, scope, shared))  # fmt: skip

    def observe(self, scope: Scope, desired: DesiredScope | None) -> ObservedScope:
        """Owned NSGs, eastwest's routes and peerings; ``desired`` only says which unowned routes
        and peerings to report as conflicts, and which groups opt in to ASGs."""
        return self._read(scope.region, "", lambda: read_owned(
            self.clients.network(), self.resource_group, scope, self.policy, desired,
            share=self.share, shared=self.reads(scope.region).by("observe"),
        ))  # fmt: skip

    def transit_inventory(self, scope: Scope, next_hops: Sequence[str]) -> TransitInventory:
        """VNets and their peerings, subnets' route tables, the subnets of appliance IPs."""
        return self._read(scope.region, "routing inventory", lambda: read_transit_inventory(
            self.clients.network(), self.resource_group, scope, next_hops))  # fmt: skip

    def access(self, scope: Scope, networks: Collection[str] | None = None) -> AccessModel:
        """The NIC list is the resource group's, shared by the regions (``reads.account``)."""
        across = self.reads.by_region("access", scope.region)
        return self._access(scope.region, "network security groups", lambda shared: read_access(
            self.clients.network(), self.resource_group, scope, shared, networks=networks,
            across=across))  # fmt: skip

    def apply(
        self, scope: Scope, step: Step, changes: Sequence[Change], *args: Any, **kwargs: Any
    ) -> list[ChangeResult]:
        try:
            return super().apply(scope, step, changes, *args, **kwargs)
        finally:  # what the resource group's reads said before this write is no longer true
            self.reads.account.forget()

    def record_applied(
        self, scope: Scope, applied: Mapping[str, str], ids: Mapping[str, NativeRef]
    ) -> None:
        try:
            super().record_applied(scope, applied, ids)
        finally:
            self.reads.account.forget()

    def routing(self, scope: Scope) -> RoutingModel:
        return self._read(
            scope.region,
            "routing",
            lambda: read_routing(self.clients.network(), self.resource_group, scope),
        )


def make_azure_adapter(
    target: Target,
    *,
    policy: str,
    sandbox: Mapping[str, Any] | None,
    tuning: Tuning | None = None,
    existing_nsgs: ExistingNsgs = "conflict",
) -> AzureAdapter:
    """Production: ``DefaultAzureCredential`` (needs ``azure-identity``) in the account's cloud
    (``target.azure_cloud``: public, China, US Gov). Sandbox: the mapping's
    ``azure`` section (``endpoint_url``, ``ca_bundle``; see ``session``)."""
    if target.cloud != "azure":
        raise ProviderError(f"make_azure_adapter got a {target.cloud} target")
    if sandbox is not None:
        clients = sandbox_clients(sandbox, target.account, tuning)
    else:
        clients = standard_clients(target.account, tuning, cloud=target.azure_cloud)
    return AzureAdapter(target, policy, clients, existing_nsgs=existing_nsgs)
