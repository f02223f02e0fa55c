"""Group attachments, cloud-free: the ledger eastwest keeps on an interface, and the merge.

An interface is never eastwest's, so its groups are changed only through claims (PROVIDERS.md,
CLAIMED ownership) written in the interface's own tags, one ledger per policy:

- ``eastwest:attach:<policy>`` = ``<mode> <group id>``: the group this policy put there;
- ``eastwest:prior:<policy>`` (``…:2``, ``…:3`` when one value is too short) = the group ids an
  exclusive attachment took off, comma-separated, to be put back exactly.

In: the interface's groups and tags, what the plan wants. Out: the groups to write and the
tags to set or delete. Always: the ledger is written before the groups change and deleted only
after (a crash in between leaves a claim the next plan completes, never a lost group); groups
another eastwest policy claims on the same interface are never taken off.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from orchestrator.state import GroupAttachment, Interface, Resource, Scope
from orchestrator.state.attachments import Mode, attachment_key, claim_digest

CLAIM_PREFIX = "eastwest:attach:"
PRIOR_PREFIX = "eastwest:prior:"
_MODES: tuple[Mode, ...] = ("add", "exclusive")


@dataclass(frozen=True, slots=True)
class Claim:
    mode: Mode
    group: str  # native id
    prior: tuple[str, ...] = ()


def read_claim(tags: Mapping[str, str], policy: str) -> Claim | None:
    """This policy's claim on an interface; None when it has none (or one it cannot read,
    which is then not proven to be eastwest's)."""
    mode, _, group = tags.get(CLAIM_PREFIX + policy, "").partition(" ")
    if mode not in _MODES or not group:
        return None
    chunks = [tags[k] for k in _prior_keys(tags, policy)]
    prior = tuple(g for chunk in chunks for g in chunk.split(",") if g)
    return Claim("add" if mode == "add" else "exclusive", group, prior)


def _prior_keys(tags: Mapping[str, str], policy: str) -> list[str]:
    first = PRIOR_PREFIX + policy
    keys = [k for k in tags if k == first or k.startswith(first + ":")]
    return sorted(keys, key=lambda k: int(k.rpartition(":")[2]) if k != first else 1)


def other_claims(tags: Mapping[str, str], policy: str) -> frozenset[str]:
    """Groups other eastwest policies claim on the interface."""
    mine = CLAIM_PREFIX + policy
    return frozenset(
        v.partition(" ")[2] for k, v in tags.items() if k.startswith(CLAIM_PREFIX) and k != mine
    )


def ledger_tags(policy: str, claim: Claim, value_max: int) -> dict[str, str]:
    """The tags that record ``claim``; ``value_max`` is the cloud's longest tag value."""
    tags = {CLAIM_PREFIX + policy: f"{claim.mode} {claim.group}"}
    chunks: list[str] = []
    for group in claim.prior:
        if chunks and len(chunks[-1]) + 1 + len(group) <= value_max:
            chunks[-1] += "," + group
        else:
            chunks.append(group)
    for index, chunk in enumerate(chunks, start=1):
        tags[PRIOR_PREFIX + policy + ("" if index == 1 else f":{index}")] = chunk
    return tags


def stale_tags(tags: Mapping[str, str], policy: str, keep: Mapping[str, str]) -> list[str]:
    """Ledger tags of ``policy`` on the interface that ``keep`` no longer has."""
    claim = CLAIM_PREFIX + policy
    mine = [k for k in tags if k == claim or k in _prior_keys(tags, policy)]
    return sorted(k for k in mine if k not in keep)


@dataclass(frozen=True, slots=True)
class Write:
    """What one interface needs: the ledger first, then its groups, then stale tags gone.
    ``groups`` None: the group list is already right."""

    interface: str
    ledger: Mapping[str, str]
    groups: tuple[str, ...] | None
    untag: tuple[str, ...]


def plan_write(
    iface: Interface, tags: Mapping[str, str], policy: str, want: Claim | None, value_max: int
) -> Write:
    """The write that takes ``iface`` from its groups and this policy's ledger to ``want``
    (None: no attachment; the groups an exclusive one took off come back)."""
    have = read_claim(tags, policy)
    prior = have.prior if have else ()
    current = list(iface.groups)
    mine = {have.group} if have else set()
    if want is None:
        groups = _ordered([g for g in current if g not in mine], prior)
        ledger: dict[str, str] = {}
    elif want.mode == "add":
        groups = _ordered([g for g in current if g not in mine or g == want.group], prior)
        groups = _ordered(groups, (want.group,))
        ledger = ledger_tags(policy, Claim("add", want.group), value_max)
    else:
        kept = other_claims(tags, policy)
        taken = [g for g in current if g not in mine | kept | {want.group}]
        groups = _ordered([g for g in current if g in kept], (want.group,))
        recorded = Claim("exclusive", want.group, tuple(_ordered(list(prior), taken)))
        ledger = ledger_tags(policy, recorded, value_max)
    changed = tuple(groups) if groups != current else None
    untag = tuple(stale_tags(tags, policy, ledger))
    return Write(iface.id, {k: v for k, v in ledger.items() if tags.get(k) != v}, changed, untag)


def _ordered(first: Sequence[str], then: Iterable[str]) -> list[str]:
    """``first`` in its order, then what ``then`` adds, without repeats."""
    out = list(dict.fromkeys(first))
    out.extend(g for g in then if g not in out)
    return out


def observed_attachment(
    scope: Scope,
    iface: Interface,
    tags: Mapping[str, str],
    policy: str,
    group_keys: Mapping[str, str],
) -> tuple[Resource | None, str | None]:
    """What the interface holds of this policy's attachment, and the digest of what eastwest
    recorded (its applied state). The attachment is present only while its group is still on
    the interface; in exclusive mode, ``others`` lists every group besides it (and besides other
    eastwest policies' claims) that somebody put back."""
    claim = read_claim(tags, policy)
    if claim is None:
        return None, None
    group = group_keys.get(claim.group, f"ref:{claim.group}")
    applied = claim_digest(claim.mode, group)
    if claim.group not in iface.groups:
        return None, applied
    others: tuple[str, ...] = ()
    if claim.mode == "exclusive":
        kept = other_claims(tags, policy) | {claim.group}
        others = tuple(sorted(g for g in iface.groups if g not in kept))
    key = attachment_key(scope, iface.id)
    found = GroupAttachment(key, scope, iface.id, iface.network, group, claim.mode, others)
    return found, applied


def observe_attachments(
    scope: Scope, interfaces: Sequence[Interface], policy: str, group_keys: Mapping[str, str]
) -> tuple[dict[str, Resource], dict[str, str]]:
    """This policy's attachments among ``interfaces`` and what eastwest recorded for each.
    ``group_keys`` maps the owned groups' native ids to their keys."""
    found: dict[str, Resource] = {}
    applied: dict[str, str] = {}
    for iface in interfaces:
        res, digest = observed_attachment(scope, iface, iface.tags, policy, group_keys)
        if digest is None:
            continue
        key = attachment_key(scope, iface.id)
        applied[key] = digest
        if res is not None:
            found[key] = res
    return found, applied


def wanted_claim(change_after: Resource | None, group_ids: Mapping[str, str]) -> Claim | None:
    """The claim a change's ``after`` asks for; None for a removal. Raises KeyError when the
    group has no native id (its creation failed)."""
    if not isinstance(change_after, GroupAttachment):
        return None
    return Claim(change_after.mode, group_ids[change_after.group])


class InterfaceCache:
    """The interfaces an adapter read for the inventory, kept for the observation that follows
    (one read per scope per plan). Older than ``fresh`` seconds, or taken once, they are read
    again: an adapter lives across reconciler ticks, and a tick must see new interfaces."""

    def __init__(self, clock: Callable[[], float], fresh: float = 60.0) -> None:
        self._clock, self._fresh = clock, fresh
        self._kept: dict[str, tuple[float, tuple[Interface, ...]]] = {}

    def keep(
        self, region: str, interfaces: tuple[Interface, ...], age: float = 0.0
    ) -> tuple[Interface, ...]:
        """``age``: seconds since they were read (by another process: ``seed_reads``)."""
        self._kept[region] = (self._clock() - age, interfaces)
        return interfaces

    def take(self, region: str, read: Callable[[], tuple[Interface, ...]]) -> tuple[Interface, ...]:
        read_at, interfaces = self._kept.pop(region, (float("-inf"), ()))
        return interfaces if self._clock() - read_at < self._fresh else read()
