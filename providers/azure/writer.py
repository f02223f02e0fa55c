"""Writing Azure: one plan step in one scope, one NSG at a time, idempotent.

In: a step's changes, the native ids known so far (an address set's "id" is its prefixes, see
``translate``). Out: one ``ChangeResult`` per change. Always:

- Writes to one NSG are serialised: each waits for the previous operation (the LRO poller)
  before the next starts, so NRP never answers ``RetryableErrorDueToAnotherOperation`` for our
  own writes; when it does (someone else's write), the write is retried with bounded backoff,
  honouring ``Retry-After``, as are 429s the SDK's own retries did not absorb.
- Per NSG and step, the new rule list is computed from a fresh read, then written with as few
  ARM writes as possible (Microsoft.Network allows about 1,000 writes per 5 minutes per
  subscription and region): one rule changing → one rule PUT/DELETE; more → one NSG PUT carrying
  every rule (the others byte for byte as read), guarded by ``If-Match`` on the etag read.
- A rule that exists keeps its priority; a new one gets a free one (``priorities``).
- An NSG is associated with its member subnets once its rules are in (make before break); the
  subnet PUT changes ``networkSecurityGroup`` only. A subnet holding somebody else's NSG is a
  failed result, never an overwrite (the plan leaves a new group with such a member out:
  ``conflicts``; this catches an NSG put there since, or a group that already existed), unless
  sharing is on and that NSG qualifies (``shared``): then the group's rules are copied into it,
  after the group's own NSG has them, touching only rules named ``eastwest-<policy>-<segment>-``.
- 404 on delete and "already there" on create are success.

Where: the step, NSG creation and deletion, repairs and subnet associations here; the ARM calls
and retries in ``nsg_calls``; the rule-list edits (pure) in ``nsg_rules``; the copies in users'
shared NSGs in ``shared_writer``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, MutableMapping, Sequence
from functools import partial
from typing import Any

from azure.core.exceptions import HttpResponseError

from orchestrator.errors import PermanentError
from orchestrator.state import (
    Action,
    AddressSet,
    Change,
    FirewallGroup,
    FlowRule,
    NativeRef,
    Step,
)
from providers.azure import asg as ag
from providers.azure import attach as at
from providers.azure import nsg_rules as nr
from providers.azure import priorities
from providers.azure import shared as sh
from providers.azure import translate as tr
from providers.azure.asg_writer import AsgMembers
from providers.azure.conflicts import tags_lost
from providers.azure.errors import is_not_found
from providers.azure.nsg_rules import RuleSet
from providers.azure.records import GroupRecords, group_parts
from providers.azure.shared_writer import SharedNsgs
from providers.azure.subnet_moves import SubnetMoves
from providers.base import ChangeResult, Report


class AzureWriter(SharedNsgs):
    """One plan step's NSG changes in one scope (``NsgCalls`` holds the calls, ``SharedNsgs``
    the copies in users' NSGs)."""

    # -- the step ---------------------------------------------------------------------------

    def apply(
        self,
        step: Step,
        changes: Sequence[Change],
        ids: MutableMapping[str, NativeRef],
        report: Report | None = None,
    ) -> list[ChangeResult]:
        sink = report or (lambda _: None)
        results: dict[str, ChangeResult] = {}
        if step is Step.CREATE_CONTAINERS:
            self._containers(changes, ids, results)
        elif step in (Step.ADD_RULES, Step.REMOVE_RULES):
            self._rules(step, changes, ids, results)
        else:
            self._deletions(changes, ids, results)
        ordered = [results[c.key] for c in changes]
        for result in ordered:
            sink(result)
        return ordered

    def _containers(
        self,
        changes: Sequence[Change],
        ids: MutableMapping[str, NativeRef],
        out: dict[str, ChangeResult],
    ) -> None:
        repaired: dict[str, list[str]] = defaultdict(list)  # NSG name → keys of its changes
        wants: dict[str, FirewallGroup] = {}  # NSG name → the group as the policy wants it
        for change in changes:
            after = change.after
            if isinstance(after, AddressSet):
                ids[after.key] = NativeRef(tr.encode_prefixes(after.cidrs))
                out[change.key] = ChangeResult(change.key, True)
                if change.action is Action.UPDATE:
                    for name in self._owned_nsg_names():
                        repaired[name].append(change.key)
            elif isinstance(after, FirewallGroup) and change.action is Action.CREATE:
                out[change.key] = self._guard(change.key, partial(self._create_nsg, after, ids))
            elif isinstance(after, FirewallGroup):
                ref = ids.get(after.key)
                name = ref.id if ref else tr.nsg_name(after)
                repaired[name].append(change.key)
                wants[name] = after
            else:
                why = f"{self.where(change.key)}: nothing to do for a {change.resource.kind}"
                out[change.key] = ChangeResult(change.key, False, why)
        for name, keys in sorted(repaired.items()):
            result = self._guard(keys[0], partial(self._repair, name, ids, wants.get(name)))
            for key in keys:
                if not result.ok or key not in out:
                    out[key] = ChangeResult(key, result.ok, result.message)

    def _rules(
        self,
        step: Step,
        changes: Sequence[Change],
        ids: Mapping[str, NativeRef],
        out: dict[str, ChangeResult],
    ) -> None:
        by_group: dict[str, list[FlowRule]] = defaultdict(list)
        for change in changes:
            if isinstance(change.resource, FlowRule):
                by_group[change.resource.group].append(change.resource)
        for group, rules in sorted(by_group.items()):
            ref = ids.get(group)
            if ref is None:
                why = f"{self.where(group)}: the NSG does not exist (its creation failed)"
                out.update({r.key: ChangeResult(r.key, False, why) for r in rules})
                continue

            def work(
                name: str = ref.id,
                rules: list[FlowRule] = rules,
                adding: bool = step is Step.ADD_RULES,
            ) -> None:
                if adding:
                    self._edit(name, lambda rs: nr.add_rules(rs, rules, self._known_for(rs, ids)))
                    self._sync_shared(name, ids)
                    self._associate(name, ids)
                else:
                    self._edit(
                        name,
                        lambda rs: nr.remove_rules(rs, rules, self.scope, self._known_for(rs, ids)),
                    )
                    self._sync_shared(name, ids)

            result = self._guard(group, work)
            out.update({r.key: ChangeResult(r.key, result.ok, result.message) for r in rules})

    def _deletions(
        self, changes: Sequence[Change], ids: Mapping[str, NativeRef], out: dict[str, ChangeResult]
    ) -> None:
        for change in changes:
            before = change.before
            if isinstance(before, FirewallGroup) and before.key in ids:
                name = ids[before.key].id
                out[change.key] = self._guard(change.key, partial(self._delete_nsg, name))
            else:  # address sets are the prefixes inside rules: nothing of their own to delete
                out[change.key] = ChangeResult(change.key, True)

    # -- NSGs --------------------------------------------------------------------------------

    def _create_nsg(self, group: FirewallGroup, ids: MutableMapping[str, NativeRef]) -> None:
        name = tr.nsg_name(group)
        existing = self._get_nsg(name)
        if existing is not None:
            if tags_lost(existing, group):
                self._retry(partial(self._tag, name, tr.ownership_tags(self.policy, group)))
            elif not tr.is_owned(existing, self.policy, self.scope, group.key):
                raise PermanentError(
                    f"an NSG named {name!r} already exists in {self.rg} and is not eastwest's; "
                    "rename or remove it"
                )
            ids[group.key] = NativeRef(name)  # ours, from a run that crashed: adopt it
            return
        denies = [
            {"name": tr.DENY_NAMES[d], "properties": tr.deny_properties(d, priorities.HIGHEST)}
            for d in ("ingress", "egress")
        ]
        body = {
            "location": self.scope.region,
            "tags": tr.ownership_tags(self.policy, group),
            "properties": {"securityRules": denies},
        }
        self._retry(lambda: self.client.network_security_groups.begin_create_or_update(
            self.rg, name, body).result())  # fmt: skip
        if group.asg:  # before the step's rules, which may name it
            self._asg_members().ensure({"name": name, "tags": body["tags"]})
        ids[group.key] = NativeRef(name)

    def _delete_nsg(self, name: str) -> None:
        nsg = self._get_nsg(name)
        if nsg is None:
            return
        self._unshare(nsg)
        if ag.wanted(nsg):
            self._asg_members().release(nsg)
        kept = at.priors(nsg)  # what an exclusive attachment took off: put back
        for ref in tr.props(nsg).get("subnets") or ():
            prior = kept.get(tr.name_of_id(str(ref["id"])))
            self._subnets().set_nsg(str(ref["id"]), prior, expected=str(nsg["id"]))
        try:
            self._retry(lambda: self.client.network_security_groups.begin_delete(
                self.rg, name).result())  # fmt: skip
        except HttpResponseError as exc:
            if not is_not_found(exc):
                raise
        parts = group_parts(self.scope, tr.tags_of(nsg).get(tr.TAG_KEY, ""))
        if parts is not None:
            self._records().forget(*parts)

    def _repair(
        self, name: str, ids: Mapping[str, NativeRef], group: FirewallGroup | None = None
    ) -> None:
        """Put back what makes an NSG eastwest's beyond its allows: the deny rules, rules using
        a segment's new prefixes, the subnet associations (as the group's mode now asks) and
        its ASG's members."""
        nsg = self._get_nsg(name)
        if nsg is not None and group is not None:
            self._retag(nsg, group, ids)

        def edit(rules: RuleSet) -> None:
            nr.reprefix(rules, self._known_for(rules, ids))
            nr.place_denies(rules)

        self._edit(name, edit)
        self._sync_shared(name, ids)
        self._associate(name, ids)

    def _retag(
        self, nsg: Mapping[str, Any], group: FirewallGroup, ids: Mapping[str, NativeRef]
    ) -> None:
        """The NSG's tags as the group now asks (its attach mode, its ASG opt-in). Opting in
        makes the ASG first (the step's rules may name it). Opting out puts every rule of the
        VNet that names the ASG back to prefixes, then empties and deletes the ASG (make
        before break), and only then drops the tag, so a crash in between is retried."""
        tags = tr.tags_of(nsg)
        if group.attach and at.mode_of(nsg) != group.attach:
            tags[at.TAG_ATTACH] = group.attach
        if group.asg:
            tags[ag.TAG_ASG] = ag.MEMBERS
            self._asg_members().ensure({**nsg, "tags": tags})
        elif ag.wanted(nsg):
            self._unname(group, ids)
            self._asg_members().release(nsg)
            tags.pop(ag.TAG_ASG, None)
        if tags != tr.tags_of(nsg):
            self._retry(partial(self._tag, str(nsg["name"]), tags))

    def _unname(self, group: FirewallGroup, ids: Mapping[str, NativeRef]) -> None:
        """Every rule of the VNet's NSGs that names the group's ASG, back to prefixes."""
        for name in self._asg_members().in_vnet(group.network):
            self._edit(name, partial(self._reprefixed, ids=ids, leaving=group.segment))

    def _reprefixed(self, rules: RuleSet, *, ids: Mapping[str, NativeRef], leaving: str) -> None:
        nr.reprefix(rules, self._known_for(rules, ids, leaving))

    def _known_for(
        self, rules: RuleSet, ids: Mapping[str, NativeRef], leaving: str = ""
    ) -> dict[str, tuple[str, ...]]:
        """Each segment's prefixes as the NSG's rules name them (an ASG where they may); no
        read at all unless the NSG (as read for the edit) opted in."""
        return self._asg_members().known_for(rules.nsg, nr.known_prefixes(ids), leaving)

    # -- subnets ------------------------------------------------------------------------------

    def _associate(self, name: str, ids: Mapping[str, NativeRef]) -> None:
        """The NSG's subnet associations as its attach mode asks (``attach.moves``): an
        exclusive attachment records what it takes off a subnet before it does, and drops the
        record only once that NSG is back."""
        nsg = self._get_nsg(name)
        found = self._members(nsg, ids)
        if nsg is None or found is None:
            return
        segment, members = found
        moving = self._subnets()
        eastwest = moving.eastwest_nsgs() if at.mode_of(nsg) == "exclusive" else set()
        todo, held = at.moves(nsg, members, eastwest)
        shared = set()
        if self.share and at.mode_of(nsg) == "add":
            sharing = self._sharing(members, nsg)
            shared = {
                tr.name_of_id(str(n["id"])) for n in sh.shared_nsgs(nsg, members, segment, sharing)
            }
        moving.run(name, todo)
        if ag.wanted(nsg):
            self._asg_members().sync(nsg, members)
        conflicts = [
            f"{subnet} (NSG {nsg_name})" for subnet, nsg_name in held if nsg_name not in shared
        ]
        if conflicts:
            raise PermanentError(
                f"member subnets already have an NSG that is not eastwest's: "
                f"{', '.join(conflicts)}; eastwest leaves them alone (remove that NSG from the "
                "subnet, drop the subnet from the segment, or set attach: exclusive)"
            )

    # -- bookkeeping ----------------------------------------------------------------------------

    def record_applied(self, applied: Mapping[str, str], ids: Mapping[str, NativeRef]) -> None:
        for key, digest in sorted(applied.items()):
            if "/fwgroup/" not in key or key not in ids:
                continue
            nsg = self._get_nsg(ids[key].id)
            if nsg is None:
                continue
            tags = tr.tags_of(nsg)
            if tags.get(tr.TAG_RULES_DIGEST) == digest:
                continue
            tags[tr.TAG_RULES_DIGEST] = digest
            name = str(nsg["name"])
            self._retry(partial(self._tag, name, tags))
        self._records().record({k: d for k, d in applied.items() if k in ids})

    def _subnets(self) -> SubnetMoves:
        return SubnetMoves(self.client, self.rg, self._retry)

    def _asg_members(self) -> AsgMembers:
        return AsgMembers(self)

    def _records(self) -> GroupRecords:
        return GroupRecords(self.client, self.rg, self.scope, self.policy, self._retry)
