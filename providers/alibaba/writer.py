"""Writing Alibaba Cloud: one plan step in one scope, batched, idempotent.

In: an ``Api``, the scope, the policy name and the plan's run id; one step's changes and the
native ids known so far. Out: one ``ChangeResult`` per change, in the order given; the ids of
what was created are added to ``ids``. Always: rules go in one ``AuthorizeSecurityGroup[Egress]``
call per group and direction (``Permissions.N``, at most 100 a call) and out by
``SecurityGroupRuleId.N`` (100 a call); "already exists" on create (ECS accepts a rule it holds;
a ``ClientToken`` replays a create) and "not found" on delete are success.
"""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, MutableMapping, Sequence

from orchestrator.errors import PermanentError, ProviderError
from orchestrator.state import (
    Action,
    AddressSet,
    Change,
    FirewallGroup,
    FlowRule,
    NativeRef,
    Scope,
    Step,
)
from orchestrator.state.resources import address_set_key
from providers.alibaba import translate as tr
from providers.alibaba import translate_routing as trr
from providers.alibaba.attach import AlibabaInterfaces
from providers.alibaba.errors import ApiError, is_retryable, translate
from providers.alibaba.reader import Api
from providers.alibaba.records import VpcRecords
from providers.alibaba.transit_write import ROUTE_KINDS, TransitWriter
from providers.base import ChangeResult, Report
from providers.core.attachment_apply import apply_attachments

PER_CALL = 100  # Permissions.N and SecurityGroupRuleId.N: 1-100
CREATE_ENTRIES = 50  # CreateVpcPrefixList: PrefixListEntries.N ≤ 50; the rest by Modify
TAG_RESOURCES = 50  # TagResources: ResourceId.N ≤ 50
_GROUP_GONE = ("InvalidSecurityGroup.NotFound", "InvalidSecurityGroupId.NotFound")
_LIST_GONE = ("ResourceNotFound.PrefixList",)
_SETTLE_TIMEOUT = 120.0
_KINDS = frozenset({"address_set", "firewall_group", "flow_rule"})


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

    def where(self, key: str) -> str:
        rel = key.removeprefix(f"{self.scope}/")
        return f"alibaba {self.scope.account} {self.scope.region} {rel}"

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
        sink = report or (lambda _: None)
        mine = [c for c in changes if c.resource.kind in _KINDS]
        attaching = [c for c in changes if c.resource.kind == "group_attachment"]
        results = {}
        if attaching and step is Step.REMOVE_RULES:  # off the interfaces before rules go
            results = self._attachments(attaching, ids, sink)
        if step in (Step.ADD_RULES, Step.REMOVE_RULES):
            results |= self._rules(step, mine, ids, sink)
        else:
            results |= self._containers(step, mine, ids, sink)
        if attaching and step is Step.ADD_RULES:  # onto the interfaces once the rules are in
            results |= self._attachments(attaching, ids, sink)
        routing = [c for c in changes if c.resource.kind in ROUTE_KINDS]
        if routing:
            transit = TransitWriter(self.api, self.scope, self.policy, self.run_id, self.sleep)
            results |= transit.apply(step, routing, ids, sink)
        for change in changes:
            if change.key not in results:
                kind = change.resource.kind
                why = f"{self.where(change.key)}: {kind} is not supported on Alibaba yet"
                results[change.key] = ChangeResult(change.key, False, why)
                sink(results[change.key])
        return [results[c.key] for c in changes]

    def _attachments(
        self, changes: Sequence[Change], ids: Mapping[str, NativeRef], report: Report
    ) -> dict[str, ChangeResult]:
        ops = AlibabaInterfaces(self.api, self.scope, self.policy)
        return apply_attachments(ops, self.policy, changes, ids, report)

    # -- containers -----------------------------------------------------------------------

    def _containers(
        self,
        step: Step,
        changes: Sequence[Change],
        ids: MutableMapping[str, NativeRef],
        report: Report,
    ) -> dict[str, ChangeResult]:
        # Groups go before prefix lists when deleting (their rules reference the lists), after
        # them when creating.
        order = {"address_set": 0, "firewall_group": 1}
        if step is Step.DELETE_CONTAINERS:
            order = {"firewall_group": 0, "address_set": 1}
        results: dict[str, ChangeResult] = {}
        for change in sorted(changes, key=lambda c: order.get(c.resource.kind, 2)):
            results[change.key] = self._guard(change, ids)
            report(results[change.key])
        return results

    def _guard(self, change: Change, ids: MutableMapping[str, NativeRef]) -> ChangeResult:
        try:
            self._container(change, ids)
        except ApiError as exc:
            return ChangeResult(change.key, False, str(translate(exc, self.where(change.key))))
        except (ProviderError, ValueError) as exc:
            return ChangeResult(change.key, False, f"{self.where(change.key)}: {exc}")
        return ChangeResult(change.key, True)

    def _container(self, change: Change, ids: MutableMapping[str, NativeRef]) -> None:
        before, after = change.before, change.after
        if isinstance(after, AddressSet) and change.action is Action.CREATE:
            ids[after.key] = NativeRef(self._create_prefix_list(after))
        elif isinstance(after, AddressSet) and isinstance(before, AddressSet):
            self._modify_prefix_list(before, after, ids[after.key].id)
        elif isinstance(after, FirewallGroup) and change.action is Action.CREATE:
            ids[after.key] = NativeRef(self._create_group(after))
        elif isinstance(after, FirewallGroup) and isinstance(before, FirewallGroup):
            self._restore_group(before, after, ids[after.key].id)
        elif change.action is Action.DELETE and isinstance(before, FirewallGroup):
            self._ignore(
                _GROUP_GONE, "ecs", "DeleteSecurityGroup", SecurityGroupId=ids[before.key].id
            )
            VpcRecords(self._call, self.scope, self.policy).forget(before.segment, before.network)
        elif change.action is Action.DELETE and isinstance(before, AddressSet):
            self._ignore(_LIST_GONE, "vpc", "DeleteVpcPrefixList", PrefixListId=ids[before.key].id)
        else:
            raise PermanentError(
                f"{self.where(change.key)}: no way to {change.action.name.lower()} it"
            )

    def _token(self, key: str, extra: str = "") -> str:
        # A replay (a retry, or a re-run of the same plan after a crash) returns what the first
        # request created; the run id keeps a later plan from getting a deleted object back.
        seed = f"{self.policy}|{key}|{extra}|{self.run_id}"
        return hashlib.sha256(seed.encode()).hexdigest()[:64]

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

    def _modify_prefix_list(self, before: AddressSet, after: AddressSet, pl_id: str) -> None:
        add = sorted(after.cidrs - before.cidrs)
        remove = sorted(before.cidrs - after.cidrs)
        if after.max_entries > before.max_entries:  # grow before adding
            self._modify(pl_id, {"MaxEntries": str(after.max_entries)})
        for start in range(0, len(add), PER_CALL):
            entries = [{"Cidr": c} for c in add[start : start + PER_CALL]]
            self._modify(pl_id, tr.flatten("AddPrefixListEntry", entries))
        for start in range(0, len(remove), PER_CALL):
            entries = [{"Cidr": c} for c in remove[start : start + PER_CALL]]
            self._modify(pl_id, tr.flatten("RemovePrefixListEntry", entries))
        if after.max_entries < before.max_entries:  # shrink after removing
            self._modify(pl_id, {"MaxEntries": str(after.max_entries)})

    def _modify(self, pl_id: str, params: Mapping[str, str]) -> None:
        self._call("vpc", "ModifyVpcPrefixList", {"PrefixListId": pl_id, **params})
        self._settled(pl_id)

    def _settled(self, pl_id: str) -> None:
        """Wait (bounded) until the list is ``Created`` again: a modify is asynchronous, and a
        second one while it runs answers ``IncorrectStatus.PrefixList``."""
        deadline, delay = time.monotonic() + _SETTLE_TIMEOUT, 0.2
        while True:
            body = self._call(
                "vpc", "ListPrefixLists", {"PrefixListIds.1": pl_id, "MaxResults": "1"}
            )
            found = body.get("PrefixLists") or []
            status = (
                found[0].get("PrefixListStatus", "Created")
                if isinstance(found, list) and found
                else "Created"
            )
            if status == "Created":
                return
            if time.monotonic() > deadline:
                raise PermanentError(
                    f"prefix list {pl_id} still {status} after {_SETTLE_TIMEOUT:.0f}s"
                )
            self.sleep(delay)
            delay = min(delay * 2, 5.0)

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

    def _restore_group(self, before: FirewallGroup, after: FirewallGroup, gid: str) -> None:
        if before.name == after.name and before.description == after.description + (
            tr.BASELINE_MISSING
        ):
            self._baseline(gid)
            return
        if before.name == after.name and before.description == after.description + (
            tr.BASELINE_UNWANTED
        ):
            self._baseline(gid, "RevokeSecurityGroupEgress")
            return
        raise PermanentError(
            "a security group's name or description cannot be changed in place by eastwest; "
            "delete the group in the console or rename the segment"
        )

    # -- rules ----------------------------------------------------------------------------

    def _rules(
        self, step: Step, changes: Sequence[Change], ids: Mapping[str, NativeRef], report: Report
    ) -> dict[str, ChangeResult]:
        batches: dict[tuple[str, str], list[FlowRule]] = defaultdict(list)
        for change in changes:
            if isinstance(change.resource, FlowRule):
                batches[(change.resource.group, change.resource.direction)].append(change.resource)
        results: dict[str, ChangeResult] = {}
        for (group, direction), rules in sorted(batches.items()):
            for start in range(0, len(rules), PER_CALL):
                chunk = rules[start : start + PER_CALL]
                for result in self._batch(step, group, direction, chunk, ids):
                    results[result.key] = result
                    report(result)
        return results

    def _batch(
        self,
        step: Step,
        group: str,
        direction: str,
        rules: list[FlowRule],
        ids: Mapping[str, NativeRef],
    ) -> list[ChangeResult]:
        if group not in ids:
            why = f"{self.where(group)}: the security group does not exist (its creation failed)"
            return [ChangeResult(r.key, False, why) for r in rules]
        gid = ids[group].id
        suffix = "Egress" if direction == "egress" else ""
        try:
            if step is Step.ADD_RULES:
                perms = [tr.permission(r, self._peer_id(r, ids)) for r in rules]
                params = {"SecurityGroupId": gid, **tr.flatten("Permissions", perms)}
                self._call("ecs", f"AuthorizeSecurityGroup{suffix}", params)
            else:
                self._revoke(suffix, gid, rules, ids)
        except ApiError as exc:
            if step is Step.REMOVE_RULES and exc.code in _GROUP_GONE:
                return [ChangeResult(r.key, True) for r in rules]  # gone with its group
            text = str(translate(exc, self.where(group)))
            return [ChangeResult(r.key, False, text) for r in rules]
        except ValueError as exc:
            return [ChangeResult(r.key, False, f"{self.where(r.key)}: {exc}") for r in rules]
        return [ChangeResult(r.key, True) for r in rules]

    def _revoke(
        self, suffix: str, gid: str, rules: list[FlowRule], ids: Mapping[str, NativeRef]
    ) -> None:
        rule_ids = sorted({i for r in rules if r.key in ids for i in ids[r.key].id.split(",") if i})
        unknown = [r for r in rules if r.key not in ids]
        action = f"RevokeSecurityGroup{suffix}"
        for start in range(0, len(rule_ids), PER_CALL):
            chunk = rule_ids[start : start + PER_CALL]
            self._call(
                "ecs", action, {"SecurityGroupId": gid, **tr.repeat("SecurityGroupRuleId", chunk)}
            )
        if unknown:  # by content: only rules eastwest wrote itself can be named this way
            perms = [tr.permission(r, self._peer_id(r, ids)) for r in unknown]
            self._call("ecs", action, {"SecurityGroupId": gid, **tr.flatten("Permissions", perms)})

    def _peer_id(self, rule: FlowRule, ids: Mapping[str, NativeRef]) -> str | None:
        kind, _, segment = rule.peer.partition(":")
        if kind != "set":
            return None
        ref = ids.get(address_set_key(self.scope, segment))
        return ref.id if ref is not None else None

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
