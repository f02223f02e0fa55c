"""Where a group's record outlives its NSG: a tag on the group's VNet.

In: the scope's VNets (read), or, to write, a client, the resource group and a retrying call.
Out: group key → the rules digest eastwest recorded for it, and tag writes on VNets. Always:
only tags named ``eastwest:rules-digest:<policy>:<segment>`` are read or written, by a tags
PATCH of what was read; every other tag is sent back as read.

Why: the digest on the NSG (``eastwest:rules-digest``) goes with the NSG. When somebody deletes
an NSG in the console, nothing on it is left to say that eastwest had made it, and the next plan
would show a plain create. With the record on the VNet (which the user keeps), the planner sees
a group that was recorded and is gone, and marks its re-creation, rules and all, as **drift**
(``orchestrator/plan/drift.py``). The record is written after each apply beside the NSG's digest
and removed when eastwest deletes the group.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any

from azure.core.exceptions import HttpResponseError

from orchestrator.state import Scope
from orchestrator.state.resources import group_key
from providers.azure import translate as tr
from providers.azure.errors import is_not_found
from providers.core.group_records import group_parts, record_tag

__all__ = ["GroupRecords", "group_parts", "record_tag", "recorded_groups"]

Payload = Mapping[str, Any]


def recorded_groups(scope: Scope, policy: str, vnets: Iterable[Payload]) -> dict[str, str]:
    """Pure: group key → digest, from the records on the scope's VNets."""
    prefix = record_tag(policy, "")
    found: dict[str, str] = {}
    for vnet in vnets:
        for tag, digest in tr.tags_of(vnet).items():
            segment = tag.removeprefix(prefix)
            if tag.startswith(prefix) and segment and ":" not in segment:
                found[group_key(scope, segment, str(vnet["name"]))] = digest
    return found


def _merge(records: Mapping[str, str], tags: dict[str, str]) -> None:
    tags.update(records)


class GroupRecords:
    def __init__(
        self,
        client: Any,  # a NetworkManagementClient
        resource_group: str,
        scope: Scope,
        policy: str,
        retry: Callable[[Callable[[], Any]], Any],
    ) -> None:
        self.client = client
        self.rg = resource_group
        self.scope = scope
        self.policy = policy
        self.retry = retry

    def record(self, applied: Mapping[str, str]) -> None:
        """Each applied group's digest on its VNet (one tags PATCH per VNet that changes)."""
        wanted: dict[str, dict[str, str]] = {}
        for key, digest in sorted(applied.items()):
            parts = group_parts(self.scope, key)
            if parts is not None:
                segment, vnet = parts
                wanted.setdefault(vnet, {})[record_tag(self.policy, segment)] = digest
        for vnet, records in sorted(wanted.items()):
            self._edit(vnet, partial(_merge, records))

    def forget(self, segment: str, vnet: str) -> None:
        """The group is eastwest's to delete: its record goes with it."""
        self._edit(vnet, lambda tags: tags.pop(record_tag(self.policy, segment), None))

    def _edit(self, name: str, edit: Callable[[dict[str, str]], object]) -> None:
        try:
            vnet = self.retry(lambda: self.client.virtual_networks.get(self.rg, name)).as_dict()
        except HttpResponseError as exc:
            if is_not_found(exc):
                return  # no VNet, no record to keep
            raise
        tags = tr.tags_of(vnet)
        before = dict(tags)
        edit(tags)
        if tags != before:
            self.retry(
                lambda: self.client.virtual_networks.update_tags(self.rg, name, {"tags": tags})
            )
