"""Writing application security group membership: eastwest's ASG for a group, and its NICs.

In: a client, the resource group, the scope and policy, and a retrying call (the writer's).
Out: ASG PUTs and DELETEs, and one NIC PUT per NIC whose membership changes. Always: a NIC is
written read-modify-write (``If-Match`` on the etag read), with only eastwest's ASG id added or
removed from its configurations' lists (``asg.with_membership``): somebody else's memberships
stay byte for byte; an ASG of eastwest's name without all of its marks is never written,
joined or deleted (an error); "not found" on delete is success.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from azure.core.exceptions import HttpResponseError

from orchestrator.errors import PermanentError
from providers.azure import asg as ag
from providers.azure import translate as tr
from providers.azure.errors import is_not_found
from providers.azure.nsg_calls import NsgCalls

Payload = Mapping[str, Any]


class AsgMembers:
    """``calls``: the writer whose client, scope, retries and reads this one shares."""

    def __init__(self, calls: NsgCalls) -> None:
        self.client = calls.client
        self.rg = calls.rg
        self.scope = calls.scope
        self.policy = calls.policy
        self.retry = calls._retry
        self.get_or_none = calls._get_or_none

    def sync(self, nsg: Payload, subnets: Sequence[Payload]) -> None:
        """The group's ASG exists and holds exactly the in-scope NICs of ``subnets``."""
        asg_id = self._ensure(nsg)
        nics = self._nics()
        scope = ag.in_scope(nics, subnets)
        wanted = {str(n["id"]).lower() for n in scope}
        for nic in scope:
            if not ag.is_member(nic, asg_id):
                self._put_nic(nic, asg_id, member=True)
        for nic in ag.holding(nics, asg_id):
            if str(nic["id"]).lower() not in wanted:
                self._put_nic(nic, asg_id, member=False)

    def release(self, nsg: Payload) -> None:
        """Every NIC out of the group's ASG, then the ASG deleted (only if it is eastwest's)."""
        name = str(nsg["name"])
        asg = self._get(name)
        if asg is None:
            return
        self._check_owned(asg, nsg)
        for nic in ag.holding(self._nics(), str(asg["id"])):
            self._put_nic(nic, str(asg["id"]), member=False)
        try:
            self.retry(lambda: self.client.application_security_groups.begin_delete(
                self.rg, name).result())  # fmt: skip
        except HttpResponseError as exc:
            if not is_not_found(exc):
                raise

    def known_for(
        self, nsg: Payload | None, known: Mapping[str, Sequence[str]], leaving: str = ""
    ) -> dict[str, tuple[str, ...]]:
        """``known`` as the NSG's rules use it: an opted-in peer of its VNet as its ASG's
        token (``asg.peers``), read afresh; ``leaving``: a segment whose opt-out is being
        applied (its rules go back to prefixes before its ASG goes)."""
        plain = {k: tuple(v) for k, v in known.items()}
        if nsg is None or not ag.wanted(nsg) or tr.tags_of(nsg).get(tr.TAG_SEGMENT) == leaving:
            return plain
        opted = [o for o in ag.opted_in(self._owned_nsgs(), None) if o.segment != leaving]
        me = next((o for o in opted if o.name == str(nsg["name"])), None)
        if me is None:
            return plain
        vnet = self.retry(lambda: self.client.virtual_networks.get(self.rg, me.network))
        asgs = [a.as_dict() for a in self.retry(
            lambda: list(self.client.application_security_groups.list(self.rg)))]  # fmt: skip
        tokens = ag.peers(self.policy, self.scope, me, opted, asgs, plain, vnet.as_dict())
        # A peer whose ASG is not there (yet) keeps prefixes: never a rule naming nothing.
        return ag.with_peers(plain, {k: t for k, t in tokens.items() if t != ag.MISSING})

    def in_vnet(self, network: str) -> list[str]:
        """Names of this policy's NSGs in ``network``."""
        return [
            str(n["name"])
            for n in self._owned_nsgs()
            if tr.tags_of(n).get(tr.TAG_KEY, "").rsplit("@", 1)[-1] == network
        ]

    def _owned_nsgs(self) -> list[Payload]:
        nsgs = self.retry(lambda: list(self.client.network_security_groups.list(self.rg)))
        return [n.as_dict() for n in nsgs if tr.is_owned(n.as_dict(), self.policy, self.scope)]

    def ensure(self, nsg: Payload) -> str:
        """The group's ASG exists (made with all of eastwest's marks); its id."""
        return self._ensure(nsg)

    def _ensure(self, nsg: Payload) -> str:
        name, tags = str(nsg["name"]), tr.tags_of(nsg)
        asg = self._get(name)
        if asg is not None:
            self._check_owned(asg, nsg)
            return str(asg["id"])
        body = {
            "location": self.scope.region,
            "tags": ag.asg_tags(
                self.policy, self.scope, tags[tr.TAG_KEY], tags.get(tr.TAG_SEGMENT, "")
            ),
        }
        made = self.retry(lambda: self.client.application_security_groups.begin_create_or_update(
            self.rg, name, body).result())  # fmt: skip
        return str(made.as_dict()["id"])

    def _check_owned(self, asg: Payload, nsg: Payload) -> None:
        if not ag.owned(asg, self.policy, self.scope, tr.tags_of(nsg).get(tr.TAG_KEY, "")):
            raise PermanentError(
                f"an application security group named {asg['name']!r} already exists in "
                f"{self.rg} and is not eastwest's; rename or remove it"
            )

    def _get(self, name: str) -> Payload | None:
        return self.get_or_none(lambda: self.client.application_security_groups.get(self.rg, name))

    def _nics(self) -> list[Payload]:
        nics = self.retry(lambda: list(self.client.network_interfaces.list(self.rg)))
        return [n.as_dict() for n in nics]

    def _put_nic(self, nic: Payload, asg_id: str, *, member: bool) -> None:
        """One NIC, from a fresh read (its memberships may have changed since the list)."""
        name = str(nic["name"])
        fresh = self.retry(lambda: self.client.network_interfaces.get(self.rg, name)).as_dict()
        if ag.is_member(fresh, asg_id) == member and (member or not ag.holding([fresh], asg_id)):
            return
        body = ag.with_membership(fresh, asg_id, member=member)
        headers = {"If-Match": str(fresh["etag"])} if fresh.get("etag") else {}
        self.retry(lambda: self.client.network_interfaces.begin_create_or_update(
            self.rg, name, body, headers=headers).result())  # fmt: skip
