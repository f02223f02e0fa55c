"""Application security group membership (``segments[].azure.asg_membership``), the pure half,
and which rules name an ASG instead of prefixes (``peers``).

In: one owned NSG as ARM returns it (its ``eastwest:asg`` tag says the segment opted in), the
group's member subnets, the resource group's ASGs and NICs as ARM returns them. Out: eastwest's
ASG for the group (its name and marks), the NICs in scope, each NIC's body with its membership
brought in line, and the problems the observation reports (so the plan shows the group ``~``
until apply has done them). Always: only eastwest's own ASG id is added to or removed from a
NIC's ``ipConfigurations[].applicationSecurityGroups``; every other entry, and everything else
in the NIC, is sent back as read.

Rules: a rule of an opted-in group whose peer segment has an opted-in group in the same VNet,
and lies wholly inside that VNet's address space, names the peer's ASG (one per side: the other
members of that segment are elsewhere, and a rule takes prefixes or ASGs, not both). Otherwise it
names prefixes, as without the option.

Why a NIC, not an IP configuration, is the unit: NRP wants every IPv4 configuration of a NIC in
the same ASGs (``AllIpConfigurationsOnANicMustBelongToTheSameApplicationSecurityGroups``), so one
PUT per NIC carries all of its configurations' lists. A NIC is in scope when its primary
configuration is in a member subnet. Kinds a workload group must not touch stay out: NICs with
IP forwarding on (network virtual appliances, the ``firewall`` kind) and private endpoints' NICs
(Azure manages them and refuses the write). Scale sets' NICs are not resources of the resource
group (NRP lists them under the scale set), so they are never read or written here.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from orchestrator.state import AddressSet, DesiredScope, FirewallGroup, Scope
from providers.azure import translate as tr
from providers.core.marks import Marks

Payload = Mapping[str, Any]

TAG_ASG = tr.TAG_ASG  # on the group's NSG: "members" when the segment opted in
MEMBERS = "members"


def wanted(nsg: Payload) -> bool:
    return tr.tags_of(nsg).get(TAG_ASG) == MEMBERS


def asg_tags(policy: str, scope: Scope, key: str, segment: str) -> dict[str, str]:
    """Every mark ownership is proven by (``providers/core/marks.py``)."""
    return Marks(policy, scope).tags(key, segment)


def owned(asg: Payload, policy: str, scope: Scope, key: str) -> bool:
    """eastwest's ASG for the group ``key``: all of the marks, the very key, this region."""
    tags = tr.tags_of(asg)
    return Marks(policy, scope).owns(tags, key, kind="fwgroup/") and (
        tr.region_of(str(asg.get("location", ""))) == scope.region
    )


def find(asgs: Iterable[Payload], name: str) -> Payload | None:
    return next((a for a in asgs if str(a.get("name", "")).lower() == name.lower()), None)


def _configs(nic: Payload) -> list[Payload]:
    return list(tr.props(nic).get("ipConfigurations") or ())


def _primary(nic: Payload) -> Payload | None:
    configs = _configs(nic)
    return next((c for c in configs if tr.props(c).get("primary")), configs[0] if configs else None)


def _ids(config: Payload) -> list[str]:
    return [str(a.get("id", "")) for a in tr.props(config).get("applicationSecurityGroups") or ()]


def excluded(nic: Payload) -> bool:
    p = tr.props(nic)
    return bool(p.get("enableIPForwarding") or p.get("privateEndpoint"))


def in_scope(nics: Iterable[Payload], subnets: Iterable[Payload]) -> list[Payload]:
    """The NICs whose primary configuration is in one of ``subnets`` (kinds left out above)."""
    ids = {str(s.get("id", "")).lower() for s in subnets}
    found = []
    for nic in nics:
        primary = _primary(nic)
        subnet = str(tr.props(primary).get("subnet", {}).get("id", "")) if primary else ""
        if subnet.lower() in ids and not excluded(nic):
            found.append(nic)
    return found


def is_member(nic: Payload, asg_id: str) -> bool:
    """Every configuration in the ASG (NRP keeps them alike; one left out is not a member)."""
    configs = _configs(nic)
    return bool(configs) and all(asg_id.lower() in map(str.lower, _ids(c)) for c in configs)


def holding(nics: Iterable[Payload], asg_id: str) -> list[Payload]:
    """The NICs any of whose configurations names the ASG."""
    return [n for n in nics if any(asg_id.lower() in map(str.lower, _ids(c)) for c in _configs(n))]


def with_membership(nic: Payload, asg_id: str, *, member: bool) -> dict[str, Any]:
    """The NIC's PUT body: ``asg_id`` added to (or removed from) every configuration's list,
    the other ASGs in their order, everything else as read (ARM's read-only echoes dropped)."""
    configs = []
    for config in _configs(nic):
        others = [
            dict(a)
            for a in tr.props(config).get("applicationSecurityGroups") or ()
            if str(a.get("id", "")).lower() != asg_id.lower()
        ]
        refs = [*others, {"id": asg_id}] if member else others
        cprops = {k: v for k, v in tr.props(config).items() if k != "provisioningState"}
        cprops["applicationSecurityGroups"] = refs
        configs.append({"name": config["name"], "properties": cprops})
    nprops = {k: v for k, v in tr.props(nic).items() if k not in _NIC_READ_ONLY}
    nprops["ipConfigurations"] = configs
    body = {k: v for k, v in nic.items() if k in ("location", "tags")}
    return {**body, "properties": nprops}


_NIC_READ_ONLY = frozenset(
    {"provisioningState", "resourceGuid", "virtualMachine", "macAddress", "primary",
     "hostedWorkloads", "tapConfigurations", "vnetEncryptionSupported", "dscpConfiguration"}
)  # fmt: skip


def problems(
    scope: Scope,
    nsg: Payload,
    asgs: Sequence[Payload],
    nics: Sequence[Payload],
    subnets: Sequence[Payload],
) -> list[str]:
    """What apply will do about the group's ASG, said in the observed group's description
    (an ASG of eastwest's name without all of its marks is said too: apply refuses it)."""
    name, tags = str(nsg["name"]), tr.tags_of(nsg)
    asg = find(asgs, name)
    if asg is None:
        return [f"application security group {name} is missing"]
    if not owned(asg, tags.get(tr.TAG_POLICY, ""), scope, tags.get(tr.TAG_KEY, "")):
        return [f"application security group {name} is not eastwest's (apply refuses it)"]
    asg_id = str(asg["id"])
    inside = in_scope(nics, subnets)
    wanted_ids = {str(n["id"]).lower() for n in inside}
    joining = sorted(str(n["name"]) for n in inside if not is_member(n, asg_id))
    leaving = sorted(
        str(n["name"]) for n in holding(nics, asg_id) if str(n["id"]).lower() not in wanted_ids
    )
    return [f"NIC {n} is not in {name}" for n in joining] + [
        f"NIC {n} is in {name} but in no member subnet" for n in leaving
    ]


@dataclass(frozen=True, slots=True)
class OptedIn:
    """A group whose NICs join its ASG: its segment, VNet, key and ASG (= NSG) name."""

    segment: str
    network: str
    key: str
    name: str


# The token of a peer whose ASG should exist but does not yet (the plan shows its rules
# replaced; apply names the ASG once it made it).
MISSING = tr.asg_token("?")


def peers(  # noqa: PLR0917 - the facts of one decision, called from reader and writer
    policy: str,
    scope: Scope,
    group: OptedIn,
    opted: Iterable[OptedIn],
    asgs: Sequence[Payload],
    prefixes: Mapping[str, Sequence[str]],
    vnet: Payload,
) -> dict[str, str]:
    """Peer segment → the token its rules in ``group``'s NSG use instead of prefixes
    (``translate.asg_token``; ``MISSING`` when its ASG is not there yet)."""
    space = [
        ipaddress.ip_network(p, strict=False)
        for p in (tr.props(vnet).get("addressSpace") or {}).get("addressPrefixes") or ()
    ]
    found: dict[str, str] = {}
    for other in opted:
        if other.network != group.network or other.segment == group.segment:
            continue
        held = prefixes.get(other.segment, ())
        inside = held and all(_within(ipaddress.ip_network(p, strict=False), space) for p in held)
        if not inside:
            continue
        asg = find(asgs, other.name)
        ok = asg is not None and owned(asg, policy, scope, other.key)
        found[other.segment] = tr.asg_token(str(asg["id"])) if ok and asg else MISSING
    return found


def _within(block: Any, space: Sequence[Any]) -> bool:
    return any(block.version == n.version and block.subnet_of(n) for n in space)


def with_peers(
    known: Mapping[str, Sequence[str]], tokens: Mapping[str, str]
) -> dict[str, tuple[str, ...]]:
    """``known`` with each ASG peer's prefixes replaced by its token (one NSG's view)."""
    return {**{k: tuple(v) for k, v in known.items()}, **{k: (t,) for k, t in tokens.items()}}


def opted_in(nsgs: Iterable[Payload], desired: DesiredScope | None) -> list[OptedIn]:
    """The opted-in groups: as the policy wants them when known (so a plan already shows the
    rules an opt-in rewrites), else as their NSGs' tags say."""
    if desired is not None:
        return [
            OptedIn(g.segment, g.network, g.key, tr.nsg_name(g))
            for g in desired.of_kind(FirewallGroup)
            if g.asg
        ]
    found = []
    for nsg in nsgs:
        tags = tr.tags_of(nsg)
        if wanted(nsg):
            key = tags.get(tr.TAG_KEY, "")
            segment = tags.get(tr.TAG_SEGMENT, "")
            found.append(OptedIn(segment, key.rsplit("@", 1)[-1], key, str(nsg["name"])))
    return found


def observed_tokens(  # noqa: PLR0917 - the reader's facts, called once
    policy: str,
    scope: Scope,
    nsgs: Sequence[Payload],
    vnets: Mapping[str, Payload],
    asgs: Sequence[Payload],
    known: Mapping[str, Sequence[str]],
    desired: DesiredScope | None,
) -> tuple[dict[str, dict[str, str]], dict[str, tuple[str, ...]]]:
    """Per NSG name, its ASG peers' tokens; and the prefixes of segments its rules name only
    by ASG (from the policy: such rules hold none), so their address sets read as they are."""
    opted = opted_in(nsgs, desired)
    wanted_sets = {a.segment: tuple(sorted(a.cidrs)) for a in _address_sets(desired)}
    prefixes = {**known, **wanted_sets}
    tokens: dict[str, dict[str, str]] = {}
    for nsg in nsgs:
        key = tr.tags_of(nsg).get(tr.TAG_KEY, "")
        group = next((o for o in opted if o.key == key), None)
        vnet = vnets.get(key.rsplit("@", 1)[-1])
        if group is not None and vnet is not None:
            tokens[str(nsg["name"])] = peers(policy, scope, group, opted, asgs, prefixes, vnet)
    named = {seg for found in tokens.values() for seg in found}
    extra = {s: wanted_sets[s] for s in named if s not in known and s in wanted_sets}
    return tokens, extra


def _address_sets(desired: DesiredScope | None) -> list[AddressSet]:
    return list(desired.of_kind(AddressSet)) if desired is not None else []
