"""One plan step in one scope, for any cloud: the order, batching and idempotency every writer
follows; each cloud fills in its calls per resource kind (``Kinds``).

The shape is crossplane-runtime's managed reconciler (``Observe/Create/Update/Delete`` per
external client), batched per parent: a kind's rules go in one call per group and direction.

In: a ``Kinds`` (the cloud's error handling and its calls per kind), one step's changes, the
native ids known so far. Out: one ``ChangeResult`` per change, in the order given; the ids of
what was created or changed are written to ``ids``. Always:

- attachments come off interfaces before rules go (step 3) and go on once rules are in (step 2);
- address sets are created before the groups whose rules reference them, deleted after them;
- rules go in one call per group, direction and ``per_call`` rules; a batch that fails only
  because part of it already happened (``exists`` when adding, ``gone`` when removing: a re-run
  after a crash) is retried rule by rule, and those codes alone are success;
- a cloud error fails only the changes it concerns; a kind the cloud does not write is a failed
  change, never a silent success.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

from orchestrator.state import Action, Change, FlowRule, NativeRef, Scope, Step
from orchestrator.state.resources import address_set_key
from providers.base import ChangeResult, Report

Ids = Mapping[str, NativeRef]
RULE_STEPS = (Step.ADD_RULES, Step.REMOVE_RULES)
# Address sets before groups when creating: the groups' rules reference them.
CREATE_ORDER = ("address_set", "firewall_group")


class Cloud(Protocol):
    """How one cloud names places and reads its own errors."""

    @property
    def caught(self) -> tuple[type[BaseException], ...]: ...  # what fails a change, not the run
    def code(self, exc: BaseException) -> str | None: ...  # the cloud's error code, if any
    def failure(self, key: str, exc: BaseException) -> str: ...  # a failed change's message
    def where(self, key: str) -> str: ...


@dataclass(frozen=True, slots=True)
class ContainerKind:
    """A cloud's calls for one container kind (group, address set)."""

    create: Callable[[Any], NativeRef]
    update: Callable[[Any, Any, NativeRef], NativeRef]
    delete: Callable[[Any, NativeRef], None]


@dataclass(frozen=True, slots=True)
class RuleKind:
    """A cloud's calls for rules, one call per group and direction."""

    # adding, the group's id, the direction, the rules, the ids known (for peers)
    write: Callable[[bool, str, str, Sequence[FlowRule], Ids], None]
    per_call: int  # rules a call at the most; 0: no limit
    exists: frozenset[str] = frozenset()  # adding: (part of) the batch is already there
    gone: frozenset[str] = frozenset()  # removing: (part of) the batch is already gone
    parent_gone: frozenset[str] = frozenset()  # removing: the group went, its rules with it


Members = Callable[
    [Sequence[Change], MutableMapping[str, NativeRef], Report], dict[str, ChangeResult]
]
Transit = Callable[
    [Step, Sequence[Change], MutableMapping[str, NativeRef], Report], dict[str, ChangeResult]
]


@dataclass(frozen=True, slots=True)
class Kinds:
    cloud: Cloud
    label: str  # the cloud's name in a message
    containers: Mapping[str, ContainerKind]
    rules: RuleKind
    attachments: Members
    transit: Transit
    transit_kinds: frozenset[str]


def apply_step(
    kinds: Kinds,
    step: Step,
    changes: Sequence[Change],
    ids: MutableMapping[str, NativeRef],
    report: Report | None = None,
) -> list[ChangeResult]:
    """Results come back in the order of ``changes`` whatever order the work is done in;
    ``report`` hears each one as soon as it is known."""
    sink = report or (lambda _: None)
    attaching = [c for c in changes if c.resource.kind == "group_attachment"]
    routing = [c for c in changes if c.resource.kind in kinds.transit_kinds]
    security = [c for c in changes if c.resource.kind in kinds.containers or _is_rule(c)]
    results: dict[str, ChangeResult] = {}
    if attaching and step is Step.REMOVE_RULES:  # off the interfaces before rules go
        results |= kinds.attachments(attaching, ids, sink)
    if step in RULE_STEPS:
        results |= _rules(kinds, step, security, ids, sink)
    else:
        results |= _containers(kinds, step, security, ids, sink)
    if attaching and step is Step.ADD_RULES:  # onto the interfaces once the rules are in
        results |= kinds.attachments(attaching, ids, sink)
    if routing:
        results |= kinds.transit(step, routing, ids, sink)
    for change in changes:
        if change.key not in results:
            kind = change.resource.kind
            why = f"{kinds.cloud.where(change.key)}: {kind} is not supported on {kinds.label} yet"
            results[change.key] = ChangeResult(change.key, False, why)
            sink(results[change.key])
    return [results[c.key] for c in changes]


def _is_rule(change: Change) -> bool:
    return isinstance(change.resource, FlowRule)


def guard(cloud: Cloud, key: str, do: Callable[[], object]) -> ChangeResult:
    """``do`` as one change: a cloud error fails it, with a message naming where."""
    try:
        do()
    except cloud.caught as exc:
        return ChangeResult(key, False, cloud.failure(key, exc))
    return ChangeResult(key, True)


def ignoring(cloud: Cloud, codes: Sequence[str], call: Callable[[], object]) -> None:
    """``call``, where an error with one of ``codes`` means it had already happened."""
    try:
        call()
    except cloud.caught as exc:
        if cloud.code(exc) not in codes:
            raise


def client_token(policy: str, key: str, extra: str, run_id: str) -> str:
    """A create's idempotency token. A replay (a retry, or a re-run of the same plan after a
    crash) gets what the first request made; the run id keeps a later plan that re-creates the
    object from getting a deleted one back; keys repeat across policies, so the policy is in."""
    seed = f"{policy}|{key}|{extra}|{run_id}"
    return hashlib.sha256(seed.encode()).hexdigest()[:64]


def peer_id(scope: Scope, rule: FlowRule, ids: Mapping[str, NativeRef]) -> str | None:
    """The native id of the address set a rule's ``set:`` peer names (None: not a set, or not
    created)."""
    kind, _, segment = rule.peer.partition(":")
    if kind != "set":
        return None
    ref = ids.get(address_set_key(scope, segment))
    return ref.id if ref is not None else None


# -- containers -----------------------------------------------------------------------------


def _containers(
    kinds: Kinds,
    step: Step,
    changes: Sequence[Change],
    ids: MutableMapping[str, NativeRef],
    report: Report,
) -> dict[str, ChangeResult]:
    order = list(CREATE_ORDER)
    if step is Step.DELETE_CONTAINERS:  # groups first: their rules may reference the sets
        order.reverse()
    rank = {kind: n for n, kind in enumerate(order)}
    results: dict[str, ChangeResult] = {}
    for change in sorted(changes, key=lambda c: rank.get(c.resource.kind, len(rank))):
        kind = kinds.containers.get(change.resource.kind)
        if kind is None:
            continue
        results[change.key] = guard(kinds.cloud, change.key, partial(_container, kind, change, ids))
        report(results[change.key])
    return results


def _container(kind: ContainerKind, change: Change, ids: MutableMapping[str, NativeRef]) -> None:
    if change.action is Action.CREATE:
        ids[change.key] = kind.create(change.after)
    elif change.action is Action.DELETE:
        kind.delete(change.before, ids[change.key])
    else:
        ids[change.key] = kind.update(change.before, change.after, ids[change.key])


# -- rules ------------------------------------------------------------------------------------


def _rules(
    kinds: Kinds,
    step: Step,
    changes: Sequence[Change],
    ids: Mapping[str, NativeRef],
    report: Report,
) -> dict[str, ChangeResult]:
    batches: dict[tuple[str, str], list[FlowRule]] = defaultdict(list)
    for change in changes:
        rule = change.resource
        if isinstance(rule, FlowRule):
            batches[(rule.group, rule.direction)].append(rule)
    results: dict[str, ChangeResult] = {}
    for (group, direction), rules in sorted(batches.items()):
        per_call = kinds.rules.per_call or len(rules)  # 0: no limit
        for start in range(0, len(rules), per_call):
            chunk = rules[start : start + per_call]
            for result in _batch(kinds, step is Step.ADD_RULES, (group, direction), chunk, ids):
                results[result.key] = result
                report(result)
    return results


def _batch(
    kinds: Kinds, adding: bool, parent: tuple[str, str], rules: list[FlowRule], ids: Ids
) -> list[ChangeResult]:
    """``parent``: the group's key and the direction."""
    cloud, kind = kinds.cloud, kinds.rules
    group, direction = parent
    if group not in ids:
        why = f"{cloud.where(group)}: the security group does not exist (its creation failed)"
        return [ChangeResult(r.key, False, why) for r in rules]
    benign = kind.exists if adding else kind.gone
    try:
        kind.write(adding, ids[group].id, direction, rules, ids)
    except ValueError as exc:
        return [ChangeResult(r.key, False, f"{cloud.where(r.key)}: {exc}") for r in rules]
    except cloud.caught as exc:
        code = cloud.code(exc)
        if (code in benign and len(rules) == 1) or (not adding and code in kind.parent_gone):
            return _ok(rules)
        if code in benign:  # part of the batch already happened (a re-run after a crash)
            return [_single(kinds, adding, (ids[group].id, direction), r, ids) for r in rules]
        return [ChangeResult(r.key, False, cloud.failure(group, exc)) for r in rules]
    return _ok(rules)


def _single(
    kinds: Kinds, adding: bool, parent: tuple[str, str], rule: FlowRule, ids: Ids
) -> ChangeResult:
    """``parent``: the group's native id and the direction."""
    gid, direction = parent
    benign = tuple(kinds.rules.exists if adding else kinds.rules.gone)

    def write() -> None:
        kinds.rules.write(adding, gid, direction, [rule], ids)

    return guard(kinds.cloud, rule.key, lambda: ignoring(kinds.cloud, benign, write))


def _ok(rules: Sequence[FlowRule]) -> list[ChangeResult]:
    return [ChangeResult(r.key, True) for r in rules]
