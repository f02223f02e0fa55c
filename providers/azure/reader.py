"""Reading Azure: inventory and observation, every list followed through its ``nextLink``.

In: a ``NetworkManagementClient``, the resource group and the scope. Out: ``ScopeInventory``
(VNets and subnets of the region, by name) or ``ObservedScope`` (owned NSGs, their rules, the
segments' address sets as those rules hold them, eastwest's routes in route tables, the
digests recorded at the last apply, and conflicts: unowned routes on destinations eastwest
wants, member subnets that hold somebody else's NSG), eastwest's VNet peerings (named
``eastwest-<policy>-…``) with the digests on their VNets, and somebody else's peering between
two VNets eastwest wants to peer (a conflict). With sharing on, a shared NSG that is not
in step with its group is one of the group's problems.
Always: three list calls per observation (five when a group's NICs join its ASG: ASGs, NICs;
NSGs with their rules inline; VNets with their
subnets; route tables with their routes);
any failed page fails the whole read (the SDK raises, the adapter turns it into an
``ObservationError``); nothing is written.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from orchestrator.state import (
    DesiredScope,
    NativeRef,
    NetworkRoute,
    ObservedScope,
    Resource,
    Scope,
    ScopeInventory,
)
from orchestrator.state.routes import NetworkPeering, route_owner
from providers.azure import asg as ag
from providers.azure import attach as at
from providers.azure import peerings as pr
from providers.azure import translate as tr
from providers.azure import translate_nsg as trn
from providers.azure import translate_routes as trr
from providers.azure.conflicts import nsg_conflicts
from providers.azure.records import recorded_groups
from providers.azure.shared import Sharing, shared_problems
from providers.core.reads import UNSHARED, Shared

if TYPE_CHECKING:
    from azure.mgmt.network import NetworkManagementClient

Payload = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Membership:
    """The resource group's application security groups and network interfaces, as read."""

    asgs: Sequence[Payload]
    nics: Sequence[Payload]


def as_payloads(items: Iterable[Any]) -> list[Payload]:
    """SDK models as ARM's JSON (the REST shape, ``properties`` nested)."""
    return [item.as_dict() if hasattr(item, "as_dict") else dict(item) for item in items]


def list_vnets(
    client: NetworkManagementClient, group: str, region: str, shared: Shared = UNSHARED
) -> list[Payload]:
    vnets = shared("vnets", lambda: as_payloads(client.virtual_networks.list(group)))
    return [v for v in vnets if tr.region_of(str(v.get("location", ""))) == region]


def list_nsgs(
    client: NetworkManagementClient, group: str, shared: Shared = UNSHARED
) -> list[Payload]:
    return shared("nsgs", lambda: as_payloads(client.network_security_groups.list(group)))


def read_inventory(
    client: NetworkManagementClient, group: str, scope: Scope, shared: Shared = UNSHARED
) -> ScopeInventory:
    vnets = list_vnets(client, group, scope.region, shared)
    return ScopeInventory(
        scope,
        tuple(tr.network_from_vnet(v) for v in vnets),
        tuple(s for v in vnets for s in tr.subnets_from_vnet(v)),
    )


def read_owned(
    client: NetworkManagementClient,
    group: str,
    scope: Scope,
    policy: str,
    desired: DesiredScope | None = None,
    *,
    share: bool = False,
    shared: Shared = UNSHARED,
) -> ObservedScope:
    """What the policy owns in the scope. Through ``shared``, the NSGs, VNets and route tables
    it reads serve the access check too (providers/core/reads.py)."""
    every = list_nsgs(client, group, shared)
    nsgs = [n for n in every if tr.is_owned(n, policy, scope)]
    sharing = sharing_of(every, policy, group) if share else None
    vnets = {v["name"]: v for v in list_vnets(client, group, scope.region, shared)}
    tables = [
        t
        for t in shared("route_tables", lambda: as_payloads(client.route_tables.list(group)))
        if tr.region_of(str(t.get("location", ""))) == scope.region
    ]
    eastwest = {str(n["id"]).lower() for n in every if tr.tags_of(n).get(tr.TAG_MANAGED) == "true"}
    opting = any(ag.wanted(n) for n in nsgs) or bool(ag.opted_in((), desired))
    members = read_members(client, group) if opting else None
    observed = observe_nsgs(
        scope, policy, nsgs, vnets, sharing, eastwest=eastwest, members=members, desired=desired
    )
    routes = observe_routes(scope, policy, tables, vnets, trn.consensus(nsgs), desired)
    peerings = observe_peerings(scope, policy, vnets, desired)
    parts = (observed, routes, peerings)
    return ObservedScope(
        scope,
        {k: v for part in parts for k, v in part.resources.items()},
        {k: v for part in parts for k, v in part.native.items()},
        {k: v for part in parts for k, v in part.applied.items()},
        {
            **routes.foreign,
            **peerings.foreign,
            **nsg_conflicts(nsgs, vnets, desired, sharing, eastwest=eastwest, every=every),
        },
    )


def read_members(client: NetworkManagementClient, group: str) -> Membership:
    """ASGs and NICs, read only when a group has opted in to ASG membership (two lists)."""
    asgs = as_payloads(client.application_security_groups.list(group))
    return Membership(asgs, as_payloads(client.network_interfaces.list(group)))


def observe_peerings(
    scope: Scope, policy: str, vnets: Mapping[str, Payload], desired: DesiredScope | None
) -> ObservedScope:
    """Pure: eastwest's peerings (by name prefix), the digests recorded on their VNets, and
    somebody else's peerings between VNets the policy wants peered (conflicts)."""
    found = pr.observed_peerings(scope, policy, vnets.values())
    wanted = [
        r
        for r in (desired.resources.values() if desired is not None else ())
        if isinstance(r, NetworkPeering)
    ]
    return ObservedScope(
        scope,
        {p.key: p for p, _ in found},
        {p.key: NativeRef(name) for p, name in found},
        pr.applied_digests(scope, policy, vnets.values()),
        pr.foreign_peerings(vnets, policy, wanted),
    )


def sharing_of(every: list[Payload], policy: str, group: str) -> Sharing:
    """What may take eastwest's rules: NSGs of no eastwest policy (another policy's NSG would
    read eastwest's rules as its own drift)."""
    unowned = {
        str(n["id"]).lower(): n for n in every if tr.tags_of(n).get(tr.TAG_MANAGED) != "true"
    }
    return Sharing(policy, group, unowned)


def observe_routes(  # noqa: PLR0917 - the pure half of read_owned, called once
    scope: Scope,
    policy: str,
    tables: list[Payload],
    vnets: dict[str, Payload],
    known: Mapping[str, Sequence[str]],
    desired: DesiredScope | None,
) -> ObservedScope:
    """Pure: eastwest's routes in every route table (by name prefix), the digest recorded at
    the last apply, and unowned routes on destinations the policy wants (conflicts)."""
    wanted: dict[str, list[NetworkRoute]] = defaultdict(list)
    for res in desired.resources.values() if desired is not None else ():
        if isinstance(res, NetworkRoute):
            wanted[res.table].append(res)
    resources: dict[str, Resource] = {}
    native: dict[str, NativeRef] = {}
    applied: dict[str, str] = {}
    foreign: dict[str, str] = {}
    for table in tables:
        name = str(table["name"])
        for route, route_name in trr.observed_routes(scope, policy, table, vnets, known):
            resources[route.key] = route
            native[route.key] = NativeRef(route_name)
        digest = tr.tags_of(table).get(trr.digest_tag(policy))
        if digest:
            applied[route_owner(scope, name)] = digest
        foreign.update(trr.foreign_routes(table, policy, wanted.get(name, ())))
        if trr.decoy_table(table, policy, scope):
            what = f"the route table {name}, named as eastwest's without all of its marks,"
            foreign.update({w.key: what for w in wanted.get(name, ())})
    return ObservedScope(scope, resources, native, applied, foreign)


def observe_nsgs(
    scope: Scope,
    policy: str,
    nsgs: list[Payload],
    vnets: dict[str, Payload],
    sharing: Sharing | None = None,
    *,
    eastwest: Collection[str] = (),
    members: Membership | None = None,
    desired: DesiredScope | None = None,
) -> ObservedScope:
    """Pure: owned NSGs (and the VNets they serve) as an observation; with ``sharing``, what
    differs in the shared NSGs of a group is one of its problems (apply repairs it).
    ``eastwest``: ids of every eastwest policy's NSGs (never taken over); ``members``: the
    ASGs and NICs, for the groups whose NICs join eastwest's ASG; ``desired``: which groups
    opt in to it (their rules with each other name ASGs)."""
    known = trn.consensus(nsgs)
    tokens: dict[str, dict[str, str]] = {}
    if members is not None:
        tokens, extra = ag.observed_tokens(policy, scope, nsgs, vnets, members.asgs, known, desired)
        known = {**known, **extra}
    resources: dict[str, Resource] = {}
    native: dict[str, NativeRef] = {}
    applied: dict[str, str] = {}
    for segment, prefixes in known.items():
        aset = tr.address_set(scope, policy, segment, prefixes)
        resources[aset.key] = aset
        native[aset.key] = NativeRef(tr.encode_prefixes(prefixes))
    for nsg in sorted(nsgs, key=lambda n: str(n["name"])):
        view = trn.read_nsg(scope, nsg, ag.with_peers(known, tokens.get(str(nsg["name"]), {})))
        problems = list(view.problems)
        vnet = vnets.get(view.group.network)
        if vnet is not None and view.group.segment in known:
            subnets = tr.member_subnets(vnet, known[view.group.segment])
            problems.extend(at.problems(nsg, subnets, eastwest))
            if members is not None and ag.wanted(nsg):
                problems.extend(ag.problems(scope, nsg, members.asgs, members.nics, subnets))
            if sharing is not None and at.mode_of(nsg) == "add":
                problems.extend(shared_problems(nsg, subnets, view.group.segment, sharing))
        group = view.group
        if problems:
            # Part of the group's identity: a missing deny rule or a lost association makes
            # the group differ from the desired one, so the plan shows it and apply repairs it.
            group = replace(group, description=f"{group.description} [{'; '.join(problems)}]")
        resources[group.key] = group
        native[group.key] = NativeRef(view.name)
        for native_rule in view.rules:
            resources[native_rule.rule.key] = native_rule.rule
        digest = tr.tags_of(nsg).get(tr.TAG_RULES_DIGEST)
        if digest:
            applied[group.key] = digest
    # A group whose NSG is gone is still known from its VNet's record: recreating it is drift.
    for key, digest in recorded_groups(scope, policy, vnets.values()).items():
        applied.setdefault(key, digest)
    return ObservedScope(scope, resources, native, applied)
