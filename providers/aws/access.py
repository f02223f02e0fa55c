"""Reading effective access on AWS: every security group rule on each workload ENI and the
network ACL of its subnet, eastwest's or not, as neutral ``RuleSet``s.

Read-only, each call paged at its largest size: ``DescribeNetworkInterfaces`` (1000),
``DescribeSecurityGroups`` and ``DescribeSecurityGroupRules`` (1000), ``DescribeNetworkAcls``
(1000), ``DescribeSubnets`` (1000, for the ACL of a subnet without ENIs),
``GetManagedPrefixListEntries`` (100) for prefix-list peers. Through ``shared`` (the scope's
``ScopeReads``), the ENIs and subnets the inventory read, the groups and the owned prefix
lists' entries the observation read are used rather than read again; what only this check
needs (the rules with their ids, the ACLs, other prefix lists) is read here.
Security groups on an ENI are one allow-only, stateful set (AWS unions them); the subnet's ACL
is ordered by rule number and stateless, ending in the ``*`` rule (32767) that denies what
nothing else matched. A rule naming a group as its peer stands for the addresses of the ENIs
carrying that group. Workloads are ENIs of type ``interface`` that AWS does not manage for a
service (requester-managed: NAT gateways, endpoints…).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from orchestrator.state import Scope
from orchestrator.state.access import (
    AccessModel,
    Combine,
    EffectiveRule,
    RuleSet,
    SubnetSets,
    Workload,
)
from providers.aws.reader import PREFIX_ENTRIES, pages, read_entries
from providers.core.reads import UNSHARED, Shared

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

PAGE = 1000
_PROTOCOLS = {"-1": "all", "6": "tcp", "17": "udp", "1": "icmp", "tcp": "tcp", "udp": "udp"}
_LAST_RULE = 32767  # the ACL's "*" rule: denies what no numbered rule matched


@dataclass(frozen=True, slots=True)
class _Seen:
    """What judging the rules needs besides them: the workload ENIs, group labels, the
    addresses holding each group, the prefix lists' entries known, each subnet's ACL."""

    scope: Scope
    enis: list[Mapping[str, Any]]
    names: Mapping[str, str]
    known: Mapping[str, tuple[str, ...]]
    acls: Mapping[str, RuleSet]
    subnets: tuple[SubnetSets, ...]
    networks: Collection[str] | None  # whose workloads are judged; None: all


def read_access(
    ec2: EC2Client, scope: Scope, shared: Shared = UNSHARED, networks: Collection[str] | None = None
) -> AccessModel:
    """The workloads and subnets of ``networks`` (None: all). Judged on the groups' own rules
    (``DescribeSecurityGroups``, which the observation read); ``named`` reads the rules again
    with their ids (``DescribeSecurityGroupRules``) for a finding to name them. Every read is
    region-wide, so ``networks`` saves no call here, only the judging of other workloads."""
    listed = shared("enis", lambda: _all(ec2.describe_network_interfaces, "NetworkInterfaces"))
    groups = shared("groups", lambda: _all(ec2.describe_security_groups, "SecurityGroups"))
    known: Mapping[str, tuple[str, ...]] = shared(PREFIX_ENTRIES, lambda: {})
    acls = acl_sets(_all(ec2.describe_network_acls, "NetworkAcls"))
    subnets = shared("subnets", lambda: _all(ec2.describe_subnets, "Subnets"))
    seen = _Seen(
        scope, [e for e in listed if _is_workload(e)], {g["GroupId"]: _label(g) for g in groups},
        known, acls, subnet_sets(_in(subnets, networks), acls), networks,
    )  # fmt: skip
    unnamed = [raw for g in groups for raw in permission_rules(g)]

    def named() -> AccessModel:
        return _model(ec2, seen, _all(ec2.describe_security_group_rules, "SecurityGroupRules"))

    return replace(_model(ec2, seen, unnamed), named=named)


def _model(ec2: EC2Client, seen: _Seen, raw_rules: Sequence[Mapping[str, Any]]) -> AccessModel:
    holders = _addresses_by_group(seen.enis)
    lists = {
        pl: seen.known[pl] if pl in seen.known else tuple(read_entries(ec2, pl))
        for pl in _prefix_lists(raw_rules)
    }
    by_group: dict[str, list[EffectiveRule]] = defaultdict(list)
    for raw in raw_rules:
        rule = group_rule(raw, seen.names, holders, lists)
        if rule is not None:
            by_group[raw["GroupId"]].append(rule)
    # A referenced group stands for every ENI holding it (``holders``), judged or not.
    judged = _in(seen.enis, seen.networks)
    workloads = tuple(_workload(e, seen.names, by_group, seen.acls) for e in judged)
    return AccessModel(seen.scope, workloads, seen.subnets)


def _in(
    found: Sequence[Mapping[str, Any]], networks: Collection[str] | None
) -> list[Mapping[str, Any]]:
    return [x for x in found if networks is None or x["VpcId"] in networks]


def permission_rules(group: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A group's ``IpPermissions`` and ``IpPermissionsEgress`` as ``SecurityGroupRule``
    payloads, one per peer, without rule ids (``DescribeSecurityGroups`` has none)."""
    found: list[dict[str, Any]] = []
    for egress, field in ((False, "IpPermissions"), (True, "IpPermissionsEgress")):
        for perm in group.get(field, []):
            base = {
                "GroupId": group["GroupId"], "IsEgress": egress, "IpProtocol": perm["IpProtocol"],
                "FromPort": perm.get("FromPort", -1), "ToPort": perm.get("ToPort", -1),
            }  # fmt: skip
            found += [{**base, "CidrIpv4": r["CidrIp"]} for r in perm.get("IpRanges", [])]
            found += [{**base, "CidrIpv6": r["CidrIpv6"]} for r in perm.get("Ipv6Ranges", [])]
            found += [{**base, "PrefixListId": p["PrefixListId"]}
                      for p in perm.get("PrefixListIds", [])]  # fmt: skip
            found += [{**base, "ReferencedGroupInfo": {"GroupId": p["GroupId"]}}
                      for p in perm.get("UserIdGroupPairs", [])]  # fmt: skip
    return found


def _all(call: Callable[..., Any], field: str) -> list[Any]:
    return list(pages(call, field, MaxResults=PAGE))


def subnet_sets(
    subnets: Iterable[Mapping[str, Any]], acls: Mapping[str, RuleSet]
) -> tuple[SubnetSets, ...]:
    """Each subnet's network ACL: what judges a member VPC with no workload ENI. Its groups
    are not known before an ENI exists, so only what the ACL stops proves anything."""
    return tuple(
        SubnetSets(s["SubnetId"], s["VpcId"], s["CidrBlock"], (acls[s["SubnetId"]],))
        for s in subnets
        if s["SubnetId"] in acls and s.get("CidrBlock")
    )


def _is_workload(eni: Mapping[str, Any]) -> bool:
    kind = eni.get("InterfaceType", "interface")
    return kind == "interface" and not eni.get("RequesterManaged", False)


def _label(group: Mapping[str, Any]) -> str:
    tags = {t["Key"]: t["Value"] for t in group.get("Tags", [])}
    return f"{group['GroupId']} ({tags.get('Name') or group.get('GroupName', '')})"


def _addresses_by_group(enis: Sequence[Mapping[str, Any]]) -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = defaultdict(list)
    for eni in enis:
        for g in eni.get("Groups", []):
            found[g["GroupId"]].append(f"{eni['PrivateIpAddress']}/32")
    return {k: tuple(v) for k, v in found.items()}


def _prefix_lists(raw_rules: Sequence[Mapping[str, Any]]) -> list[str]:
    return sorted({r["PrefixListId"] for r in raw_rules if r.get("PrefixListId")})


def group_rule(
    raw: Mapping[str, Any],
    names: Mapping[str, str],
    holders: Mapping[str, tuple[str, ...]],
    lists: Mapping[str, tuple[str, ...]],
) -> EffectiveRule | None:
    """One ``SecurityGroupRule`` as a neutral allow rule; None for a protocol not judged."""
    protocol = _PROTOCOLS.get(str(raw.get("IpProtocol", "")))
    if protocol is None:
        return None
    referenced = raw.get("ReferencedGroupInfo", {}).get("GroupId")
    peers = (
        (raw.get("CidrIpv4"),)
        if raw.get("CidrIpv4")
        else lists.get(raw.get("PrefixListId", ""), ())
        if raw.get("PrefixListId")
        else holders.get(referenced, ())
        if referenced
        else ()
    )
    low, high = _ports(raw.get("FromPort", -1), raw.get("ToPort", -1))
    group = names.get(raw["GroupId"], raw["GroupId"])
    return EffectiveRule(
        group, raw.get("SecurityGroupRuleId", "?"), not raw.get("IsEgress", False), True,
        protocol, low, high, tuple(p for p in peers if p),
    )  # fmt: skip


def acl_sets(acls: Sequence[Mapping[str, Any]]) -> dict[str, RuleSet]:
    """Subnet → its network ACL as an ordered, stateless rule set."""
    found: dict[str, RuleSet] = {}
    for acl in acls:
        found_rules = (_acl_rule(acl["NetworkAclId"], e) for e in acl.get("Entries", []))
        rules = tuple(r for r in found_rules if r is not None)
        rule_set = RuleSet(acl["NetworkAclId"], Combine.FIRST_MATCH, rules, stateful=False)
        for assoc in acl.get("Associations", []):
            found[assoc["SubnetId"]] = rule_set
    return found


def _acl_rule(acl: str, entry: Mapping[str, Any]) -> EffectiveRule | None:
    protocol = _PROTOCOLS.get(str(entry.get("Protocol", "")))
    cidr = entry.get("CidrBlock")
    if protocol is None or not cidr:
        return None
    port = entry.get("PortRange", {})
    low, high = _ports(port.get("From", -1), port.get("To", -1))
    number = int(entry["RuleNumber"])
    name = "*" if number == _LAST_RULE else str(number)
    return EffectiveRule(
        acl, name, not entry.get("Egress", False), entry.get("RuleAction") == "allow",
        protocol, low, high, (cidr,), number,
    )  # fmt: skip


def _ports(low: int, high: int) -> tuple[int, int]:
    return (0, 65535) if low in (-1, None) else (int(low), int(high))


def _workload(
    eni: Mapping[str, Any],
    names: Mapping[str, str],
    by_group: Mapping[str, Sequence[EffectiveRule]],
    acls: Mapping[str, RuleSet],
) -> Workload:
    groups = [g["GroupId"] for g in eni.get("Groups", [])]
    eni_id = eni["NetworkInterfaceId"]
    labels = ", ".join(names.get(g, g) for g in groups) or "none"
    rules = tuple(r for g in groups for r in by_group.get(g, ()))
    sets = [RuleSet(f"groups {labels} on {eni_id}", Combine.ANY_ALLOW, rules)]
    acl = acls.get(eni["SubnetId"])
    if acl is not None:
        sets.append(acl)
    return Workload(eni_id, eni["VpcId"], eni["SubnetId"], eni["PrivateIpAddress"], tuple(sets))
