"""Writing AWS: one plan step in one scope, batched, idempotent.

Batching: one authorize (or revoke) call per security group and direction per step. Idempotency:
"already exists" on create and "not found" on delete are success; a batch that fails because
part of it already happened is retried rule by rule with the same rule.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

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
from orchestrator.state.resources import cidrs_digest
from providers.aws import translate as tr
from providers.aws.attach import AwsInterfaces
from providers.aws.errors import AwsCloud, error_code, ignoring, where
from providers.aws.records import VpcRecords
from providers.aws.transit_read import TAG_ROUTES_DIGEST
from providers.aws.transit_write import TransitWriter
from providers.base import ChangeResult, Report
from providers.core import engine as core
from providers.core.attachment_apply import apply_attachments
from providers.core.marks import Marks
from providers.core.prefix_list_edits import ENTRIES_PER_CALL, chunks, prefix_list_edits
from providers.core.settle import wait_until
from providers.core.transit import ROUTE_KINDS

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
        self.cloud = AwsCloud(scope)

    def where(self, key: str) -> str:
        return where(self.scope, key)

    def apply(
        self,
        step: Step,
        changes: Sequence[Change],
        ids: MutableMapping[str, NativeRef],
        report: Report | None = None,
    ) -> list[ChangeResult]:
        return core.apply_step(self._kinds(), step, changes, ids, report)

    def _kinds(self) -> core.Kinds:
        transit = TransitWriter(self.ec2, self.scope, self.policy)
        return core.Kinds(
            cloud=self.cloud,
            label="AWS",
            containers={
                "address_set": core.ContainerKind(
                    self._create_prefix_list, self._modify_prefix_list, self._delete_prefix_list
                ),
                "firewall_group": core.ContainerKind(
                    lambda g: NativeRef(self._create_group(g)),
                    self._refuse_group_change,
                    self._delete_group,
                ),
            },
            rules=core.RuleKind(
                self._write_rules,
                per_call=0,  # EC2 takes a group's new rules in one call
                exists=frozenset({"InvalidPermission.Duplicate"}),
                gone=frozenset({"InvalidPermission.NotFound"}),
            ),
            attachments=self._attachments,
            transit=transit.apply,
            transit_kinds=ROUTE_KINDS,
        )

    def _delete_group(self, group: FirewallGroup, ref: NativeRef) -> None:
        ignoring(("InvalidGroup.NotFound",), self.ec2.delete_security_group, GroupId=ref.id)
        VpcRecords(self.ec2, self.scope, self.policy).forget(group.segment, group.network)

    def _delete_prefix_list(self, _: AddressSet, ref: NativeRef) -> None:
        ignoring(
            ("InvalidPrefixListID.NotFound",),
            self.ec2.delete_managed_prefix_list,
            PrefixListId=ref.id,
        )

    def _refuse_group_change(
        self, _: FirewallGroup, after: FirewallGroup, __: NativeRef
    ) -> NativeRef:
        raise PermanentError(
            f"{self.where(after.key)}: a security group cannot be changed in place; "
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
        # EC2 remembers client tokens long after a delete: the run id in the token matters.
        token = core.client_token(self.policy, aset.key, digest, self.run_id)
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
        seen: list[Any] = []

        def done() -> bool:
            pl = self.ec2.describe_managed_prefix_lists(PrefixListIds=[pl_id])["PrefixLists"][0]
            seen.append(pl)
            state = pl.get("State", "")
            if state.endswith("-failed"):
                reason = pl.get("StateMessage", "")
                raise PermanentError(f"{self.where(pl_id)}: prefix list {state}: {reason}")
            return state.endswith("-complete")

        what = f"prefix list {pl_id} to settle"
        wait_until(done, what, timeout=_SETTLE_TIMEOUT, where=f"{self.where(pl_id)}: ")
        return NativeRef(pl_id, int(seen[-1]["Version"]))

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
        ignoring(
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

    def _write_rules(
        self, adding: bool, gid: str, direction: str, rules: Sequence[FlowRule], ids: core.Ids
    ) -> None:
        perms = [tr.ip_permission(r, core.peer_id(self.scope, r, ids)) for r in rules]
        self._call(adding, direction)(GroupId=gid, IpPermissions=perms)

    def _call(self, adding: bool, direction: str) -> Callable[..., Any]:
        if adding:
            if direction == "ingress":
                return self.ec2.authorize_security_group_ingress
            return self.ec2.authorize_security_group_egress
        if direction == "ingress":
            return self.ec2.revoke_security_group_ingress
        return self.ec2.revoke_security_group_egress

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
