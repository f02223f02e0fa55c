"""Reading Alibaba Cloud: inventory and observation, paged at each call's largest page size.

In: an ``Api`` (``session.AlibabaApi`` or a test double), a scope and the policy name. Out: a
``ScopeInventory`` (VPCs and vSwitches with their tags) or an ``ObservedScope`` (owned prefix
lists, owned security groups with every rule). Always: read-only; raises (``ApiError``) rather
than returning part of an answer; a prefix list in ``Modifying`` is an operation in progress,
never drift, so observation refuses to guess (``InProgress``) instead of reading half of it.

Page sizes (API metadata): DescribeVpcs/DescribeVSwitches ``PageSize`` ≤ 50 with
``PageNumber``; DescribeSecurityGroups ``MaxResults`` ≤ 100 with ``NextToken``;
DescribeSecurityGroupAttribute ``MaxResults`` ≤ 1000; ListPrefixLists ``MaxResults`` ≤ 100.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any, Protocol

from orchestrator.state import NativeRef, ObservedScope, Resource, Scope, ScopeInventory
from providers.alibaba import translate as tr
from providers.core.marks import check_unique
from providers.core.reads import UNSHARED, Shared

PAGE_NETWORKS = 50
PAGE_GROUPS = 100
PAGE_RULES = 1000
PAGE_PREFIX_LISTS = 100


class Api(Protocol):
    def call(
        self,
        region: str,
        product: str,
        action: str,
        params: Mapping[str, str],
        *,
        retry_lost: bool = True,
    ) -> Any: ...


class InProgress(Exception):  # noqa: N818 (a state, not a failure of eastwest)
    """An owned object is in the middle of an operation: observe again shortly."""


def numbered(
    api: Api, region: str, product: str, action: str, path: tuple[str, str], **params: str
) -> Iterator[Any]:
    """Every item of a PageNumber/PageSize-paged describe; ``PageSize`` defaults to the
    network calls' largest, 50."""
    number, seen = 1, 0
    size = params.pop("PageSize", str(PAGE_NETWORKS))
    while True:
        body = api.call(
            region,
            product,
            action,
            {**params, "PageNumber": str(number), "PageSize": size},
        )
        items = body.get(path[0], {}).get(path[1], [])
        yield from items
        seen += len(items)
        if not items or seen >= int(body.get("TotalCount", 0)):
            return
        number += 1


def tokens(
    api: Api, region: str, product: str, action: str, path: tuple[str, ...], **params: str
) -> Iterator[Any]:
    """Every item of a NextToken/MaxResults-paged call; ``path`` leads to the item list."""
    token = ""
    while True:
        body = api.call(
            region, product, action, {**params, **({"NextToken": token} if token else {})}
        )
        found: Any = body
        for step in path:
            found = found.get(step, {}) if isinstance(found, Mapping) else []
        yield from found or []
        token = str(body.get("NextToken") or "")
        if not token:
            return


# The kind under which an observation shares its owned groups' names (group id → name).
GROUP_NAMES = "group_names"
# The kind under which an observation shares its prefix lists' entries (list id → CIDRs).
PREFIX_ENTRIES = "prefix_list_entries"


def read_inventory(api: Api, scope: Scope) -> ScopeInventory:
    r = scope.region
    vpcs = numbered(api, r, "vpc", "DescribeVpcs", ("Vpcs", "Vpc"))
    vswitches = numbered(api, r, "vpc", "DescribeVSwitches", ("VSwitches", "VSwitch"))
    return ScopeInventory(
        scope,
        tuple(tr.network_from_vpc(v) for v in vpcs),
        tuple(tr.subnet_from_vswitch(s) for s in vswitches),
    )


def first_owner(api: Api, region: str) -> str | None:
    """The account (``OwnerId``) of the first VPC, else of the first custom prefix list, the
    region shows these credentials: how eastwest proves whose account it is talking to (the
    metadata has no caller-identity action)."""
    body = api.call(region, "vpc", "DescribeVpcs", {"PageNumber": "1", "PageSize": "1"})
    for vpc in body.get("Vpcs", {}).get("Vpc", []):
        if vpc.get("OwnerId"):
            return str(vpc["OwnerId"])
    body = api.call(region, "vpc", "ListPrefixLists", {"MaxResults": "1"})
    for pl in body.get("PrefixLists", []):
        if pl.get("OwnerId"):
            return str(pl["OwnerId"])
    return None


def _owned_filter(policy: str, name: str) -> dict[str, str]:
    return tr.tag_params({tr.TAG_MANAGED: "true", tr.TAG_POLICY: policy}, name)


def read_owned(api: Api, scope: Scope, policy: str, shared: Shared = UNSHARED) -> ObservedScope:
    """What the policy owns in the scope. Through ``shared``: each owned group's rules
    (``rules_kind``) and the owned prefix lists' entries (``PREFIX_ENTRIES``), which the access
    check judges too."""
    resources: dict[str, Resource] = {}
    native: dict[str, NativeRef] = {}
    applied: dict[str, str] = {}
    segment_of_list: dict[str, str] = {}
    entries: dict[str, tuple[str, ...]] = {}
    for pl in owned_prefix_lists(api, scope, policy):
        aset = tr.address_set_from_prefix_list(scope, pl)
        check_unique(native, aset.key, pl["PrefixListId"])
        resources[aset.key] = aset
        native[aset.key] = NativeRef(pl["PrefixListId"])
        segment_of_list[pl["PrefixListId"]] = aset.segment
        entries[pl["PrefixListId"]] = tuple(sorted(aset.cidrs))
    shared(PREFIX_ENTRIES, lambda: entries)
    groups = tokens(
        api,
        scope.region,
        "ecs",
        "DescribeSecurityGroups",
        ("SecurityGroups", "SecurityGroup"),
        MaxResults=str(PAGE_GROUPS),
        **_owned_filter(policy, "Tag"),
    )
    names: dict[str, str] = {}
    for sg in groups:
        tags = tr.tags_of(sg)
        if not tr.is_owned(tags, policy, scope):
            continue
        names[sg["SecurityGroupId"]] = str(sg.get("SecurityGroupName", ""))
        perms = _rules(api, scope.region, sg["SecurityGroupId"], shared)
        group = tr.group_from_security_group(scope, sg, any(tr.is_baseline(p) for p in perms))
        check_unique(native, group.key, sg["SecurityGroupId"])
        resources[group.key] = group
        native[group.key] = NativeRef(sg["SecurityGroupId"])
        ids: dict[str, list[str]] = {}
        for rule, rule_id in tr.rules_from_permissions(group, perms, segment_of_list):
            resources[rule.key] = rule
            ids.setdefault(rule.key, []).append(rule_id)
        # Two rules may read back as one key (they differ only in what eastwest never writes,
        # e.g. NicType): remembering every id lets one delete remove them all.
        native.update({key: NativeRef(",".join(sorted(found))) for key, found in ids.items()})
        if tags.get(tr.TAG_RULES_DIGEST):
            applied[group.key] = tags[tr.TAG_RULES_DIGEST]
    shared(GROUP_NAMES, lambda: names)
    return ObservedScope(scope, resources, native, applied)


def _rules(api: Api, region: str, group_id: str, shared: Shared) -> list[Mapping[str, Any]]:
    return shared(rules_kind(group_id), lambda: list(group_rules(api, region, group_id)))


def rules_kind(group_id: str) -> str:
    """The kind under which a group's rules (DescribeSecurityGroupAttribute) are shared."""
    return f"rules:{group_id}"


def owned_prefix_lists(api: Api, scope: Scope, policy: str) -> Iterator[Mapping[str, Any]]:
    lists = tokens(
        api,
        scope.region,
        "vpc",
        "ListPrefixLists",
        ("PrefixLists",),
        MaxResults=str(PAGE_PREFIX_LISTS),
        **_owned_filter(policy, "Tags"),
    )
    for pl in lists:
        if not tr.is_owned(tr.tags_of(pl), policy, scope):
            continue
        status = pl.get("PrefixListStatus") or pl.get("Status") or "Created"
        if status == "Deleted":
            continue
        if status != "Created":
            raise InProgress(f"prefix list {pl['PrefixListId']} is {status}")
        yield pl


def group_rules(
    api: Api,
    region: str,
    group_id: str,
    page: Callable[[Mapping[str, Any]], object] | None = None,
) -> Iterator[Mapping[str, Any]]:
    """A group's rules; ``page`` sees each answer (its ``SecurityGroupName`` too)."""
    return tokens(
        api if page is None else _Pages(api, page),
        region,
        "ecs",
        "DescribeSecurityGroupAttribute",
        ("Permissions", "Permission"),
        SecurityGroupId=group_id,
        NicType="intranet",
        Direction="all",
        MaxResults=str(PAGE_RULES),
    )


class _Pages:
    """``api``, showing each answer to ``page`` as it passes."""

    def __init__(self, api: Api, page: Callable[[Mapping[str, Any]], object]) -> None:
        self._api, self._page = api, page

    def call(self, *args: Any, **kwargs: Any) -> Any:  # Api.call's, passed on as they come
        body = self._api.call(*args, **kwargs)
        self._page(body)
        return body
