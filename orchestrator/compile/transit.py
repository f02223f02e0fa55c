"""Transit routing: segments and rules → hub tables, associations, propagations and routes.

In: the policy, the resolved membership, and per hub scope a ``TransitInventory`` (attachments,
subnet route tables, firewall next hops) and the ``ScopeInventory`` (subnet zones).
Out: routing resources per scope, and diagnostics.
Always (the centralized-inspection design): one owned hub table per segment with a routed
network in the hub's scope, each member attachment associated with its segment's table; an
allowed pair without inspection propagates each side's attachments into the other's table
(and a segment's own, so its networks reach each other); an inspected pair gets static routes
for the peer's CIDRs to the inspection attachment in both tables, and the inspection table,
associated with the inspection attachment, learns every inspected member by propagation. Member
subnets route allowed peers' CIDRs to the hub; the inspection network's transit subnets send
inspected CIDRs to the firewall of their zone (or, when it is unhealthy, to a healthy one in
another zone) and the firewall subnets send them back to the hub. A pair with no rule gets
nothing, so it has no route.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from orchestrator.compile.membership import Membership, Placement
from orchestrator.compile.symmetry import pair_firewalls, zone_firewall
from orchestrator.diagnostics import Diagnostic, error, warning
from orchestrator.model.policy import Hub, Policy
from orchestrator.state import (
    ApplianceMode,
    HubAssociation,
    HubPropagation,
    HubRoute,
    HubTable,
    NetworkRoute,
    Resource,
    Scope,
    ScopeInventory,
    TransitAttachment,
    TransitInventory,
)
from orchestrator.state.addresses import collapse, within
from orchestrator.state.names import owned_name
from orchestrator.state.routes import (
    HubRole,
    appliance_key,
    association_key,
    hub_route_key,
    hub_table_key,
    network_route_key,
    propagation_key,
)

# Clouds whose hubs this version routes (one line each); a hub elsewhere gets a warning and no
# routing. Transit hubs with route tables (AWS Transit Gateway, Alibaba CEN Transit Router)
# compile here; a cloud with another shape registers its compiler in HUB_COMPILERS.
ROUTING_CLOUDS = frozenset(
    {
        "aws",
        "alibaba",
        "azure",
    }
)
# Clouds whose network routes into a hub name the network's attachment, not the hub.
ATTACHMENT_NEXT_HOP = frozenset({"alibaba"})
# Clouds whose inspection routes name one firewall per group of pairs across zones (the hub
# keeps no flow on one firewall by itself); elsewhere each zone's own (AWS: appliance mode).
PAIR_SYMMETRY = frozenset({"alibaba"})
DIRECT = "direct"
INSPECTED = "inspected"
_LIVE = frozenset({"available", "pending", "modifying", "pendingAcceptance", ""})


def pair_expectations(policy: Policy) -> dict[tuple[str, str], str]:
    """Each ordered pair a rule allows, both ways (routing is always symmetric); a pair with
    any inspected rule is inspected."""
    found: dict[tuple[str, str], str] = {}
    for rule in policy.rules:
        kind = INSPECTED if rule.inspect else DIRECT
        for pair in ((rule.from_, rule.to), (rule.to, rule.from_)):
            if found.get(pair) != INSPECTED:
                found[pair] = kind
    return found


def hub_scope(policy: Policy, hub: Hub) -> Scope:
    account = policy.account(hub.account)
    ident = account.subscription_id if account.cloud == "azure" else account.account_id
    return Scope(account.cloud, ident, hub.region)


def compile_transit(
    policy: Policy,
    membership: Membership,
    transit: Mapping[Scope, TransitInventory],
    inventory: Mapping[Scope, ScopeInventory],
) -> tuple[dict[Scope, dict[str, Resource]], list[Diagnostic]]:
    resources: dict[Scope, dict[str, Resource]] = defaultdict(dict)
    diags: list[Diagnostic] = []
    expected = pair_expectations(policy)
    for index, hub in enumerate(policy.hubs):
        scope = hub_scope(policy, hub)
        if scope.cloud not in ROUTING_CLOUDS:
            diags.append(
                warning(
                    f"hub {hub.name!r}: transit routing in {scope.cloud} is not managed by this "
                    "version; rules through it are enforced by firewall groups only",
                    path=f"hubs[{index}]",
                )
            )
            continue
        if scope not in transit or scope not in inventory:
            continue
        compiler = HUB_COMPILERS.get(scope.cloud, compile_transit_hub)
        found, problems = compiler(
            HubContext(policy, hub, f"hubs[{index}]", scope, transit[scope], inventory[scope]),
            membership,
            expected,
        )
        resources[scope].update(found)
        diags.extend(problems)
    diags.extend(_unrouted_inspection(policy, membership, transit))
    return dict(resources), diags


def _unrouted_inspection(
    policy: Policy, membership: Membership, transit: Mapping[Scope, TransitInventory]
) -> Iterable[Diagnostic]:
    """An inspected rule between segments no hub routes is allowed by firewall groups only."""
    hubbed = {hub_scope(policy, h) for h in policy.hubs if hub_scope(policy, h) in transit}
    for index, rule in enumerate(policy.rules):
        if not rule.inspect:
            continue
        scopes = {p.scope for p in membership.of(rule.from_)} | {
            p.scope for p in membership.of(rule.to)
        }
        if scopes and not scopes & hubbed:
            yield warning(
                f"rule {rule.name!r} asks for inspection, but no hub with transit routing "
                "covers its segments: the flow is allowed by firewall groups only",
                path=f"rules[{index}].inspect",
                detail="declare a hub (with an inspection section) in the account and region "
                "of its members",
            )


@dataclass(frozen=True)
class HubContext:
    """One hub to compile: where it is, and what was read there."""

    policy: Policy
    hub: Hub
    path: str  # the hub's path in the policy, for diagnostics
    scope: Scope
    transit: TransitInventory
    inventory: ScopeInventory


HubCompiler = Callable[
    [HubContext, Membership, Mapping[tuple[str, str], str]],
    tuple[dict[str, Resource], list[Diagnostic]],
]


def compile_transit_hub(
    ctx: HubContext, membership: Membership, expected: Mapping[tuple[str, str], str]
) -> tuple[dict[str, Resource], list[Diagnostic]]:
    """A hub with route tables: one per segment, associations, propagations, static routes."""
    hub = _Hub(ctx.policy, ctx.hub, ctx.path, ctx.scope, ctx.transit, ctx.inventory)
    hub.compile(membership, expected)
    return hub.resources, hub.diags


def _hub_spoke(
    ctx: HubContext, membership: Membership, expected: Mapping[tuple[str, str], str]
) -> tuple[dict[str, Resource], list[Diagnostic]]:
    """Azure hub-spoke (UDRs to the hub's appliance); imported when used, as it imports this."""
    from orchestrator.compile.hub_spoke import compile_hub_spoke  # noqa: PLC0415 - import cycle

    return compile_hub_spoke(ctx, membership, expected)


# Hubs of another shape than a transit hub with route tables, by cloud.
HUB_COMPILERS: dict[str, HubCompiler] = {"azure": _hub_spoke}


@dataclass
class _Routed:
    """A network whose traffic the hub routes: one segment, attached to the hub."""

    segment: str
    network: str
    attachment: str
    cidrs: tuple[str, ...]
    tables: tuple[str, ...]  # route tables of its member subnets


@dataclass
class _Hub:
    policy: Policy
    hub: Hub
    path: str
    scope: Scope
    transit: TransitInventory
    inventory: ScopeInventory
    resources: dict[str, Resource] = field(default_factory=dict)
    diags: list[Diagnostic] = field(default_factory=list)

    def compile(self, membership: Membership, expected: Mapping[tuple[str, str], str]) -> None:
        info = self.transit.hubs.get(self.hub.transit)
        if info is None:
            self.diags.append(
                error(
                    f"hub {self.hub.name!r}: {self.hub.transit} was not found in {self.scope}",
                    path=f"{self.path}.transit",
                )
            )
            return
        if info.default_association or info.default_propagation:
            self.diags.append(
                warning(
                    f"hub {self.hub.name!r}: {self.hub.transit} associates or propagates new "
                    "attachments into its default route table: a network attached later "
                    "reaches every network propagated there until eastwest's next run",
                    path=f"{self.path}.transit",
                    detail="turn off default route table association and propagation on it",
                )
            )
        routed = self._routed(membership)
        segments = sorted({r.segment for r in routed})
        tables = {s: self._table(s) for s in segments}
        for r in routed:
            self._add(
                HubAssociation(
                    association_key(self.scope, r.attachment),
                    self.scope,
                    r.attachment,
                    r.network,
                    tables[r.segment],
                )
            )
        inspected = {
            (a, b) for a in segments for b in segments if expected.get((a, b)) == INSPECTED
        }
        inspection = self._inspection(inspected, routed, tables) if inspected else None
        for a in segments:
            for b in segments:
                kind = DIRECT if a == b else expected.get((a, b))
                if kind == DIRECT:
                    for r in (r for r in routed if r.segment == b):
                        self._propagate(tables[a], r)
                elif kind == INSPECTED and inspection is not None:
                    for cidr in collapse(c for r in routed if r.segment == b for c in r.cidrs):
                        key = hub_route_key(tables[a], cidr)
                        self._add(HubRoute(key, self.scope, tables[a], cidr, inspection))
        self._spoke_routes(routed, expected)

    # -- members --------------------------------------------------------------------------

    def _routed(self, membership: Membership) -> list[_Routed]:
        by_network: dict[str, list[Placement]] = defaultdict(list)
        for p in membership.placements:
            if p.scope == self.scope:
                by_network[p.network].append(p)
        routed: list[_Routed] = []
        for network, placements in sorted(by_network.items()):
            segments = sorted({p.segment for p in placements})
            if len(segments) > 1:
                self.diags.append(
                    warning(
                        f"hub {self.hub.name!r}: {network} holds segments "
                        f"{', '.join(segments)}; routing cannot separate segments inside one "
                        "network, so the hub routes none of its traffic",
                        path=placements[0].path,
                        detail="firewall groups still enforce the rules between them",
                    )
                )
                continue
            attachment = self._attachment(network)
            if attachment is None:
                self.diags.append(
                    warning(
                        f"hub {self.hub.name!r}: {network} (segment {segments[0]!r}) is not "
                        f"attached to {self.hub.transit}; it gets no transit routes",
                        path=placements[0].path,
                    )
                )
                continue
            cidrs = tuple(c for p in placements for c in p.cidrs)
            tables = self._member_tables(network, cidrs, attachment)
            routed.append(_Routed(segments[0], network, attachment.id, cidrs, tables))
        return routed

    def _attachment(self, network: str) -> TransitAttachment | None:
        return next(
            (
                a
                for a in sorted(self.transit.attachments.values(), key=lambda a: a.id)
                if a.hub == self.hub.transit and a.network == network
            ),
            None,
        )

    def _member_tables(
        self, network: str, cidrs: tuple[str, ...], attachment: TransitAttachment
    ) -> tuple[str, ...]:
        """Route tables of the member's subnets; subnets hosting the attachment are the hub's
        way in, not where workloads live (unless the network has nothing else)."""
        inside = [
            s for s in self.inventory.subnets_of(network) if any(within(c, cidrs) for c in s.cidrs)
        ]
        workloads = [s for s in inside if s.id not in attachment.subnets] or inside
        found = {self.transit.subnet_tables.get(s.id) for s in workloads}
        return tuple(sorted(t for t in found if t))

    # -- hub tables -----------------------------------------------------------------------

    def _table(self, segment: str | None) -> str:
        key = hub_table_key(self.scope, self.hub.name, segment)
        role: HubRole = "segment" if segment is not None else "inspection"
        self._add(
            HubTable(
                key,
                self.scope,
                self.hub.transit,
                self.hub.name,
                role,
                segment or "",
                owned_name(self.policy.name, segment or "inspection"),
            )
        )
        return key

    def _propagate(self, table: str, r: _Routed) -> None:
        key = propagation_key(table, r.attachment)
        self._add(HubPropagation(key, self.scope, table, r.attachment, r.network))

    def _add(self, resource: Resource) -> None:
        self.resources[resource.key] = resource

    # -- inspection -----------------------------------------------------------------------

    def _inspection(
        self,
        inspected: set[tuple[str, str]],
        routed: list[_Routed],
        tables: Mapping[str, str],
    ) -> str | None:
        """The inspection attachment's id, with its table, return path and subnet routes."""
        inspection = self.hub.inspection
        if inspection is None:
            pairs = ", ".join(f"{a} → {b}" for a, b in sorted(inspected) if a < b)
            self.diags.append(
                error(
                    f"hub {self.hub.name!r} has no inspection section, but rules ask for "
                    f"inspection between {pairs}",
                    path=self.path,
                    detail="add 'inspection: {vpc, firewalls}' to the hub, or drop "
                    "'inspect: true' from those rules",
                )
            )
            return None
        attachment = self._attachment(inspection.vpc)
        if attachment is None:
            self.diags.append(
                error(
                    f"hub {self.hub.name!r}: the inspection network {inspection.vpc} is not "
                    f"attached to {self.hub.transit}",
                    path=f"{self.path}.inspection.vpc",
                )
            )
            return None
        table = self._table(None)
        self._add(
            HubAssociation(
                association_key(self.scope, attachment.id),
                self.scope,
                attachment.id,
                inspection.vpc,
                table,
            )
        )
        self._add(
            ApplianceMode(
                appliance_key(self.scope, attachment.id), self.scope, attachment.id, table
            )
        )
        segments = {s for pair in inspected for s in pair}
        for r in routed:
            if r.segment in segments:
                self._propagate(table, r)
        cidrs = collapse(c for r in routed if r.segment in segments for c in r.cidrs)
        self._firewall_routes(attachment, cidrs, (inspected, routed))
        return attachment.id

    def _firewall_routes(
        self,
        attachment: TransitAttachment,
        cidrs: list[str],
        pairs: tuple[set[tuple[str, str]], list[_Routed]],
    ) -> None:
        """Transit subnets → a firewall (of their zone, or of the pair: ``symmetry.py``);
        firewall subnets → back to the hub."""
        inspection = self.hub.inspection
        assert inspection is not None
        if self.scope.cloud in PAIR_SYMMETRY:
            self._pair_routes(attachment, *pairs)
        else:
            self._zone_routes(attachment, cidrs)
        for index, fw in enumerate(inspection.firewalls):
            hop = self.transit.next_hops.get(fw.next_hop)
            table = self.transit.subnet_tables.get(hop.subnet) if hop is not None else None
            if table is None:
                self.diags.append(
                    error(
                        f"hub {self.hub.name!r}: firewall next hop {fw.next_hop} was not found "
                        f"in {inspection.vpc} ({self.scope})",
                        path=f"{self.path}.inspection.firewalls[{index}].next_hop",
                    )
                )
                continue
            for cidr in cidrs:
                self._route(table, inspection.vpc, cidr, self._into_hub(attachment.id))

    def _transit_tables(self, attachment: TransitAttachment) -> dict[str, set[str]]:
        """The route tables of the inspection attachment's subnets, with their zones."""
        zones = {s.id: s.zone for s in self.inventory.subnets}
        by_table: dict[str, set[str]] = defaultdict(set)
        for subnet in attachment.subnets:
            table = self.transit.subnet_tables.get(subnet)
            if table is not None:
                by_table[table].add(zones.get(subnet, ""))
        return by_table

    def _zone_routes(self, attachment: TransitAttachment, cidrs: list[str]) -> None:
        assert self.hub.inspection is not None
        for table, table_zones in sorted(self._transit_tables(attachment).items()):
            if len(table_zones) > 1:
                self.diags.append(
                    error(
                        f"hub {self.hub.name!r}: route table {table} serves the inspection "
                        f"network's transit subnets in zones {', '.join(sorted(table_zones))}; "
                        "each zone's traffic must go to its own firewall",
                        path=f"{self.path}.inspection",
                        detail="give each zone's transit subnet a route table of its own",
                    )
                )
                continue
            firewall, said = zone_firewall(self.hub, self.path, next(iter(table_zones)))
            self.diags.extend(said)
            if firewall is None:
                return
            for cidr in cidrs:
                self._route(table, self.hub.inspection.vpc, cidr, firewall.next_hop)

    def _pair_routes(
        self, attachment: TransitAttachment, inspected: set[tuple[str, str]], routed: list[_Routed]
    ) -> None:
        """Every zone's transit table names one firewall per group of pairs: both directions
        of a pair cross it, whichever zone each end enters from."""
        assert self.hub.inspection is not None
        cidrs: dict[str, list[str]] = defaultdict(list)
        for r in routed:
            cidrs[r.segment].extend(r.cidrs)
        chosen, said = pair_firewalls(self.hub, self.path, inspected, cidrs)
        self.diags.extend(said)
        for table in sorted(self._transit_tables(attachment)):
            for group, firewall in chosen:
                for cidr in collapse(c for s in group for c in cidrs.get(s, ())):
                    self._route(table, self.hub.inspection.vpc, cidr, firewall.next_hop)

    # -- network routes -------------------------------------------------------------------

    def _spoke_routes(self, routed: list[_Routed], expected: Mapping[tuple[str, str], str]) -> None:
        """Each member subnet's table sends allowed peers' CIDRs to the hub."""
        for r in routed:
            peers = [
                p
                for p in routed
                if p.network != r.network
                and (p.segment == r.segment or (r.segment, p.segment) in expected)
            ]
            for cidr in collapse(c for p in peers for c in p.cidrs):
                for table in r.tables:
                    self._route(table, r.network, cidr, self._into_hub(r.attachment))

    def _into_hub(self, attachment: str) -> str:
        """Where a network's routes into the hub point: the hub itself (AWS), or the
        network's own attachment to it (clouds whose route entries name the attachment)."""
        return attachment if self.scope.cloud in ATTACHMENT_NEXT_HOP else self.hub.transit

    def _route(self, table: str, network: str, cidr: str, target: str) -> None:
        key = network_route_key(self.scope, table, cidr)
        self._add(NetworkRoute(key, self.scope, table, network, cidr, target))
