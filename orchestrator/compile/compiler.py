"""The compiler proper: segments and rules → groups, address sets and flow rules per scope."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from orchestrator.compile.attachments import compile_attachments
from orchestrator.compile.flows import Flow, collect_flows, merge_port_ranges
from orchestrator.compile.membership import (
    Membership,
    Placement,
    member_scope,
    resolve_membership,
)
from orchestrator.compile.quotas import check_quotas
from orchestrator.compile.transit import compile_transit
from orchestrator.diagnostics import Diagnostic, error
from orchestrator.model.policy import Account, AzureAccount, Policy
from orchestrator.model.ports import PortRange
from orchestrator.state import (
    AddressSet,
    DesiredScope,
    DesiredState,
    FirewallGroup,
    FlowRule,
    Resource,
    Scope,
    ScopeInventory,
    Target,
    TransitInventory,
)
from orchestrator.state.names import owned_name
from orchestrator.state.resources import (
    Direction,
    address_set_key,
    group_key,
    ports_label,
    rule_key,
)

# One line per cloud whose adapter has landed (providers/__init__.py, ADAPTERS).
SUPPORTED_CLOUDS = frozenset(
    {
        "alibaba",
        "aws",
        "azure",
    }
)


def scopes_to_read(policy: Policy) -> dict[Scope, Target]:
    """Every scope whose inventory the compiler needs: where the members live."""
    scopes: dict[Scope, Target] = {}
    for segment in policy.segments:
        for member in segment.members:
            scope = member_scope(policy, member)
            scopes[scope] = account_target(policy.account(member.account))
    return scopes


def account_target(account: Account) -> Target:
    """Who to talk to for ``account``: its cloud, identity and the options its adapter needs."""
    if isinstance(account, AzureAccount):
        return Target(
            "azure",
            account.subscription_id,
            account.name,
            resource_group=account.resource_group,
            existing_nsgs=account.existing_nsgs,
            azure_cloud=account.azure_cloud,
        )
    return Target(
        account.cloud, account.account_id, account.name, getattr(account, "profile", None)
    )


def compile_policy(
    policy: Policy,
    inventory: Mapping[Scope, ScopeInventory],
    transit: Mapping[Scope, TransitInventory] | None = None,
) -> DesiredState:
    """``transit`` holds what routing needs in each hub's scope; without it, no routing is
    compiled (security only)."""
    return compile_resolved(policy, resolve_membership(policy, inventory), inventory, transit)


def compile_resolved(
    policy: Policy,
    membership: Membership,
    inventory: Mapping[Scope, ScopeInventory],
    transit: Mapping[Scope, TransitInventory] | None = None,
) -> DesiredState:
    """``compile_policy`` of a ``membership`` resolved from ``inventory``, for a caller that
    keeps it (``pipeline.Compiled``: every reconciler tick's access check places workloads
    with it instead of resolving the whole estate again, issue 13)."""
    diags = list(_unsupported_clouds(policy))
    diags.extend(membership.diagnostics)
    flows, flow_diags = collect_flows(policy, membership)
    diags.extend(flow_diags)
    builder = _Builder(
        policy.name,
        membership,
        {s.name: policy.attach_mode(s) for s in policy.segments},
        frozenset(s.name for s in policy.segments if policy.asg_membership(s)),
    )
    for placement in membership.placements:
        builder.add_group(placement)
    for flow in flows:
        builder.add_flow(flow)
    routes, route_diags = compile_transit(policy, membership, transit or {}, inventory)
    diags.extend(route_diags)
    attached, attach_diags = compile_attachments(policy, membership, inventory)
    diags.extend(attach_diags)
    scopes = builder.scopes(_merged(routes, attached))
    diags.extend(check_quotas(policy, scopes))
    targets = {s: t for s, t in scopes_to_read(policy).items() if s in scopes}
    return DesiredState(policy.name, scopes, targets, tuple(diags))


def _merged(
    *parts: Mapping[Scope, Mapping[str, Resource]],
) -> dict[Scope, dict[str, Resource]]:
    merged: dict[Scope, dict[str, Resource]] = {}
    for part in parts:
        for scope, found in part.items():
            merged.setdefault(scope, {}).update(found)
    return merged


def _unsupported_clouds(policy: Policy) -> Iterable[Diagnostic]:
    for s_index, segment in enumerate(policy.segments):
        for m_index, member in enumerate(segment.members):
            cloud = policy.account(member.account).cloud
            if cloud not in SUPPORTED_CLOUDS:
                yield error(
                    f"compiling for {cloud} is not supported by this version of eastwest",
                    path=f"segments[{s_index}].members[{m_index}].account",
                    detail="supported: " + ", ".join(sorted(SUPPORTED_CLOUDS)),
                )


# Clouds where a group is attached as part of itself (docs/azure.md, "Attachment").
GROUP_ATTACHING_CLOUDS = frozenset({"azure"})


@dataclass
class _Builder:
    policy: str
    membership: Membership
    attach: Mapping[str, str]  # segment → its attach mode
    asg: frozenset[str] = frozenset()  # segments whose Azure NICs join eastwest's ASG

    def __post_init__(self) -> None:
        self._resources: dict[Scope, dict[str, Resource]] = defaultdict(dict)
        # (segment, direction, peer segment) → the ports wanted and the rules wanting them.
        # Every placement of a segment wants the same, so ports merge once per pair of
        # segments, not once per placement (linear in placements: issue 13).
        self._wants: dict[tuple[str, Direction, str], _Want] = {}

    def add_group(self, placement: Placement) -> None:
        scope, seg = placement.scope, placement.segment
        key = group_key(scope, seg, placement.network)
        self._resources[scope][key] = FirewallGroup(
            key=key,
            scope=scope,
            segment=seg,
            network=placement.network,
            name=owned_name(self.policy, seg),
            description=f"eastwest: segment {seg} of policy {self.policy}",
            # Azure attaches by the NSG's subnet associations, part of the group there.
            attach=self.attach[seg] if scope.cloud in GROUP_ATTACHING_CLOUDS else "",
            asg=scope.cloud == "azure" and seg in self.asg,
        )

    def add_flow(self, flow: Flow) -> None:
        """A flow opens ingress on every placement of its target and egress on every placement
        of its source, each referencing the other side's address set in its own scope."""
        self._want(flow.to, "ingress", flow, peer_segment=flow.from_)
        self._want(flow.from_, "egress", flow, peer_segment=flow.to)

    def _want(self, segment: str, direction: Direction, flow: Flow, peer_segment: str) -> None:
        want = self._wants.setdefault((segment, direction, peer_segment), _Want([], set()))
        want.ports.extend(flow.ports)
        want.names.update(flow.names)

    def _address_set(self, scope: Scope, segment: str) -> AddressSet:
        key = address_set_key(scope, segment)
        existing = self._resources[scope].get(key)
        if isinstance(existing, AddressSet):
            return existing
        cidrs = frozenset(self.membership.cidrs[segment])
        aset = AddressSet(
            key=key,
            scope=scope,
            segment=segment,
            name=owned_name(self.policy, segment),
            cidrs=cidrs,
            max_entries=max(1, len(cidrs)),
        )
        self._resources[scope][key] = aset
        return aset

    def scopes(self, routes: Mapping[Scope, Mapping[str, Resource]]) -> dict[Scope, DesiredScope]:
        for (segment, direction, peer_segment), want in self._wants.items():
            # Ports merge across every rule between the same pair: fewer rules, same meaning.
            description = ("eastwest:" + ",".join(sorted(want.names)))[:255]
            ports = [
                (port, ports_label(port.protocol, port.from_port, port.to_port))
                for port in merge_port_ranges(want.ports)
            ]
            for placement in self.membership.of(segment):
                self._rules(placement, direction, peer_segment, ports, description)
        for scope, found in routes.items():
            self._resources[scope].update(found)
        return {
            scope: DesiredScope(scope, dict(sorted(res.items())))
            for scope, res in sorted(self._resources.items())
        }

    def _rules(
        self,
        placement: Placement,
        direction: Direction,
        peer_segment: str,
        ports: list[tuple[PortRange, str]],
        description: str,
    ) -> None:
        scope = placement.scope
        gkey = group_key(scope, placement.segment, placement.network)
        self._address_set(scope, peer_segment)
        peer = f"set:{peer_segment}"
        resources = self._resources[scope]
        for port, label in ports:
            key = rule_key(gkey, direction, label, peer)
            resources[key] = FlowRule(
                key=key,
                scope=scope,
                group=gkey,
                direction=direction,
                protocol=port.protocol,
                from_port=port.from_port,
                to_port=port.to_port,
                peer=peer,
                description=description,
            )


@dataclass(frozen=True, slots=True)
class _Want:
    ports: list[PortRange]
    names: set[str]
