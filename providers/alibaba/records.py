"""Writing a group's record on its VPC (``providers/core/group_records.py`` says why).

In: a call to the VPC API (``TagResources``, ``ResourceType=VPC``, 50 VPCs a call), the scope
and policy. Out: ``eastwest:rules-digest:<policy>:<segment>`` tags on member VPCs, set after
each apply beside the group's own digest, and emptied when eastwest deletes the group.

Why emptied, not removed: the shipped VPC API metadata (``moto_fixtures/alibaba/api/vpc.json``,
trimmed from the published one) has ``TagResources`` for VPCs but no ``UnTagResources``, and
the API takes an empty value; an empty record is read as none. The key stays on the VPC until
the segment is back (it is then overwritten) or somebody removes it.

Always: only those tags are written; a VPC at its 20-tag quota (``QuotaExceeded.TagNum``), or
a key over 128 characters, is left without a record, so that group's deletion in a console
plans as a plain create, as before.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from orchestrator.state import Scope
from providers.alibaba import translate as tr
from providers.alibaba.errors import ApiError
from providers.core.group_records import record_tag, records_to_write

Call = Callable[[str, str, Mapping[str, str]], object]  # (product, action, params)

PER_CALL = 50  # TagResources: ResourceId.N ≤ 50
_SKIPPED = ("QuotaExceeded.TagNum", "InvalidInstanceIds.NotFound")


class VpcRecords:
    def __init__(self, call: Call, scope: Scope, policy: str) -> None:
        self.call, self.scope, self.policy = call, scope, policy

    def record(self, applied: Mapping[str, str]) -> None:
        """Each group's digest on its VPC: one call per segment, digest and 50 VPCs, VPC by
        VPC only when one of them is full."""
        for (tag, digest), vpcs in records_to_write(self.scope, self.policy, applied).items():
            ordered = sorted(vpcs)
            for start in range(0, len(ordered), PER_CALL):
                self._tag_each(ordered[start : start + PER_CALL], tag, digest)

    def forget(self, segment: str, vpc: str) -> None:
        """The group is eastwest's to delete: its record is emptied (no UnTagResources)."""
        self._tag([vpc], record_tag(self.policy, segment), "")

    def _tag_each(self, vpcs: Sequence[str], tag: str, digest: str) -> None:
        try:
            self._tag(vpcs, tag, digest)
        except ApiError as exc:
            if exc.code not in _SKIPPED:
                raise
            for vpc in vpcs if len(vpcs) > 1 else ():
                self._tag_one(vpc, tag, digest)  # one full VPC must not cost the others

    def _tag_one(self, vpc: str, tag: str, digest: str) -> None:
        try:
            self._tag([vpc], tag, digest)
        except ApiError as exc:
            if exc.code not in _SKIPPED:
                raise

    def _tag(self, vpcs: Sequence[str], tag: str, value: str) -> None:
        params = {"ResourceType": "VPC", **tr.repeat("ResourceId", vpcs)}
        self.call("vpc", "TagResources", {**params, **tr.tag_params({tag: value})})
