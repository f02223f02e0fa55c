"""Sharing: copies of eastwest's rules in the NSGs users already have on member subnets.

In: an owned NSG (the anchor) after its own rules changed, its member subnets read afresh, and
``accounts[].existing_nsgs: share`` (``NsgCalls.share``). Out: the copies in each qualifying
user's NSG (``shared``) brought in step with the anchor, or removed before the anchor goes.
Always: only rules named ``eastwest-<policy>-<segment>-`` are touched in a user's NSG, the
copies never run ahead of the anchor, and only ``attach: add`` shares (exclusive takes the
user's NSG off, none attaches nothing).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from azure.core.exceptions import HttpResponseError

from orchestrator.errors import PermanentError
from orchestrator.state import NativeRef
from providers.azure import attach as at
from providers.azure import shared as sh
from providers.azure import translate as tr
from providers.azure import translate_nsg as trn
from providers.azure.errors import is_not_found
from providers.azure.nsg_calls import NsgCalls
from providers.azure.nsg_rules import RULES_PER_NSG, RuleSet

Payload = dict[str, Any]


class SharedNsgs(NsgCalls):
    """``NsgCalls`` plus the writes of shared NSGs; the base of ``AzureWriter``."""

    def _sync_shared(self, name: str, ids: Mapping[str, NativeRef]) -> None:
        """Bring the copies of the NSG's rules in its member subnets' shared NSGs in step with
        it (after its own rules changed, so the copies never run ahead of the group)."""
        if not self.share:
            return
        nsg = self._get_nsg(name)
        found = self._members(nsg, ids)
        if nsg is None or found is None or at.mode_of(nsg) != "add":
            return  # only add shares: exclusive takes the user's NSG off, none attaches nothing
        segment, members = found
        for shared in sh.shared_nsgs(nsg, members, segment, self._sharing(members, nsg)):
            self._copy_rules(str(shared["name"]), nsg, segment, present=True)

    def _sharing(self, members: Sequence[Mapping[str, Any]], anchor: Payload) -> sh.Sharing:
        """The member subnets' unowned NSGs in the resource group, read afresh."""
        found: dict[str, Payload] = {}
        for subnet in members:
            nsg_id = tr.associated_nsg(subnet)
            if nsg_id is None or nsg_id.lower() == str(anchor["id"]).lower():
                continue
            if sh.resource_group_of(nsg_id) != self.rg.lower():
                continue
            nsg = self._get_nsg(tr.name_of_id(nsg_id))
            if nsg is not None and tr.tags_of(nsg).get(tr.TAG_MANAGED) != "true":
                found[nsg_id.lower()] = nsg
        return sh.Sharing(self.policy, self.rg, found)

    def _copy_rules(self, name: str, anchor: Payload, segment: str, *, present: bool) -> None:
        anchor_rules = sh.mirrored(anchor)

        def edit(rules: RuleSet) -> None:
            rules.after = sh.sync(rules.after, anchor_rules, self.policy, segment, present=present)
            if len(rules.after) > RULES_PER_NSG:
                raise PermanentError(
                    f"{name} would hold {len(rules.after)} rules; Azure allows 1000"
                )

        self._edit(name, edit)

    def _unshare(self, anchor: Payload) -> None:
        """Before a group's NSG goes: remove eastwest's copies (owned by name) from the NSGs on
        its VNet's subnets; nothing else in them changes."""
        group = trn.group_from_nsg(self.scope, anchor)
        try:
            vnet = self._retry(lambda: self.client.virtual_networks.get(self.rg, group.network))
        except HttpResponseError as exc:
            if is_not_found(exc):
                return
            raise
        subnets = list(tr.props(vnet.as_dict()).get("subnets") or ())
        mine = sh.prefix(self.policy, group.segment)
        for nsg in self._sharing(subnets, anchor).nsgs.values():
            if any(
                str(r["name"]).startswith(mine) for r in tr.props(nsg).get("securityRules") or ()
            ):
                self._copy_rules(str(nsg["name"]), anchor, group.segment, present=False)
