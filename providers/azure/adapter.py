"""The Azure adapter: the provider contract (``providers/base.py``) over azure-mgmt-network.

In: a ``Target`` (``account`` is the subscription id; ``resource_group`` the policy account's
resource group, where eastwest reads VNets and keeps its NSGs), a policy name and injected
clients (``AzureClients``). Out: inventory, observations and applied changes. Always: SDK
exceptions become eastwest errors here or in ``writer``; messages name subscription, region,
resource group and resource, never credentials.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping, Sequence
from typing import Any, Literal

from azure.core.exceptions import AzureError

from orchestrator.errors import ObservationError, PermanentError, ProviderError
from orchestrator.state import (
    Change,
    DesiredScope,
    NativeRef,
    NetworkRoute,
    ObservedScope,
    RoutingModel,
    Scope,
    ScopeInventory,
    Step,
    Target,
    TransitInventory,
)
from orchestrator.state.access import AccessModel
from orchestrator.state.routes import NetworkPeering
from providers.azure.access import read_access
from providers.azure.errors import translate
from providers.azure.peering_writer import PeeringWriter
from providers.azure.reader import read_inventory, read_owned
from providers.azure.route_writer import RouteWriter
from providers.azure.routing import read_routing, read_transit_inventory
from providers.azure.session import AzureClients, Tuning, sandbox_clients, standard_clients
from providers.azure.writer import AzureWriter
from providers.base import ChangeResult, Report
from providers.core.reads import RegionReads

ExistingNsgs = Literal["conflict", "share"]


class AzureAdapter:
    """``existing_nsgs``: what a member subnet that already has somebody else's NSG means:
    ``conflict`` (the group is left out, with a warning) or ``share`` (eastwest's rules go into
    that NSG, owned by name, beside the user's: ``shared``). Only an explicit opt-in shares."""

    def __init__(
        self,
        target: Target,
        policy: str,
        clients: AzureClients,
        *,
        existing_nsgs: ExistingNsgs = "conflict",
    ) -> None:
        self.target = target
        self.policy = policy
        self.reads = RegionReads()  # each scope's reads, shared with the access check
        self.clients = clients
        self.share = existing_nsgs == "share"

    def _where(self, region: str) -> str:
        return (
            f"azure subscription {self.target.account} ({self.target.name}) {region} "
            f"resource group {self.target.resource_group}"
        )

    @property
    def resource_group(self) -> str:
        if not self.target.resource_group:
            raise PermanentError(
                f"azure subscription {self.target.account} ({self.target.name}): no resource "
                "group is known; give the policy account a resource_group"
            )
        return self.target.resource_group

    def check_identity(self, region: str = "") -> None:
        """ARM addresses the subscription in every URL, so there is no other account to land
        in by mistake; what can fail is the credential, and making the client proves it."""
        self.resource_group  # noqa: B018 - raises when the target cannot be addressed
        self.clients.network()

    def inventory(self, region: str) -> ScopeInventory:
        scope = Scope("azure", self.target.account, region)
        shared = self.reads(region).by("inventory")
        try:
            return read_inventory(self.clients.network(), self.resource_group, scope, shared)
        except AzureError as exc:
            raise ObservationError(str(translate(exc, f"{self._where(region)} inventory"))) from exc

    def observe(self, scope: Scope, desired: DesiredScope | None) -> ObservedScope:
        """Owned NSGs, eastwest's routes and peerings; ``desired`` only says which unowned routes
        and peerings to report as conflicts."""
        try:
            return read_owned(
                self.clients.network(),
                self.resource_group,
                scope,
                self.policy,
                desired,
                share=self.share,
                shared=self.reads(scope.region).by("observe"),
            )
        except AzureError as exc:
            raise ObservationError(str(translate(exc, self._where(scope.region)))) from exc

    def transit_inventory(self, scope: Scope, next_hops: Sequence[str]) -> TransitInventory:
        """VNets and their peerings, subnets' route tables, the subnets of appliance IPs."""
        try:
            return read_transit_inventory(
                self.clients.network(), self.resource_group, scope, next_hops
            )
        except AzureError as exc:
            where = f"{self._where(scope.region)} routing inventory"
            raise ObservationError(str(translate(exc, where))) from exc

    def access(self, scope: Scope) -> AccessModel:
        reads = self.reads(scope.region)
        try:
            client, group = self.clients.network(), self.resource_group
            return read_access(client, group, scope, reads.by("access"))
        except AzureError as exc:
            where = f"{self._where(scope.region)} network security groups"
            raise ObservationError(str(translate(exc, where))) from exc
        finally:  # no two judgements share a read (providers/core/reads.py)
            reads.forget()

    def routing(self, scope: Scope) -> RoutingModel:
        try:
            return read_routing(self.clients.network(), self.resource_group, scope)
        except AzureError as exc:
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
        try:
            return self._apply(scope, step, changes, ids, report)
        finally:  # what the scope's reads said before this write is no longer true
            self.reads(scope.region).forget()

    def _apply(
        self,
        scope: Scope,
        step: Step,
        changes: Sequence[Change],
        ids: MutableMapping[str, NativeRef],
        report: Report | None,
    ) -> list[ChangeResult]:
        routes = [c for c in changes if isinstance(c.resource, NetworkRoute)]
        peerings = [c for c in changes if isinstance(c.resource, NetworkPeering)]
        others = [c for c in changes if not isinstance(c.resource, NetworkRoute | NetworkPeering)]
        # Security first: a step's new allows (and NSG associations) go in before its peerings
        # and routes; peerings before the routes that cross them, and removed after them.
        done = {r.key: r for r in self._writer(scope).apply(step, others, ids)} if others else {}
        adding = step is not Step.REMOVE_RULES
        if peerings and adding:
            done.update(self._peering_writer(scope).apply_peerings(peerings))
        if routes:
            done.update(self._route_writer(scope).apply_routes(step, routes, ids))
        if peerings and not adding:
            done.update(self._peering_writer(scope).apply_peerings(peerings))
        ordered = [done[c.key] for c in changes]
        if report is not None:
            for result in ordered:
                report(result)
        return ordered

    def record_applied(
        self, scope: Scope, applied: Mapping[str, str], ids: Mapping[str, NativeRef]
    ) -> None:
        try:
            self._writer(scope).record_applied(applied, ids)
            self._route_writer(scope).record_routes(applied)
            self._peering_writer(scope).record_peerings(applied)
        except AzureError as exc:
            raise translate(exc, f"{self._where(scope.region)} recording applied state") from exc
        finally:  # the NSGs' and routes' tags changed: a later observation must read them
            self.reads(scope.region).forget()

    def _writer(self, scope: Scope) -> AzureWriter:
        return AzureWriter(
            self.clients.network(),
            self.resource_group,
            scope,
            self.policy,
            self.clients.tuning,
            share=self.share,
        )

    def _peering_writer(self, scope: Scope) -> PeeringWriter:
        return PeeringWriter(
            self.clients.network(), self.resource_group, scope, self.policy, self.clients.tuning
        )

    def _route_writer(self, scope: Scope) -> RouteWriter:
        return RouteWriter(
            self.clients.network(), self.resource_group, scope, self.policy, self.clients.tuning
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
