"""Applying group attachments, cloud-free: the order of writes every cloud follows.

In: one step's attachment changes, the native ids of the groups, and an ``InterfaceOps`` (the
cloud's reads and writes of interfaces). Out: one ``ChangeResult`` per change. Always: the
changed interfaces are read again first (the plan's view may be minutes old, and a group list
is written whole); the ledger is tagged before any group changes and its stale tags removed
only after; an interface gone since the plan has nothing left to enforce (success); a cloud
error fails only the interfaces it concerns.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Protocol

from orchestrator.errors import ProviderError
from orchestrator.state import Action, Change, GroupAttachment, Interface, NativeRef
from providers.base import ChangeResult, Report
from providers.core.attachment import Claim, Write, plan_write, wanted_claim


class InterfaceOps(Protocol):
    """One cloud's interface calls; each raises ``ProviderError`` (already translated)."""

    value_max: int  # the longest tag value
    tag_batch: int  # interfaces per tag call

    def where(self, key: str) -> str: ...
    def current(self, interface_ids: Sequence[str]) -> dict[str, Interface]: ...
    def prepare(self, claim: Claim) -> None: ...  # per group, before it is attached
    def tag(self, interface_ids: Sequence[str], tags: Mapping[str, str]) -> None: ...
    def set_groups(self, iface: Interface, groups: tuple[str, ...]) -> None: ...
    def untag(self, interface_ids: Sequence[str], keys: Sequence[str]) -> None: ...


def apply_attachments(
    ops: InterfaceOps,
    policy: str,
    changes: Sequence[Change],
    ids: Mapping[str, NativeRef],
    report: Report | None = None,
) -> dict[str, ChangeResult]:
    """``report`` hears every result, in the order of ``changes``."""
    results = _apply(ops, policy, changes, ids)
    for change in changes:
        if report is not None:
            report(results[change.key])
    return results


def _apply(
    ops: InterfaceOps, policy: str, changes: Sequence[Change], ids: Mapping[str, NativeRef]
) -> dict[str, ChangeResult]:
    group_ids = {k: ref.id for k, ref in ids.items()}
    try:
        current = ops.current(sorted({interface_of(c) for c in changes}))
    except ProviderError as exc:
        return {c.key: ChangeResult(c.key, False, str(exc)) for c in changes}
    results: dict[str, ChangeResult] = {}
    writes: dict[str, tuple[Write, Interface, Claim | None]] = {}
    for change in changes:
        iface = current.get(interface_of(change))
        if iface is None:  # terminated since the plan: nothing left to attach or detach
            results[change.key] = ChangeResult(change.key, True, "the interface is gone")
            continue
        try:
            want = wanted_claim(change.after, group_ids)
        except KeyError:
            why = f"{ops.where(change.key)}: its security group does not exist (creation failed)"
            results[change.key] = ChangeResult(change.key, False, why)
            continue
        write = plan_write(iface, iface.tags, policy, want, ops.value_max)
        if write.groups == ():
            why = "eastwest's group is its only group; give it another before detaching"
            results[change.key] = ChangeResult(change.key, False, f"{ops.where(change.key)}: {why}")
            continue
        writes[change.key] = (write, iface, want)
    return results | _write(ops, writes)


def _write(
    ops: InterfaceOps, writes: Mapping[str, tuple[Write, Interface, Claim | None]]
) -> dict[str, ChangeResult]:
    """Ledger first, then groups, then stale ledger tags: a crash in between leaves a claim
    the next plan completes."""
    failed = _prepare(ops, writes)
    ledgers = {k: w.ledger for k, (w, _, _) in writes.items() if k not in failed}
    failed |= _batched(ops, writes, ledgers, lambda ifaces, tags: ops.tag(ifaces, dict(tags)))
    for key, (write, iface, _) in writes.items():
        if key in failed or write.groups is None:
            continue
        try:
            ops.set_groups(iface, write.groups)
        except ProviderError as exc:
            failed[key] = str(exc)
    stale = {k: dict.fromkeys(w.untag, "") for k, (w, _, _) in writes.items() if k not in failed}
    failed |= _batched(
        ops, writes, stale, lambda ifaces, tags: ops.untag(ifaces, [k for k, _ in tags])
    )
    return {k: ChangeResult(k, k not in failed, failed.get(k, "")) for k in writes}


def _prepare(
    ops: InterfaceOps, writes: Mapping[str, tuple[Write, Interface, Claim | None]]
) -> dict[str, str]:
    """What each attached group needs before it goes on (once per group and mode)."""
    failed: dict[str, str] = {}
    claims = {c for _, _, c in writes.values() if c is not None}
    for claim in sorted(claims, key=lambda c: (c.group, c.mode)):
        try:
            ops.prepare(claim)
        except ProviderError as exc:
            failed |= {k: str(exc) for k, (_, _, c) in writes.items() if c == claim}
    return failed


def _batched(
    ops: InterfaceOps,
    writes: Mapping[str, tuple[Write, Interface, Claim | None]],
    tag_sets: Mapping[str, Mapping[str, str]],
    call: _TagCall,
) -> dict[str, str]:
    """One call per distinct tag set and ``ops.tag_batch`` interfaces."""
    by_tags: dict[tuple[tuple[str, str], ...], list[str]] = defaultdict(list)
    for key, tags in tag_sets.items():
        if tags:
            by_tags[tuple(sorted(tags.items()))].append(key)
    failed: dict[str, str] = {}
    for tag_set, keys in sorted(by_tags.items()):
        for start in range(0, len(keys), ops.tag_batch):
            chunk = keys[start : start + ops.tag_batch]
            try:
                call([writes[k][1].id for k in chunk], tag_set)
            except ProviderError as exc:
                failed |= dict.fromkeys(chunk, str(exc))
    return failed


class _TagCall(Protocol):
    def __call__(self, interface_ids: list[str], tags: tuple[tuple[str, str], ...]) -> None: ...


def interface_of(change: Change) -> str:
    res = change.after if change.action is not Action.DELETE else change.before
    return res.interface if isinstance(res, GroupAttachment) else ""
