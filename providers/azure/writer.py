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
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from functools import partial
from typing import Any, TypeVar

from azure.core.exceptions import AzureError, HttpResponseError

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
from orchestrator.state.resources import Direction
from providers.azure import attach as at
from providers.azure import priorities
from providers.azure import shared as sh
from providers.azure import translate as tr
from providers.azure.conflicts import tags_lost
from providers.azure.errors import is_not_found, is_retryable, retry_after, translate
from providers.azure.records import GroupRecords, group_parts
from providers.azure.session import Tuning
from providers.azure.subnet_moves import SubnetMoves
from providers.base import ChangeResult, Report

T = TypeVar("T")
Payload = dict[str, Any]
RULES_PER_NSG = 1000  # Azure's limit, both directions together
_NSG_READ_ONLY = frozenset(
    {"provisioningState", "resourceGuid", "defaultSecurityRules", "subnets",
     "networkInterfaces", "flowLogs", "securityRules"}
)  # fmt: skip


class RuleSet:
    """An NSG's rules being edited: what was read, and what the write must leave."""

    def __init__(self, nsg: Payload) -> None:
        self.nsg = nsg
        self.before = {r["name"]: tr.writable(r) for r in tr.props(nsg).get("securityRules") or ()}
        self.after = dict(self.before)

    def taken(self, direction: Direction) -> set[int]:
        arm = tr.ARM_DIRECTION[direction]
        return {
            int(r["properties"]["priority"])
            for r in self.after.values()
            if r["properties"].get("direction") == arm
        }

    def priority_of(self, name: str) -> int | None:
        rule = self.after.get(name)
        return int(rule["properties"]["priority"]) if rule else None

    def put(self, name: str, properties: dict[str, Any]) -> None:
        self.after[name] = {"name": name, "properties": properties}

    def delete(self, name: str) -> None:
        self.after.pop(name, None)

    def puts(self) -> list[str]:
        return sorted(
            n
            for n, r in self.after.items()
            if n not in self.before or not tr.same_content(self.before[n], r["properties"])
        )

    def deletes(self) -> list[str]:
        return sorted(set(self.before) - set(self.after))

    def allow_ceiling(self, direction: Direction) -> int:
        deny = self.priority_of(tr.DENY_NAMES[direction])
        return (deny - 1) if deny is not None else priorities.HIGHEST - 1


class AzureWriter:
    def __init__(
        self,
        client: Any,  # a NetworkManagementClient: its stubs list models only, it takes ARM JSON
        resource_group: str,
        scope: Scope,
        policy: str,
        tuning: Tuning,
        *,
        share: bool = False,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.share = share  # write eastwest's rules into the user's NSGs on member subnets
        self.client = client
        self.rg = resource_group
        self.scope = scope
        self.policy = policy
        self.tuning = tuning
        self.sleep = sleep

    def where(self, key: str) -> str:
        rest = key.removeprefix(f"{self.scope}/")
        return f"azure subscription {self.scope.account} {self.scope.region} {self.rg}: {rest}"

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
        modes: dict[str, str] = {}  # NSG name → the attach mode its group wants
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
                modes[name] = after.attach
            else:
                why = f"{self.where(change.key)}: nothing to do for a {change.resource.kind}"
                out[change.key] = ChangeResult(change.key, False, why)
        for name, keys in sorted(repaired.items()):
            result = self._guard(keys[0], partial(self._repair, name, ids, modes.get(name, "")))
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
                    self._edit(name, lambda rs: self._add(rs, rules, ids))
                    self._sync_shared(name, ids)
                    self._associate(name, ids)
                else:
                    self._edit(name, lambda rs: self._remove(rs, rules, ids))
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

    def _guard(self, key: str, work: Callable[[], object]) -> ChangeResult:
        try:
            work()
        except AzureError as exc:
            return ChangeResult(key, False, str(translate(exc, self.where(key))))
        except (ProviderError, ValueError) as exc:
            return ChangeResult(key, False, f"{self.where(key)}: {exc}")
        return ChangeResult(key, True)

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
        ids[group.key] = NativeRef(name)

    def _delete_nsg(self, name: str) -> None:
        nsg = self._get_nsg(name)
        if nsg is None:
            return
        self._unshare(nsg)
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

    def _repair(self, name: str, ids: Mapping[str, NativeRef], mode: str = "") -> None:
        """Put back what makes an NSG eastwest's beyond its allows: the deny rules, rules using
        a segment's new prefixes, and the subnet associations (as ``mode`` now asks)."""
        known = _known(ids)
        nsg = self._get_nsg(name)
        if nsg is not None and mode and at.mode_of(nsg) != mode:
            tags = {**tr.tags_of(nsg), at.TAG_ATTACH: mode}
            self._retry(partial(self._tag, name, tags))

        def edit(rules: RuleSet) -> None:
            for rule in list(rules.after.values()):
                peer = tr.declared_peer(rule)
                if peer is not None and peer[4:] in known:
                    rule_props = dict(rule["properties"])
                    side = "source" if rule_props.get("direction") == "Inbound" else "destination"
                    rule_props[f"{side}AddressPrefixes"] = list(known[peer[4:]])
                    rule_props.pop(f"{side}AddressPrefix", None)
                    rules.put(rule["name"], rule_props)
            self._deny(rules)

        self._edit(name, edit)
        self._sync_shared(name, ids)
        self._associate(name, ids)

    # -- rules ------------------------------------------------------------------------------

    def _add(self, rules: RuleSet, wanted: list[FlowRule], ids: Mapping[str, NativeRef]) -> None:
        known = _known(ids)
        fresh: dict[Direction, list[tuple[str, FlowRule]]] = defaultdict(list)
        for rule in wanted:
            name = tr.rule_name(rule)
            current = rules.priority_of(name)
            if current is None:
                fresh[rule.direction].append((name, rule))
            else:  # a rule of that name exists (edited in the console): keep its place
                rules.put(name, tr.rule_properties(rule, _prefixes(rule, known), current))
        for direction, items in fresh.items():
            slots = priorities.allocate(
                [n for n, _ in items], rules.taken(direction), high=rules.allow_ceiling(direction)
            )
            for name, rule in items:
                rules.put(name, tr.rule_properties(rule, _prefixes(rule, known), slots[name]))
        self._deny(rules)
        if len(rules.after) > RULES_PER_NSG:
            raise PermanentError(f"the NSG would hold {len(rules.after)} rules; Azure allows 1000")

    def _remove(
        self, rules: RuleSet, unwanted: list[FlowRule], ids: Mapping[str, NativeRef]
    ) -> None:
        keys = {r.key for r in unwanted}
        view = tr.read_nsg(self.scope, rules.nsg, _known(ids))
        for native in view.rules:
            if native.rule.key in keys:
                rules.delete(native.name)

    def _deny(self, rules: RuleSet) -> None:
        for direction in ("ingress", "egress"):
            name = tr.DENY_NAMES[direction]
            arm = tr.ARM_DIRECTION[direction]
            allows = [
                int(r["properties"]["priority"])
                for n, r in rules.after.items()
                if n != name and r["properties"].get("direction") == arm
                and r["properties"].get("access") == "Allow"
            ]  # fmt: skip
            current = rules.priority_of(name)
            top = max(allows, default=priorities.LOWEST - 1)
            if current is None or current <= top:
                rules.delete(name)
                current = priorities.deny_priority(rules.taken(direction), top)
            rules.put(name, tr.deny_properties(direction, current))

    def _edit(self, name: str, edit: Callable[[RuleSet], None]) -> None:
        nsg = self._get_nsg(name)
        if nsg is None:
            raise PermanentError(f"NSG {name} no longer exists; plan again")
        rules = RuleSet(nsg)
        edit(rules)
        puts, deletes = rules.puts(), rules.deletes()
        if len(puts) + len(deletes) == 0:
            return
        if len(puts) + len(deletes) == 1:
            if puts:
                body = rules.after[puts[0]]
                self._retry(lambda: self.client.security_rules.begin_create_or_update(
                    self.rg, name, puts[0], body).result())  # fmt: skip
            else:
                self._delete_rule(name, deletes[0])
            return
        self._put_nsg(nsg, list(rules.after.values()))

    def _put_nsg(self, nsg: Payload, rules: list[Payload]) -> None:
        kept = {k: v for k, v in tr.props(nsg).items() if k not in _NSG_READ_ONLY}
        body = {
            "location": nsg["location"],
            "tags": tr.tags_of(nsg),
            "properties": {**kept, "securityRules": sorted(rules, key=lambda r: str(r["name"]))},
        }
        # If-Match: a hand-made change since our read fails the PUT instead of being overwritten.
        headers = {"If-Match": str(nsg["etag"])} if nsg.get("etag") else {}
        self._retry(lambda: self.client.network_security_groups.begin_create_or_update(
            self.rg, nsg["name"], body, headers=headers).result())  # fmt: skip

    def _delete_rule(self, nsg: str, rule: str) -> None:
        try:
            self._retry(lambda: self.client.security_rules.begin_delete(
                self.rg, nsg, rule).result())  # fmt: skip
        except HttpResponseError as exc:
            if not is_not_found(exc):
                raise

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
        conflicts = [
            f"{subnet} (NSG {nsg_name})" for subnet, nsg_name in held if nsg_name not in shared
        ]
        if conflicts:
            raise PermanentError(
                f"member subnets already have an NSG that is not eastwest's: "
                f"{', '.join(conflicts)}; eastwest leaves them alone (remove that NSG from the "
                "subnet, drop the subnet from the segment, or set attach: exclusive)"
            )

    def _members(
        self, nsg: Payload | None, ids: Mapping[str, NativeRef]
    ) -> tuple[str, Sequence[Mapping[str, Any]]] | None:
        """The group's segment and its member subnets, read afresh (None: not known yet)."""
        if nsg is None:
            return None
        group = tr.group_from_nsg(self.scope, nsg)
        prefixes = _known(ids).get(group.segment)
        if prefixes is None:
            return None
        vnet = self._retry(lambda: self.client.virtual_networks.get(self.rg, group.network))
        return group.segment, tr.member_subnets(vnet.as_dict(), prefixes)

    # -- shared NSGs (the user's, holding copies of eastwest's rules) --------------------------

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
        group = tr.group_from_nsg(self.scope, anchor)
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

    # -- reads and retries ----------------------------------------------------------------------

    def _get_nsg(self, name: str) -> Payload | None:
        return self._get_or_none(lambda: self.client.network_security_groups.get(self.rg, name))

    def _get_or_none(self, get: Callable[[], Any]) -> Payload | None:
        """One ARM resource as a dict (retried like any call), or None when it does not exist."""
        try:
            found = self._retry(get)
        except HttpResponseError as exc:
            if is_not_found(exc):
                return None
            raise
        payload: Payload = found.as_dict()
        return payload

    def _owned_nsg_names(self) -> list[str]:
        nsgs = self._retry(lambda: list(self.client.network_security_groups.list(self.rg)))
        return sorted(n.name for n in nsgs if tr.is_owned(n.as_dict(), self.policy, self.scope))

    def _retry(self, call: Callable[[], T]) -> T:
        """Bounded, jittered backoff on 429/5xx/"another operation" the SDK did not absorb."""
        attempt = 0
        while True:
            try:
                return call()
            except AzureError as exc:
                attempt += 1
                if not is_retryable(exc) or attempt >= self.tuning.busy_attempts:
                    raise
                base = min(self.tuning.busy_backoff * 2**attempt, self.tuning.busy_backoff_max)
                delay = retry_after(exc)
                self.sleep(delay if delay is not None else base * random.uniform(0.5, 1.0))  # noqa: S311

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

    def _records(self) -> GroupRecords:
        return GroupRecords(self.client, self.rg, self.scope, self.policy, self._retry)

    def _tag(self, name: str, tags: dict[str, str]) -> None:
        self.client.network_security_groups.update_tags(self.rg, name, {"tags": tags})


def _known(ids: Mapping[str, NativeRef]) -> dict[str, tuple[str, ...]]:
    """Each segment's prefixes as apply knows them (observed, or written earlier in the run)."""
    known: dict[str, tuple[str, ...]] = {}
    for key, ref in ids.items():
        head, _, segment = key.rpartition("/addrset/")
        if head and "/" not in segment:
            known[segment] = tr.decode_prefixes(ref.id)
    return known


def _prefixes(rule: FlowRule, known: Mapping[str, Sequence[str]]) -> Sequence[str]:
    kind, _, value = rule.peer.partition(":")
    if kind == "set":
        return known.get(value, ())
    if kind == "cidr":
        return (value,)
    return ()
