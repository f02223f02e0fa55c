"""Hub-spoke routing: segments and rules → routes to the hub's network virtual appliance.

In: a ``HubContext`` whose hub is a hub network (``transit`` names it: an Azure hub VNet) with
firewall next hops (NVA or internal load balancer addresses) in ``inspection``; the
``TransitInventory`` of its scope (peerings as attachments: ``hub`` the remote network,
``table`` None when the peering cannot carry forwarded traffic; ``subnet_tables`` keyed
``<network>/<subnet>``; next hops → ``<network>/<subnet>``), and the resolved membership.
Out: ``NetworkRoute``s, with ``peerings: create`` the hub's ``NetworkPeering``s (both
directions for every member network), and diagnostics.
Always: peering is not transitive, so traffic between two spokes exists only where a route
sends it to the hub's appliance; direct and inspected pairs therefore compile alike (the
appliance is the only way across). Every member subnet's route table gets, per allowed peer
(its own segment's other networks included), the peer's prefixes → the appliance, and, per
routed segment with no rule, the peer's prefixes → ``blackhole`` (a dropping route), so a
default route to the appliance (forced tunnelling) cannot carry a denied pair either. A member
subnet without a route table gets eastwest's own, named by ``owned_table_name``. No
container kind is added: the adapter creates and associates that table when it writes the
first route into it. With ``peerings: create`` a member network not peered with the hub
gets routes as if it were: its peerings are in the same step, written before the routes; only
somebody else's peering between the two (which eastwest never changes) keeps today's checks.
"""

from __future__ import annotations

import ipaddress
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from orchestrator.compile.membership import Membership, Placement
from orchestrator.compile.symmetry import one_appliance
from orchestrator.compile.transit import HubContext
from orchestrator.diagnostics import Diagnostic, error, warning
from orchestrator.model.policy import Firewall
from orchestrator.state import NetworkRoute, Resource
from orchestrator.state.names import owned_table_name, peering_name
from orchestrator.state.routes import NetworkPeering, network_peering_key, network_route_key

BLACKHOLE = "blackhole"  # a NetworkRoute target that drops (Azure: next hop type None)


def compile_hub_spoke(
    ctx: HubContext, membership: Membership, expected: Mapping[tuple[str, str], str]
) -> tuple[dict[str, Resource], list[Diagnostic]]:
    hub = _HubSpoke(ctx)
    hub.compile(membership, expected)
    return hub.resources, hub.diags


@dataclass
class _Spoke:
    segment: str
    network: str
    cidrs: tuple[str, ...]
    tables: tuple[str, ...]  # route tables of its member subnets (existing or eastwest's)


@dataclass
class _HubSpoke:
    ctx: HubContext
    resources: dict[str, Resource] = field(default_factory=dict)
    diags: list[Diagnostic] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.ctx.hub.name

    def compile(self, membership: Membership, expected: Mapping[tuple[str, str], str]) -> None:
        if self.ctx.hub.transit not in self.ctx.transit.hubs:
            self.diags.append(
                error(
                    f"hub {self.name!r}: hub network {self.ctx.hub.transit} was not found in "
                    f"{self.ctx.scope}",
                    path=f"{self.ctx.path}.transit",
                )
            )
            return
        if self.ctx.hub.peerings == "create":
            self._peerings(membership)
        spokes = self._spokes(membership)
        if not spokes:
            return
        wanted = [
            (a, b)
            for a in spokes
            for b in spokes
            if a.network != b.network
            and (a.segment == b.segment or (a.segment, b.segment) in expected)
        ]
        firewall = self._firewall() if wanted else None
        if wanted and firewall is None:
            return
        owners = self._table_networks(spokes)
        for a in spokes:
            for b in spokes:
                if a.network == b.network:
                    continue
                allowed = (a, b) in wanted
                target = firewall.next_hop if allowed and firewall is not None else BLACKHOLE
                for cidr in _collapse(b.cidrs):
                    for table in a.tables:
                        self._route(table, owners[table], cidr, target)

    # -- members --------------------------------------------------------------------------

    def _spokes(self, membership: Membership) -> list[_Spoke]:
        by_network: dict[str, list[Placement]] = defaultdict(list)
        for p in membership.placements:
            if p.scope == self.ctx.scope:
                by_network[p.network].append(p)
        hubs = {self.ctx.hub.transit}
        if self.ctx.hub.inspection is not None:
            hubs.add(self.ctx.hub.inspection.vpc)
        spokes: list[_Spoke] = []
        for network, placements in sorted(by_network.items()):
            segments = sorted({p.segment for p in placements})
            why = self._unroutable(network, segments, hubs)
            if why:
                self.diags.append(warning(f"hub {self.name!r}: {why}", path=placements[0].path))
                continue
            cidrs = tuple(c for p in placements for c in p.cidrs)
            tables = self._tables(network, segments[0], cidrs)
            spokes.append(_Spoke(segments[0], network, cidrs, tables))
        return spokes

    def _unroutable(self, network: str, segments: list[str], hubs: set[str]) -> str:
        """Why ``network`` gets no routes ("" when it does)."""
        hub = self.ctx.hub.transit
        if network in hubs:
            return (
                f"{network} is the hub network; routing cannot separate its segments from the "
                "appliance, so it gets no routes (firewall groups still enforce the rules)"
            )
        if len(segments) > 1:
            return (
                f"{network} holds segments {', '.join(segments)}; routing cannot separate "
                "segments inside one network, so the hub routes none of its traffic"
            )
        if self.ctx.hub.peerings == "create" and not self._foreign_peerings(network):
            return ""  # eastwest's own peerings, written in the step before these routes
        peering = next(
            (
                a
                for a in sorted(self.ctx.transit.attachments.values(), key=lambda a: a.id)
                if a.hub == hub and a.network == network
            ),
            None,
        )
        if peering is None:
            return (
                f"{network} (segment {segments[0]!r}) is not peered with {hub}; peering is "
                "not transitive, so it gets no routes and reaches no other spoke"
            )
        if peering.table is None:
            return (
                f"{network}'s peering {peering.id} with {hub} is not connected both ways or "
                "does not allow forwarded traffic, so the appliance's traffic cannot enter "
                f"{network}; it gets no routes"
            )
        return ""

    def _tables(self, network: str, segment: str, cidrs: tuple[str, ...]) -> tuple[str, ...]:
        """Route tables of the member's subnets; a subnet without one gets eastwest's."""
        found: set[str] = set()
        for subnet in self.ctx.inventory.subnets_of(network):
            if not subnet.cidrs or not all(_within(c, cidrs) for c in subnet.cidrs):
                continue
            table = self.ctx.transit.subnet_tables.get(f"{network}/{subnet.id}")
            found.add(table or owned_table_name(self.ctx.policy.name, segment, network))
        return tuple(sorted(found))

    def _table_networks(self, spokes: list[_Spoke]) -> dict[str, str]:
        """The network a route table's routes are recorded under: the first (by name) whose
        subnets use it, as the adapter reads it back."""
        users: dict[str, set[str]] = defaultdict(set)
        for key, table in self.ctx.transit.subnet_tables.items():
            users[table].add(key.split("/", 1)[0])
        for spoke in spokes:
            for table in spoke.tables:
                users[table].add(spoke.network)
        return {table: min(networks) for table, networks in users.items()}

    # -- peerings ---------------------------------------------------------------------------

    def _peerings(self, membership: Membership) -> None:
        """Both directions between the hub network and every member network of its scope."""
        hub = self.ctx.hub.transit
        networks = {p.network for p in membership.placements if p.scope == self.ctx.scope}
        for network in sorted(networks - {hub}):
            for local, remote in ((hub, network), (network, hub)):
                key = network_peering_key(self.ctx.scope, local, remote)
                name = peering_name(self.ctx.policy.name, remote)
                self.resources[key] = NetworkPeering(key, self.ctx.scope, local, remote, name)

    def _foreign_peerings(self, network: str) -> list[str]:
        """Peerings between ``network`` and the hub network that are not eastwest's."""
        hub, policy = self.ctx.hub.transit, self.ctx.policy.name
        return sorted(
            a.id
            for a in self.ctx.transit.attachments.values()
            if {a.network, a.hub} == {network, hub}
            and a.id.split("/", 1)[-1] != peering_name(policy, a.hub)
        )

    # -- the appliance ----------------------------------------------------------------------

    def _firewall(self) -> Firewall | None:
        """The appliance every allowed pair crosses: with one firewall entry, it; with several,
        the first (by zone) that is healthy (subnets are regional, so there is no zone to keep
        traffic in)."""
        inspection = self.ctx.hub.inspection
        if inspection is None:
            self.diags.append(
                error(
                    f"hub {self.name!r} has no inspection section, but rules allow traffic "
                    "between its spokes: in hub-spoke the hub's appliance is the only way from "
                    "one spoke to another",
                    path=self.ctx.path,
                    detail="add 'inspection: {vpc: <hub VNet>, firewalls: [{zone, next_hop: "
                    "<NVA or load balancer IP>}]}' to the hub",
                )
            )
            return None
        for index, fw in enumerate(inspection.firewalls):
            hop = self.ctx.transit.next_hops.get(fw.next_hop)
            if hop is None or not hop.subnet.startswith(f"{inspection.vpc}/"):
                self.diags.append(
                    error(
                        f"hub {self.name!r}: firewall next hop {fw.next_hop} is not an address "
                        f"of a subnet of {inspection.vpc} ({self.ctx.scope})",
                        path=f"{self.ctx.path}.inspection.firewalls[{index}].next_hop",
                    )
                )
                return None
        several = one_appliance(self.ctx.hub, self.ctx.path)
        if several:
            self.diags.extend(several)
            return None
        ordered = sorted(inspection.firewalls, key=lambda f: f.zone)
        chosen = next((f for f in ordered if f.healthy), None)
        if chosen is None:
            self.diags.append(
                error(
                    f"hub {self.name!r}: no healthy firewall is left",
                    path=f"{self.ctx.path}.inspection.firewalls",
                    detail="traffic between spokes cannot be routed; mark a firewall healthy",
                )
            )
        elif chosen is not ordered[0]:
            self.diags.append(
                warning(
                    f"hub {self.name!r}: firewall {ordered[0].next_hop} is unhealthy; traffic "
                    f"between spokes goes to {chosen.next_hop} ({chosen.zone})",
                    path=f"{self.ctx.path}.inspection.firewalls",
                )
            )
        return chosen

    # -- routes ---------------------------------------------------------------------------

    def _route(self, table: str, network: str, cidr: str, target: str) -> None:
        key = network_route_key(self.ctx.scope, table, cidr)
        found = self.resources.get(key)
        if isinstance(found, NetworkRoute) and found.target != target:
            self.diags.append(
                warning(
                    f"hub {self.name!r}: route table {table} serves spokes whose peers differ: "
                    f"{cidr} is allowed for one and not for another, so it is routed for both",
                    path=self.ctx.path,
                    detail="give each spoke network a route table of its own",
                )
            )
            if target == BLACKHOLE:
                return  # an allow wins over a drop in a table several spokes share
        self.resources[key] = NetworkRoute(key, self.ctx.scope, table, network, cidr, target)


def _collapse(cidrs: Iterable[str]) -> list[str]:
    nets = [ipaddress.ip_network(c) for c in cidrs]
    v4 = [n for n in nets if isinstance(n, ipaddress.IPv4Network)]
    return [n.with_prefixlen for n in ipaddress.collapse_addresses(v4)]


def _within(cidr: str, blocks: Iterable[str]) -> bool:
    net = ipaddress.ip_network(cidr, strict=False)
    for block in blocks:
        outer = ipaddress.ip_network(block, strict=False)
        if net.version == outer.version and net.subnet_of(outer):  # type: ignore[arg-type]
            return True
    return False


__all__ = [
    "BLACKHOLE",
    "compile_hub_spoke",
    "owned_table_name",
    "peering_name",
]
