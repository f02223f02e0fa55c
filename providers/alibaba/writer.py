"""Writing Alibaba Cloud: one plan step in one scope, batched, idempotent.

In: an ``Api``, the scope, the policy name and the plan's run id; one step's changes and the
native ids known so far. Out: one ``ChangeResult`` per change, in the order given; the ids of
what was created are added to ``ids``. Always: rules go in one ``AuthorizeSecurityGroup[Egress]``
call per group and direction (``Permissions.N``, at most 100 a call) and out by
``SecurityGroupRuleId.N`` (100 a call); "already exists" on create (ECS accepts a rule it holds;
a ``ClientToken`` replays a create) and "not found" on delete are success.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Mapping, MutableMapping, Sequence

from orchestrator.errors import PermanentError
from orchestrator.state import (
    AddressSet,
    Change,
    FirewallGroup,
    FlowRule,
    NativeRef,
    Scope,
    Step,
)
from providers.alibaba import translate as tr
from providers.alibaba import translate_routing as trr
from providers.alibaba.attach import AlibabaInterfaces
from providers.alibaba.errors import AlibabaCloud, ApiError, is_retryable
from providers.alibaba.reader import Api
from providers.alibaba.records import VpcRecords
from providers.alibaba.transit_write import TransitWriter
from providers.base import ChangeResult, Report
from providers.core import engine as core
from providers.core.attachment_apply import apply_attachments
from providers.core.prefix_list_edits import prefix_list_edits
from providers.core.settle import wait_until
from providers.core.transit import ROUTE_KINDS

PER_CALL = 100  # Permissions.N and SecurityGroupRuleId.N: 1-100
CREATE_ENTRIES = 50  # CreateVpcPrefixList: PrefixListEntries.N ≤ 50; the rest by Modify
TAG_RESOURCES = 50  # TagResources: ResourceId.N ≤ 50
_GROUP_GONE = ("InvalidSecurityGroup.NotFound", "InvalidSecurityGroupId.NotFound")
_LIST_GONE = ("ResourceNotFound.PrefixList",)
_SETTLE_TIMEOUT = 120.0


class AlibabaWriter:
    def __init__(
        self,
        api: Api,
        scope: Scope,
        policy: str,
        run_id: str = "",
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.api, self.scope, self.policy, self.run_id = api, scope, policy, run_id
        self.sleep = sleep
        self.cloud = AlibabaCloud(scope)

    def where(self, key: str) -> str:
        return self.cloud.where(key)

    def _call(self, product: str, action: str, params: Mapping[str, str]) -> dict[str, object]:
        body: dict[str, object] = self.api.call(self.scope.region, product, action, params)
        return body

    def apply(
        self,
        step: Step,
        changes: Sequence[Change],
        ids: MutableMapping[str, NativeRef],
        report: Report | None = None,
    ) -> list[ChangeResult]:
        return core.apply_step(self._kinds(), step, changes, ids, report)

    def _kinds(self) -> core.Kinds:
        transit = TransitWriter(self.api, self.scope, self.policy, self.run_id, self.sleep)
        return core.Kinds(
            cloud=self.cloud,
            label="Alibaba",
            containers={
                "address_set": core.ContainerKind(
                    lambda aset: NativeRef(self._create_prefix_list(aset)),
                    self._modify_prefix_list,
                    lambda _, ref: self._ignore(
                        _LIST_GONE, "vpc", "DeleteVpcPrefixList", PrefixListId=ref.id
                    ),
                ),
                "firewall_group": core.ContainerKind(
                    lambda group: NativeRef(self._create_group(group)),
                    self._restore_group,
                    self._delete_group,
                ),
            },
            rules=core.RuleKind(
                self._write_rules, per_call=PER_CALL, parent_gone=frozenset(_GROUP_GONE)
            ),
            attachments=self._attachments,
            transit=transit.apply,
            transit_kinds=ROUTE_KINDS,
        )

    def _attachments(
        self, changes: Sequence[Change], ids: Mapping[str, NativeRef], report: Report
    ) -> dict[str, ChangeResult]:
        ops = AlibabaInterfaces(self.api, self.scope, self.policy)
        return apply_attachments(ops, self.policy, changes, ids, report)

    def _delete_group(self, group: FirewallGroup, ref: NativeRef) -> None:
        self._ignore(_GROUP_GONE, "ecs", "DeleteSecurityGroup", SecurityGroupId=ref.id)
        VpcRecords(self._call, self.scope, self.policy).forget(group.segment, group.network)

    def _token(self, key: str, extra: str = "") -> str:
        return core.client_token(self.policy, key, extra, self.run_id)

    # -- prefix lists -----------------------------------------------------------------------

    def _create_prefix_list(self, aset: AddressSet) -> str:
        cidrs = sorted(aset.cidrs)
        first, rest = cidrs[:CREATE_ENTRIES], cidrs[CREATE_ENTRIES:]
        params = {
            "PrefixListName": aset.name,
            "PrefixListDescription": f"eastwest: addresses of segment {aset.segment}",
            "IpVersion": "IPV4",
            "MaxEntries": str(aset.max_entries),
            "ClientToken": self._token(aset.key, ",".join(cidrs)),
            **tr.flatten("PrefixListEntries", [{"Cidr": c} for c in first]),
            **tr.tag_params(tr.ownership_tags(self.policy, aset.key, aset.segment)),
        }
        pl_id = str(self._call("vpc", "CreateVpcPrefixList", params)["PrefixListId"])
        self._settled(pl_id)
        for start in range(0, len(rest), PER_CALL):
            chunk = rest[start : start + PER_CALL]
            self._modify(pl_id, tr.flatten("AddPrefixListEntry", [{"Cidr": c} for c in chunk]))
        return pl_id

    def _modify_prefix_list(
        self, before: AddressSet, after: AddressSet, ref: NativeRef
    ) -> NativeRef:
        for edit in prefix_list_edits(before, after):
            params: dict[str, str] = {}
            if edit.max_entries is not None:
                params["MaxEntries"] = str(edit.max_entries)
            params |= tr.flatten("AddPrefixListEntry", [{"Cidr": c} for c in edit.add])
            params |= tr.flatten("RemovePrefixListEntry", [{"Cidr": c} for c in edit.remove])
            self._modify(ref.id, params)
        return ref

    def _modify(self, pl_id: str, params: Mapping[str, str]) -> None:
        self._call("vpc", "ModifyVpcPrefixList", {"PrefixListId": pl_id, **params})
        self._settled(pl_id)

    def _settled(self, pl_id: str) -> None:
        """Wait (bounded) until the list is ``Created`` again: a modify is asynchronous, and a
        second one while it runs answers ``IncorrectStatus.PrefixList``."""

        def created() -> bool:
            body = self._call(
                "vpc", "ListPrefixLists", {"PrefixListIds.1": pl_id, "MaxResults": "1"}
            )
            found = body.get("PrefixLists") or []
            if not isinstance(found, list) or not found:
                return True
            return bool(found[0].get("PrefixListStatus", "Created") == "Created")

        wait_until(created, f"prefix list {pl_id}", timeout=_SETTLE_TIMEOUT, sleep=self.sleep)

    # -- security groups ----------------------------------------------------------------------

    def _create_group(self, group: FirewallGroup) -> str:
        params = {
            "VpcId": group.network,
            "SecurityGroupName": group.name,
            "Description": group.description,
            "SecurityGroupType": "normal",
            "ClientToken": self._token(group.key),
            **tr.tag_params(tr.ownership_tags(self.policy, group.key, group.segment)),
        }
        gid: str | None
        try:
            gid = str(self._call("ecs", "CreateSecurityGroup", params)["SecurityGroupId"])
        except ApiError as exc:  # an answer lost after the group was made: find it by its marks
            gid = self._made_group(group) if is_retryable(exc) else None  # (tokens expire)
            if gid is None:
                raise
        self._baseline(gid)
        return gid

    def _made_group(self, group: FirewallGroup) -> str | None:
        """The one group of this name in this VPC carrying every mark of its key."""
        marks = tr.ownership_tags(self.policy, group.key, group.segment)
        params = {"VpcId": group.network, "SecurityGroupName": group.name, **tr.tag_params(marks)}
        body = self.api.call(self.scope.region, "ecs", "DescribeSecurityGroups", params)
        rows = body.get("SecurityGroups", {}).get("SecurityGroup", [])
        ids = [str(r["SecurityGroupId"]) for r in rows if marks.items() <= tr.tags_of(r).items()]
        return ids[0] if len(ids) == 1 else None

    def _baseline(self, gid: str, action: str = "AuthorizeSecurityGroupEgress") -> None:
        """A basic group lets all egress out until it has an egress rule of its own: deny
        it at the lowest priority (re-authorising an existing rule adds nothing). Revoked from
        a group attached in add mode, where it would cut what other groups allow."""
        self._call(
            "ecs",
            action,
            {"SecurityGroupId": gid, **tr.flatten("Permissions", [tr.BASELINE])},
        )

    def _restore_group(
        self, before: FirewallGroup, after: FirewallGroup, ref: NativeRef
    ) -> NativeRef:
        if before.name == after.name and before.description == after.description + (
            tr.BASELINE_MISSING
        ):
            self._baseline(ref.id)
            return ref
        if before.name == after.name and before.description == after.description + (
            tr.BASELINE_UNWANTED
        ):
            self._baseline(ref.id, "RevokeSecurityGroupEgress")
            return ref
        raise PermanentError(
            "a security group's name or description cannot be changed in place by eastwest; "
            "delete the group in the console or rename the segment"
        )

    # -- rules ----------------------------------------------------------------------------

    def _write_rules(
        self, adding: bool, gid: str, direction: str, rules: Sequence[FlowRule], ids: core.Ids
    ) -> None:
        suffix = "Egress" if direction == "egress" else ""
        if not adding:
            self._revoke(suffix, gid, rules, ids)
            return
        perms = [tr.permission(r, core.peer_id(self.scope, r, ids)) for r in rules]
        params = {"SecurityGroupId": gid, **tr.flatten("Permissions", perms)}
        self._call("ecs", f"AuthorizeSecurityGroup{suffix}", params)

    def _revoke(self, suffix: str, gid: str, rules: Sequence[FlowRule], ids: core.Ids) -> None:
        rule_ids = sorted({i for r in rules if r.key in ids for i in ids[r.key].id.split(",") if i})
        unknown = [r for r in rules if r.key not in ids]
        action = f"RevokeSecurityGroup{suffix}"
        for start in range(0, len(rule_ids), PER_CALL):
            chunk = rule_ids[start : start + PER_CALL]
            self._call(
                "ecs", action, {"SecurityGroupId": gid, **tr.repeat("SecurityGroupRuleId", chunk)}
            )
        if unknown:  # by content: only rules eastwest wrote itself can be named this way
            perms = [tr.permission(r, core.peer_id(self.scope, r, ids)) for r in unknown]
            self._call("ecs", action, {"SecurityGroupId": gid, **tr.flatten("Permissions", perms)})

    def _ignore(self, codes: tuple[str, ...], product: str, action: str, **params: str) -> None:
        try:
            self._call(product, action, params)
        except ApiError as exc:
            if exc.code not in codes:
                raise

    # -- bookkeeping ------------------------------------------------------------------------

    def record_applied(self, applied: Mapping[str, str], ids: Mapping[str, NativeRef]) -> None:
        """Tag each group with the digest of the rules eastwest left it with (one call per
        digest and 50 groups), each owned transit router route table with the digest of its
        associations, propagations and routes (20 a call), and each VPC route table eastwest
        routes in with the digest of its routes there, under a key of the policy's own (50 a
        call)."""
        by_digest: dict[str, list[str]] = defaultdict(list)
        hub_tables: dict[str, list[str]] = defaultdict(list)
        route_tables: dict[str, list[str]] = defaultdict(list)
        for key, digest in applied.items():
            if "/hubtable/" in key and key in ids:
                hub_tables[digest].append(ids[key].id)
            elif key.startswith(f"{self.scope}/rtb/"):
                route_tables[digest].append(key.rsplit("/rtb/", 1)[1])
            elif key in ids:
                by_digest[digest].append(ids[key].id)
        self._tag_all("cbn", "TransitRouterRouteTable", hub_tables, trr.TAG_ROUTES_DIGEST, 20)
        self._tag_all("vpc", "ROUTETABLE", route_tables, trr.routes_tag(self.policy), 50)
        for digest, groups in sorted(by_digest.items()):
            groups.sort()
            for start in range(0, len(groups), TAG_RESOURCES):
                params = {
                    "ResourceType": "securitygroup",
                    **tr.repeat("ResourceId", groups[start : start + TAG_RESOURCES]),
                    **tr.tag_params({tr.TAG_RULES_DIGEST: digest}),
                }
                self._call("ecs", "TagResources", params)
        recorded = {k: d for k, d in applied.items() if "/fwgroup/" in k and k in ids}
        VpcRecords(self._call, self.scope, self.policy).record(recorded)

    def _tag_all(
        self, product: str, kind: str, by_digest: Mapping[str, list[str]], tag: str, per_call: int
    ) -> None:
        for digest, resources in sorted(by_digest.items()):
            ordered = sorted(resources)
            for start in range(0, len(ordered), per_call):
                params = {
                    "ResourceType": kind,
                    **tr.repeat("ResourceId", ordered[start : start + per_call]),
                    **tr.tag_params({tag: digest}),
                }
                self._call(product, "TagResources", params)
