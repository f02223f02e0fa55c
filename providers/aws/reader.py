"""Reading AWS: inventory and observation, paginated at each call's largest page size.

Observation raises rather than returning partial data: any failed page fails the scope.
A prefix list's entries are not re-read when its tags prove them: eastwest records the entries'
digest and the list's version when it writes it, and EC2 bumps the version on every change, so
an unchanged version with the digest eastwest wants means the entries are exactly those.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

from orchestrator.state import (
    AddressSet,
    DesiredScope,
    FirewallGroup,
    FlowRule,
    NativeRef,
    ObservedScope,
    Resource,
    Scope,
    ScopeInventory,
)
from orchestrator.state.resources import cidrs_digest
from providers.aws import translate as tr
from providers.core.marks import check_unique
from providers.core.reads import UNSHARED, Shared

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

# Largest page each call accepts (botocore's EC2 model).
PAGE_VPCS = 1000
PAGE_SUBNETS = 1000
PAGE_GROUPS = 1000
PAGE_RULES = 1000
PAGE_PREFIX_LISTS = 100
PAGE_ENTRIES = 100
# The kind under which an observation shares its prefix lists' entries (list id → CIDRs).
PREFIX_ENTRIES = "prefix_list_entries"
# EC2 accepts at most 200 values in one filter.
_FILTER_VALUES = 200


def pages(call: Callable[..., Any], field: str, **kwargs: Any) -> Iterator[Any]:
    """Every item of a NextToken-paginated describe, one page at a time."""
    token: str | None = None
    while True:
        response = call(**kwargs, **({"NextToken": token} if token else {}))
        yield from response.get(field, [])
        token = response.get("NextToken")
        if not token:
            return


def read_inventory(ec2: EC2Client, scope: Scope, shared: Shared = UNSHARED) -> ScopeInventory:
    vpcs = pages(ec2.describe_vpcs, "Vpcs", MaxResults=PAGE_VPCS)
    subnets = shared("subnets", lambda: list(pages(ec2.describe_subnets, "Subnets",
                                                   MaxResults=PAGE_SUBNETS)))  # fmt: skip
    return ScopeInventory(
        scope,
        tuple(tr.network_from_vpc(v) for v in vpcs),
        tuple(tr.subnet_from_payload(s) for s in subnets),
    )


def owned_filters(policy: str) -> list[Any]:
    return [
        {"Name": f"tag:{tr.TAG_MANAGED}", "Values": ["true"]},
        {"Name": f"tag:{tr.TAG_POLICY}", "Values": [policy]},
    ]


def read_owned(
    ec2: EC2Client,
    scope: Scope,
    policy: str,
    desired: DesiredScope | None,
    shared: Shared = UNSHARED,
) -> ObservedScope:
    """What the policy owns in the scope. Through ``shared``: every group (the access check
    judges them all) and the owned prefix lists' entries (proven or read here)."""
    resources: dict[str, Resource] = {}
    native: dict[str, NativeRef] = {}
    applied: dict[str, str] = {}
    segment_of_list: dict[str, str] = {}
    entries: dict[str, tuple[str, ...]] = {}
    for pl in _owned_prefix_lists(ec2, scope, policy):
        aset = _address_set(ec2, scope, pl, desired)
        check_unique(native, aset.key, pl["PrefixListId"])
        resources[aset.key] = aset
        native[aset.key] = NativeRef(pl["PrefixListId"], int(pl["Version"]))
        segment_of_list[pl["PrefixListId"]] = aset.segment
        entries[pl["PrefixListId"]] = tuple(sorted(aset.cidrs))
        digest = tr.tags_of(pl).get(tr.TAG_CIDRS_DIGEST)
        if digest:
            applied[aset.key] = digest
    # Every group, not only tagged ones: one holding the name of a group eastwest wants without
    # all of the marks (a decoy with a copied key tag) is a conflict for that group alone.
    shared(PREFIX_ENTRIES, lambda: entries)
    groups = shared("groups", lambda: list(pages(ec2.describe_security_groups, "SecurityGroups",
                                                 MaxResults=PAGE_GROUPS)))  # fmt: skip
    for sg in (sg for sg in groups if tr.is_owned(sg, policy, scope)):
        group = tr.group_from_security_group(scope, sg)
        check_unique(native, group.key, sg["GroupId"])
        resources[group.key] = group
        native[group.key] = NativeRef(sg["GroupId"])
        for rule in tr.rules_from_security_group(group, sg, segment_of_list):
            resources[rule.key] = rule
        digest = tr.tags_of(sg).get(tr.TAG_RULES_DIGEST)
        if digest:
            applied[group.key] = digest
    foreign = held_group_names(groups, resources, desired)
    return ObservedScope(scope, resources, native, applied, foreign)


def held_group_names(
    groups: Iterable[Mapping[str, Any]],
    owned: Mapping[str, Resource],
    desired: DesiredScope | None,
) -> dict[str, str]:
    """Desired key → the unowned group holding its group's name in its VPC (names are unique
    per VPC, so eastwest could not create it), for that group and its rules."""
    if desired is None:
        return {}
    by_name = {(sg.get("VpcId", ""), sg.get("GroupName", "")): sg for sg in groups}
    held: dict[str, str] = {}
    for group in desired.of_kind(FirewallGroup):
        sg = by_name.get((group.network, group.name))
        if sg is not None and group.key not in owned:
            held[group.key] = (
                f"the security group {group.name} ({sg['GroupId']}) in {group.network}"
            )
    for rule in desired.of_kind(FlowRule):
        if rule.group in held:
            held[rule.key] = held[rule.group]
    return held


def _owned_prefix_lists(ec2: EC2Client, scope: Scope, policy: str) -> Iterator[Mapping[str, Any]]:
    # DescribeManagedPrefixLists has no tag filter: list the account's own, keep the owned.
    lists = pages(
        ec2.describe_managed_prefix_lists,
        "PrefixLists",
        Filters=[{"Name": "owner-id", "Values": [scope.account]}],
        MaxResults=PAGE_PREFIX_LISTS,
    )
    # A deleted list lingers in describes as delete-complete; it is gone, not owned.
    return (
        pl
        for pl in lists
        if tr.is_owned(pl, policy, scope) and not str(pl.get("State", "")).startswith("delete-")
    )


def _address_set(
    ec2: EC2Client, scope: Scope, pl: Mapping[str, Any], desired: DesiredScope | None
) -> AddressSet:
    tags = tr.tags_of(pl)
    wanted = desired.resources.get(tags.get(tr.TAG_KEY, "")) if desired else None
    proven = (
        isinstance(wanted, AddressSet)
        and tags.get(tr.TAG_VERSION) == str(pl["Version"])
        and tags.get(tr.TAG_CIDRS_DIGEST) == cidrs_digest(wanted.cidrs)
    )
    if proven and isinstance(wanted, AddressSet):
        return tr.address_set_from_prefix_list(scope, pl, wanted.cidrs)
    return tr.address_set_from_prefix_list(scope, pl, read_entries(ec2, pl["PrefixListId"]))


def read_rule_ids(ec2: EC2Client, observed: ObservedScope) -> dict[str, str]:
    """The security-group-rule id (``sgr-…``) of every rule of the observed owned groups, by
    the rule's key. DescribeSecurityGroups has no rule ids, so tools that address rules one by
    one (Terraform imports) need this second read."""
    groups = {
        observed.native[key].id: res
        for key, res in observed.resources.items()
        if isinstance(res, FirewallGroup) and key in observed.native
    }
    segment_of_list = {
        observed.native[key].id: res.segment
        for key, res in observed.resources.items()
        if isinstance(res, AddressSet) and key in observed.native
    }
    ids: dict[str, str] = {}
    group_ids = sorted(groups)
    for start in range(0, len(group_ids), _FILTER_VALUES):
        chunk = group_ids[start : start + _FILTER_VALUES]
        rules = pages(
            ec2.describe_security_group_rules,
            "SecurityGroupRules",
            Filters=[{"Name": "group-id", "Values": chunk}],
            MaxResults=PAGE_RULES,
        )
        for sgr in rules:
            rule = tr.rule_from_security_group_rule(groups[sgr["GroupId"]], sgr, segment_of_list)
            ids[rule.key] = sgr["SecurityGroupRuleId"]
    return ids


def read_entries(ec2: EC2Client, pl_id: str) -> list[str]:
    entries = pages(
        ec2.get_managed_prefix_list_entries,
        "Entries",
        PrefixListId=pl_id,
        MaxResults=PAGE_ENTRIES,
    )
    return [e["Cidr"] for e in entries]
