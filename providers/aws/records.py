"""Writing a group's record on its VPC (``providers/core/group_records.py`` says why).

In: an EC2 client, the scope and policy. Out: ``eastwest:rules-digest:<policy>:<segment>`` tags
on member VPCs, set after each apply beside the group's own digest and removed when eastwest
deletes the group. Always: only those tags are written; a VPC that cannot take one more tag
(50 per resource) or a tag key over EC2's 128 characters is left without a record, so that
group's deletion in a console plans as a plain create, as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from orchestrator.state import Scope
from providers.aws.errors import error_code
from providers.core.group_records import record_tag, records_to_write

if TYPE_CHECKING:
    from mypy_boto3_ec2 import EC2Client

_SKIPPED = ("TagLimitExceeded", "InvalidVpcID.NotFound")


class VpcRecords:
    def __init__(self, ec2: EC2Client, scope: Scope, policy: str) -> None:
        self.ec2, self.scope, self.policy = ec2, scope, policy

    def record(self, applied: Mapping[str, str]) -> None:
        """Each group's digest on its VPC: one call per segment and digest (a tag is set on
        many VPCs at once), VPC by VPC only when one of them is full."""
        for (tag, digest), vpcs in records_to_write(self.scope, self.policy, applied).items():
            try:
                self._tag(sorted(vpcs), tag, digest)
            except ClientError as exc:
                if error_code(exc) not in _SKIPPED:
                    raise
                for vpc in sorted(vpcs) if len(vpcs) > 1 else ():
                    self._tag_one(vpc, tag, digest)  # one full VPC must not cost the others

    def forget(self, segment: str, vpc: str) -> None:
        """The group is eastwest's to delete: its record goes with it."""
        try:
            self.ec2.delete_tags(Resources=[vpc], Tags=[{"Key": record_tag(self.policy, segment)}])
        except ClientError as exc:
            if error_code(exc) != "InvalidVpcID.NotFound":
                raise

    def _tag(self, vpcs: list[str], tag: str, digest: str) -> None:
        self.ec2.create_tags(Resources=vpcs, Tags=[{"Key": tag, "Value": digest}])

    def _tag_one(self, vpc: str, tag: str, digest: str) -> None:
        try:
            self._tag([vpc], tag, digest)
        except ClientError as exc:
            if error_code(exc) not in _SKIPPED:
                raise
