"""Reading effective access on Alibaba Cloud: every security group rule on each workload ENI,
eastwest's or not, as one neutral ``RuleSet`` per ENI.

Read-only, each call paged at its largest size: ``DescribeNetworkInterfaces`` (``MaxResults``
500), ``DescribeSecurityGroupAttribute`` per group (1000), ``GetVpcPrefixListEntries`` (100) for
prefix-list peers, and ``DescribeSecurityGroups`` (100) for names only when a finding shows them
and a group's name is not known already (the attribute answer carries it, and the observation
shares its owned groups' names). Through ``shared`` (the scope's ``ScopeReads``), the ENIs the
inventory read (``PageSize`` 1000) and the owned groups' rules, names and prefix lists the
observation read are used rather than read again. ECS merges the rules of every (basic) group on
an ENI and decides by priority, 1 first, a ``Drop`` winning a tie; what no rule matches is
denied inbound and allowed outbound (written here as rules at priority 101, below any real one),
and instances of one group reach each other (``InnerAccessPolicy`` ``Accept``, also priority
101). A rule naming a group as its peer stands for the addresses of the ENIs in it. Workloads
are ENIs that no cloud service manages (``ServiceManaged``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import replace
from typing import Any

from orchestrator.state import Scope
from orchestrator.state.access import AccessModel, Combine, EffectiveRule, RuleSet, Workload
from providers.alibaba.reader import (
    GROUP_NAMES,
    PREFIX_ENTRIES,
    Api,
    group_rules,
    rules_kind,
    tokens,
)
from providers.core.reads import UNSHARED, Shared

_MAX_ENIS, _MAX_GROUPS, _MAX_ENTRIES = "500", "100", "100"
_ENIS = ("NetworkInterfaceSets", "NetworkInterfaceSet")
_GROUPS = ("SecurityGroups", "SecurityGroup")
_DEFAULT = 101  # below every real priority (1-100)
_PROTOCOLS = {"tcp": "tcp", "udp": "udp", "icmp": "icmp", "all": "all"}


def read_access(
    api: Api, scope: Scope, shared: Shared = UNSHARED, networks: Collection[str] | None = None
) -> AccessModel:
    """The workloads of ``networks`` (None: all), with the rules of every group on them."""
    r = scope.region
    listed = shared("enis", lambda: list(tokens(api, r, "ecs", "DescribeNetworkInterfaces",
                                                _ENIS, MaxResults=_MAX_ENIS)))  # fmt: skip
    every = [e for e in listed if not e.get("ServiceManaged", False)]
    # A group peer stands for every ENI holding the group, judged or not; but only groups on
    # a judged ENI have their rules read (one call each: ECS has no batched rule read).
    members = _addresses_by_group(every)
    enis = [e for e in every if networks is None or e["VpcId"] in networks]
    names: dict[str, str] = dict(shared(GROUP_NAMES, lambda: {}))
    judged = sorted({g for e in enis for g in _groups_of(e)})
    raw = {g: shared(rules_kind(g), _rules(api, r, g, names)) for g in judged}
    known: Mapping[str, tuple[str, ...]] = shared(PREFIX_ENTRIES, lambda: {})
    lists = {pl: known.get(pl) or _entries(api, r, pl) for pl in _prefix_lists(raw)}

    def model(names: Mapping[str, str]) -> AccessModel:
        rules = {
            g: [*(_rule(names.get(g, g), x, members, lists) for x in found),
                *_defaults(g, members)]
            for g, found in raw.items()
        }  # fmt: skip
        return AccessModel(scope, tuple(_workload(e, names, rules) for e in enis))

    def named() -> AccessModel:
        if all(g in names for g in raw):
            return model({g: _label(g, names[g]) for g in raw})
        return model(_names(api, r))

    # Judged with groups known by id; their names only for a finding to show.
    return replace(model({}), named=named)


def _names(api: Api, region: str) -> dict[str, str]:
    groups = tokens(api, region, "ecs", "DescribeSecurityGroups", _GROUPS, MaxResults=_MAX_GROUPS)
    return {g["SecurityGroupId"]: _label(g["SecurityGroupId"], g.get("SecurityGroupName", ""))
            for g in groups}  # fmt: skip


def _label(group: str, name: object) -> str:
    return f"{group} ({name})"


def _rules(
    api: Api, region: str, group: str, names: dict[str, str]
) -> Callable[[], list[Mapping[str, Any]]]:
    def seen(body: Mapping[str, Any]) -> None:
        names[group] = str(body.get("SecurityGroupName", ""))

    return lambda: list(group_rules(api, region, group, seen))


def _groups_of(eni: Mapping[str, Any]) -> list[str]:
    return list(eni.get("SecurityGroupIds", {}).get("SecurityGroupId", []))


def _addresses_by_group(enis: Sequence[Mapping[str, Any]]) -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = defaultdict(list)
    for eni in enis:
        for g in _groups_of(eni):
            found[g].append(f"{eni['PrivateIpAddress']}/32")
    return {k: tuple(v) for k, v in found.items()}


def _prefix_lists(raw: Mapping[str, Sequence[Mapping[str, Any]]]) -> list[str]:
    found = {
        x.get(key, "")
        for rules in raw.values()
        for x in rules
        for key in ("SourcePrefixListId", "DestPrefixListId")
    }
    return sorted(p for p in found if p)


def _entries(api: Api, region: str, pl: str) -> tuple[str, ...]:
    rows = tokens(
        api, region, "vpc", "GetVpcPrefixListEntries", ("PrefixListEntry",),
        PrefixListId=pl, MaxResults=_MAX_ENTRIES,
    )  # fmt: skip
    return tuple(row["Cidr"] for row in rows)


def _rule(
    group: str,
    raw: Mapping[str, Any],
    members: Mapping[str, tuple[str, ...]],
    lists: Mapping[str, tuple[str, ...]],
) -> EffectiveRule:
    ingress = raw.get("Direction", "ingress") == "ingress"
    side = "Source" if ingress else "Dest"
    cidr = raw.get(f"{side}CidrIp", "")
    peers = (
        (cidr,)
        if cidr
        else lists.get(raw.get(f"{side}PrefixListId", ""))
        or members.get(raw.get(f"{side}GroupId", ""), ())
    )
    low, high = _ports(str(raw.get("PortRange", "-1/-1")))
    return EffectiveRule(
        group, raw.get("SecurityGroupRuleId", "?"), ingress,
        str(raw.get("Policy", "Accept")).lower() == "accept",
        _PROTOCOLS.get(str(raw.get("IpProtocol", "")).lower(), "other"),
        low, high, peers, int(raw.get("Priority") or 1),
    )  # fmt: skip


def _ports(text: str) -> tuple[int, int]:
    low, _, high = text.partition("/")
    return (0, 65535) if low in ("-1", "") else (int(low), int(high or low))


def _defaults(group: str, members: Mapping[str, tuple[str, ...]]) -> list[EffectiveRule]:
    def default(name: str, ingress: bool, allow: bool, peers: tuple[str, ...]) -> EffectiveRule:
        # Inner access one step above the defaults: a tie would let the drop win.
        rank = _DEFAULT if name.startswith("(inner") else _DEFAULT + 1
        return EffectiveRule(group, name, ingress, allow, "all", 0, 65535, peers, rank)

    return [
        default("(inner access: the group's own instances)", True, True, members.get(group, ())),
        default("(default: outbound accepted)", False, True, ("0.0.0.0/0",)),
        default("(default: inbound dropped)", True, False, ("0.0.0.0/0",)),
    ]


def _workload(
    eni: Mapping[str, Any], names: Mapping[str, str], rules: Mapping[str, Sequence[EffectiveRule]]
) -> Workload:
    groups = _groups_of(eni)
    eni_id = eni["NetworkInterfaceId"]
    labels = ", ".join(names.get(g, g) for g in groups) or "none"
    merged = tuple(r for g in groups for r in rules.get(g, ()))
    rule_set = RuleSet(f"groups {labels} on {eni_id}", Combine.PRIORITY_DENY_TIES, merged)
    return Workload(eni_id, eni["VpcId"], eni["VSwitchId"], eni["PrivateIpAddress"], (rule_set,))
