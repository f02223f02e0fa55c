"""One plan step in one Azure scope, every kind of change: the writer the adapter shell drives.

In: a step's changes (NSG groups, rules and address sets; routes; peerings) and the native ids
known so far. Out: one ``ChangeResult`` per change, in the order given (``report`` called with
each). Always: security first: a step's new allows (and NSG associations, ASG memberships) go
in before its peerings and routes; peerings before the routes that cross them, and removed
after them (``Step.REMOVE_RULES``).
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping, Sequence

from orchestrator.state import Change, NativeRef, NetworkRoute, Step
from orchestrator.state.routes import NetworkPeering
from providers.azure.peering_writer import PeeringWriter
from providers.azure.route_writer import RouteWriter
from providers.azure.writer import AzureWriter
from providers.base import ChangeResult, Report


class AzureSteps:
    def __init__(self, nsgs: AzureWriter, routes: RouteWriter, peerings: PeeringWriter) -> None:
        self.nsgs = nsgs
        self.routes = routes
        self.peerings = peerings

    def apply(
        self,
        step: Step,
        changes: Sequence[Change],
        ids: MutableMapping[str, NativeRef],
        report: Report | None = None,
    ) -> list[ChangeResult]:
        routes = [c for c in changes if isinstance(c.resource, NetworkRoute)]
        peerings = [c for c in changes if isinstance(c.resource, NetworkPeering)]
        others = [c for c in changes if not isinstance(c.resource, NetworkRoute | NetworkPeering)]
        done = {r.key: r for r in self.nsgs.apply(step, others, ids)} if others else {}
        adding = step is not Step.REMOVE_RULES
        if peerings and adding:
            done.update(self.peerings.apply_peerings(peerings))
        if routes:
            done.update(self.routes.apply_routes(step, routes, ids))
        if peerings and not adding:
            done.update(self.peerings.apply_peerings(peerings))
        ordered = [done[c.key] for c in changes]
        if report is not None:
            for result in ordered:
                report(result)
        return ordered

    def record_applied(self, applied: Mapping[str, str], ids: Mapping[str, NativeRef]) -> None:
        self.nsgs.record_applied(applied, ids)
        self.routes.record_routes(applied)
        self.peerings.record_peerings(applied)
