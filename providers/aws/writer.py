"""Writing AWS: one plan step in one scope, batched, idempotent.

Batching: one authorize (or revoke) call per security group and direction per step. Idempotency:
"already exists" on create and "not found" on delete are success; a batch that fails because
part of it already happened is retried rule by rule with the same rule.
"""

from __future__ import annotations

import hashlib
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import BotoCoreError, ClientError

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
from orchestrator.state.resources import address_set_key, cidrs_digest
from providers.aws import translate as tr
from providers.aws.attach import AwsInterfaces
from providers.aws.errors import error_code, translate, where
from providers.aws.records import VpcRecords
from providers.aws.transit_read import TAG_ROUTES_DIGEST
from providers.aws.transit_write import ROUTE_KINDS, TransitWriter
from providers.base import ChangeResult, Report
from providers.core.attachment_apply import apply_attachments
from providers.core.marks import Marks
from providers.core.prefix_list_edits import ENTRIES_PER_CALL, chunks, prefix_list_edits

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client
    from mypy_boto3_ec2.literals import ResourceTypeType
    from mypy_boto3_ec2.type_defs import TagSpecificationTypeDef

_SETTLE_TIMEOUT = 120.0


class AwsWriter:
    def __init__(self, ec2: EC2Client, scope: Scope, policy: str, run_id: str = "") -> None:
        self.ec2 = ec2
        self.scope = scope
        self.policy = policy
        self.run_id = run_id

    def where(self, key: str) -> str:
        return where(self.scope, key)

    def apply(
        self,
        step: Step,
        changes: Sequence[Change],
        ids: MutableMapping[str, NativeRef],
        report: Report | None = None,
    ) -> list[ChangeResult]:
        """Results come back in the order of ``changes`` whatever order the work is done in;
        ``report`` hears each one as soon as it is known."""
        sink = report or (lambda _: None)
        routing = [c for c in changes if c.resource.kind in ROUTE_KINDS]
        attaching = [c for c in changes if c.resource.kind == "group_attachment"]
        security = [c for c in changes if c not in routing and c not in attaching]
        if attaching and step is Step.REMOVE_RULES:  # off the interfaces before rules go
            results = self._attachments(attaching, ids, sink)
        else:
            results = {}
        if step is Step.ADD_RULES or step is Step.REMOVE_RULES:
            results |= self._rules(step, security, ids, sink)
        else:
            results |= self._containers(step, security, ids, sink)
        if attaching and step is Step.ADD_RULES:  # onto the interfaces once the rules are in
            results |= self._attachments(attaching, ids, sink)
        if routing:
            transit = TransitWriter(self.ec2, self.scope, self.policy)
            results |= transit.apply(step, routing, ids, sink)
        return [results[c.key] for c in changes]

    def _containers(
        self,
        step: Step,
        changes: Sequence[Change],
        ids: MutableMapping[str, NativeRef],
        report: Report,
    ) -> dict[str, ChangeResult]:
        # Groups go before address sets when deleting: their rules may reference the sets.
        order = {"firewall_group": 0, "address_set": 1}
        if step is Step.CREATE_CONTAINERS:
            order = {"address_set": 0, "firewall_group": 1}
        results: dict[str, ChangeResult] = {}
        for change in sorted(changes, key=lambda c: order[c.resource.kind]):
            results[change.key] = self._guard(change, ids)
            report(results[change.key])
        return results

    def _guard(self, change: Change, ids: MutableMapping[str, NativeRef]) -> ChangeResult:
        try:
            self._container(change, ids)
        except (ClientError, BotoCoreError) as exc:
            return ChangeResult(change.key, False, str(translate(exc, self.where(change.key))))
        except ProviderError as exc:
            return ChangeResult(change.key, False, str(exc))
        return ChangeResult(change.key, True)

    def _container(self, change: Change, ids: MutableMapping[str, NativeRef]) -> None:
        before, after = change.before, change.after
        if isinstance(after, AddressSet) and change.action is Action.CREATE:
            ids[after.key] = self._create_prefix_list(after)
        elif isinstance(after, AddressSet) and isinstance(before, AddressSet):
            ids[after.key] = self._modify_prefix_list(before, after, ids[after.key])
        elif isinstance(after, FirewallGroup) and change.action is Action.CREATE:
            ids[after.key] = NativeRef(self._create_group(after))
        elif change.action is Action.DELETE and isinstance(before, FirewallGroup):
            self._ignore(
                ("InvalidGroup.NotFound",),
                self.ec2.delete_security_group,
                GroupId=ids[before.key].id,
            )
            VpcRecords(self.ec2, self.scope, self.policy).forget(before.segment, before.network)
        elif change.action is Action.DELETE and isinstance(before, AddressSet):
            self._ignore(
                ("InvalidPrefixListID.NotFound",),
                self.ec2.delete_managed_prefix_list,
                PrefixListId=ids[before.key].id,
            )
        else:
            raise PermanentError(
                f"{self.where(change.key)}: a security group cannot be changed in place; "
                "delete it in the console or rename the segment"
            )

    # -- address sets (managed prefix lists) ---------------------------------------------

    def _create_prefix_list(self, aset: AddressSet) -> NativeRef:
        cidrs = sorted(aset.cidrs)
        first, rest = cidrs[:ENTRIES_PER_CALL], cidrs[ENTRIES_PER_CALL:]
        digest = cidrs_digest(aset.cidrs)
        tags = tr.ownership_tags(self.policy, aset.key, aset.segment)
        tags += [{"Key": tr.TAG_CIDRS_DIGEST, "Value": digest}]
        if not rest:
            tags += [{"Key": tr.TAG_VERSION, "Value": "1"}]  # a new list is version 1
        # The client token makes a retry, or a re-run of the same plan after a crash, return the
        # same list rather than a second one. EC2 remembers tokens long after a delete, so the
        # plan's run id keeps a later plan that re-creates the list from getting the deleted
        # one back; keys repeat across policies in one account, so the policy name is in too.
        seed = f"{self.policy}|{aset.key}|{digest}|{self.run_id}"
        token = hashlib.sha256(seed.encode()).hexdigest()[:64]
        created = self.ec2.create_managed_prefix_list(
            PrefixListName=aset.name,
            MaxEntries=aset.max_entries,
            AddressFamily="IPv4",
            Entries=[{"Cidr": c} for c in first],
            TagSpecifications=[_tag_spec("prefix-list", tags)],
            ClientToken=token,
        )["PrefixList"]
        ref = self._settled(created["PrefixListId"])
        for chunk in chunks(rest):
            ref = self._modify(ref, AddEntries=[{"Cidr": c} for c in chunk])
        if rest:
            self._tag_version(ref, digest)
        return ref

    def _modify_prefix_list(
        self, before: AddressSet, after: AddressSet, ref: NativeRef
    ) -> NativeRef:
        for edit in prefix_list_edits(before, after):
            if edit.max_entries is not None:
                ref = self._modify(ref, MaxEntries=edit.max_entries, versioned=False)
                continue
            changes: dict[str, Any] = {}
            if edit.add:
                changes["AddEntries"] = [{"Cidr": c} for c in edit.add]
            if edit.remove:
                changes["RemoveEntries"] = [{"Cidr": c} for c in edit.remove]
            ref = self._modify(ref, **changes)
        self._tag_version(ref, cidrs_digest(after.cidrs))
        return ref

    def _modify(self, ref: NativeRef, *, versioned: bool = True, **changes: Any) -> NativeRef:
        # EC2 refuses an entry change made against another version than the current one, so a
        # concurrent edit by someone else fails loudly instead of being overwritten.
        if versioned:
            changes["CurrentVersion"] = ref.version
        self.ec2.modify_managed_prefix_list(PrefixListId=ref.id, **changes)
        return self._settled(ref.id)

    def _settled(self, pl_id: str) -> NativeRef:
        """Wait until a create/modify has finished; return the list's id and new version."""
        deadline, delay = time.monotonic() + _SETTLE_TIMEOUT, 0.2
        while True:
            pl = self.ec2.describe_managed_prefix_lists(PrefixListIds=[pl_id])["PrefixLists"][0]
            state = pl.get("State", "")
            if state.endswith("-complete"):
                return NativeRef(pl_id, int(pl["Version"]))
            if state.endswith("-failed") or time.monotonic() > deadline:
                reason = pl.get("StateMessage", "") or f"still {state} after {_SETTLE_TIMEOUT:.0f}s"
                raise PermanentError(f"{self.where(pl_id)}: prefix list {state}: {reason}")
            time.sleep(delay)
            delay = min(delay * 2, 5.0)

    def _tag_version(self, ref: NativeRef, digest: str) -> None:
        self.ec2.create_tags(
            Resources=[ref.id],
            Tags=[
                {"Key": tr.TAG_CIDRS_DIGEST, "Value": digest},
                {"Key": tr.TAG_VERSION, "Value": str(ref.version)},
            ],
        )

    # -- firewall groups (security groups) ----------------------------------------------

    def _create_group(self, group: FirewallGroup) -> str:
        tags = tr.ownership_tags(self.policy, group.key, group.segment)
        try:
            gid = self.ec2.create_security_group(
                GroupName=group.name,
                Description=group.description,
                VpcId=group.network,
                TagSpecifications=[_tag_spec("security-group", tags)],
            )["GroupId"]
        except ClientError as exc:
            if error_code(exc) != "InvalidGroup.Duplicate":
                raise
            gid = self._adopt_group(group)
        # A new group allows all egress; eastwest's allow only declared flows. Revoked on the
        # adoption path too: a run that crashed between the create and this call left it open.
        self._ignore(
            ("InvalidPermission.NotFound",),
            self.ec2.revoke_security_group_egress,
            GroupId=gid,
            IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
        )
        return gid

    def _adopt_group(self, group: FirewallGroup) -> str:
        """A group of that name exists: ours from a crashed run (all of its marks), or someone
        else's (anything less, a decoy carrying eastwest's key tag included)."""
        found = self.ec2.describe_security_groups(
            Filters=[
                {"Name": "vpc-id", "Values": [group.network]},
                {"Name": "group-name", "Values": [group.name]},
            ]
        )["SecurityGroups"]
        marks = Marks(self.policy, self.scope)
        for sg in found:
            if marks.owns(tr.tags_of(sg), group.key, names=[(sg["GroupName"], group.name)]):
                return str(sg["GroupId"])
        raise PermanentError(
            f"{self.where(group.key)}: a security group named {group.name!r} already "
            f"exists in {group.network} and is not eastwest's; rename or remove it"
        )

    def _attachments(
        self, changes: Sequence[Change], ids: Mapping[str, NativeRef], report: Report
    ) -> dict[str, ChangeResult]:
        ops = AwsInterfaces(self.ec2, self.scope, self.policy)
        return apply_attachments(ops, self.policy, changes, ids, report)

    # -- rules ----------------------------------------------------------------------------

    def _rules(
        self,
        step: Step,
        changes: Sequence[Change],
        ids: Mapping[str, NativeRef],
        report: Report,
    ) -> dict[str, ChangeResult]:
        batches: dict[tuple[str, str], list[FlowRule]] = defaultdict(list)
        for change in changes:
            rule = change.resource
            if isinstance(rule, FlowRule):
                batches[(rule.group, rule.direction)].append(rule)
        results: dict[str, ChangeResult] = {}
        for (group, direction), rules in sorted(batches.items()):
            for result in self._batch(step, group, direction, rules, ids):
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
        adding = step is Step.ADD_RULES
        call = self._call(adding, direction)
        benign = "InvalidPermission.Duplicate" if adding else "InvalidPermission.NotFound"
        try:
            perms = [tr.ip_permission(r, self._peer_id(r, ids)) for r in rules]
            call(GroupId=ids[group].id, IpPermissions=perms)
        except ClientError as exc:
            if error_code(exc) != benign or len(rules) == 1:
                return self._failed(rules, exc) if error_code(exc) != benign else _ok(rules)
            # Part of the batch already happened (a re-run after a crash): go rule by rule.
            return [self._single(call, benign, ids[group].id, r, ids) for r in rules]
        except ValueError as exc:
            return [ChangeResult(r.key, False, f"{self.where(r.key)}: {exc}") for r in rules]
        return _ok(rules)

    def _single(
        self,
        call: Callable[..., Any],
        benign: str,
        gid: str,
        rule: FlowRule,
        ids: Mapping[str, NativeRef],
    ) -> ChangeResult:
        try:
            call(GroupId=gid, IpPermissions=[tr.ip_permission(rule, self._peer_id(rule, ids))])
        except ClientError as exc:
            if error_code(exc) != benign:
                return ChangeResult(rule.key, False, str(translate(exc, self.where(rule.key))))
        return ChangeResult(rule.key, True)

    def _call(self, adding: bool, direction: str) -> Callable[..., Any]:
        if adding:
            if direction == "ingress":
                return self.ec2.authorize_security_group_ingress
            return self.ec2.authorize_security_group_egress
        if direction == "ingress":
            return self.ec2.revoke_security_group_ingress
        return self.ec2.revoke_security_group_egress

    def _peer_id(self, rule: FlowRule, ids: Mapping[str, NativeRef]) -> str | None:
        kind, _, segment = rule.peer.partition(":")
        if kind != "set":
            return None
        ref = ids.get(address_set_key(self.scope, segment))
        return ref.id if ref is not None else None

    def _failed(self, rules: list[FlowRule], exc: ClientError) -> list[ChangeResult]:
        return [ChangeResult(r.key, False, str(translate(exc, self.where(r.group)))) for r in rules]

    def _ignore(self, codes: tuple[str, ...], call: Callable[..., Any], **kwargs: Any) -> None:
        try:
            call(**kwargs)
        except ClientError as exc:
            if error_code(exc) not in codes:
                raise

    # -- bookkeeping ----------------------------------------------------------------------

    def record_applied(self, applied: Mapping[str, str], ids: Mapping[str, NativeRef]) -> None:
        """Tag each group with the digest of the rules eastwest left it with, and each hub
        table with the digest of its associations, propagations and routes (one call per
        distinct tag: tags are set on many resources at once). A route table's record is
        written by the apply itself (``route_records.py``)."""
        by_tag: dict[tuple[str, str], list[str]] = defaultdict(list)
        for key, digest in applied.items():
            if key not in ids:
                continue
            tag = TAG_ROUTES_DIGEST if "/hubtable/" in key else tr.TAG_RULES_DIGEST
            by_tag[(tag, digest)].append(ids[key].id)
        for (tag, digest), resources in sorted(by_tag.items()):
            self.ec2.create_tags(Resources=sorted(resources), Tags=[{"Key": tag, "Value": digest}])
        groups = {k: d for k, d in applied.items() if "/fwgroup/" in k and k in ids}
        VpcRecords(self.ec2, self.scope, self.policy).record(groups)


def _tag_spec(
    resource_type: ResourceTypeType, tags: list[dict[str, str]]
) -> TagSpecificationTypeDef:
    return {
        "ResourceType": resource_type,
        "Tags": [{"Key": t["Key"], "Value": t["Value"]} for t in tags],
    }


def _ok(rules: list[FlowRule]) -> list[ChangeResult]:
    return [ChangeResult(r.key, True) for r in rules]
