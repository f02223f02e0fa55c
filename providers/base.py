"""The adapter contract every cloud implements (after crossplane-runtime's Observe/Create/…).

- ``inventory`` reads what eastwest never owns (networks, subnets) for one region.
- ``observe`` reads everything eastwest owns in one scope, completely, or raises
  ``ObservationError``: it never returns partial data and never writes.
- ``apply`` carries out the changes of one plan step in one scope, batched as the cloud allows,
  idempotently ("already exists" on create and "not found" on delete are success), and records
  the native id of everything it creates in ``ids``.

Adapters are built per account by a factory in ``providers/__init__.py``; SDK clients are
injected into them, never made at import time.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from orchestrator.state import (
    Change,
    DesiredScope,
    NativeRef,
    ObservedScope,
    RoutingModel,
    Scope,
    ScopeInventory,
    Step,
    Target,
    TransitInventory,
)
from orchestrator.state.access import AccessModel


@dataclass(frozen=True, slots=True)
class ChangeResult:
    key: str
    ok: bool
    message: str = ""


Report = Callable[[ChangeResult], None]


class Adapter(Protocol):
    target: Target

    def check_identity(self, region: str = ...) -> None:
        """Raise AccountMismatchError unless the credentials are the target account's."""

    def inventory(self, region: str) -> ScopeInventory:
        """Networks and subnets of one region, read completely."""

    def observe(self, scope: Scope, desired: DesiredScope | None) -> ObservedScope:
        """Everything owned in the scope. ``desired`` lets the adapter skip reads whose answer
        it can prove unchanged (a versioned object it wrote); it never changes the answer."""

    def apply(
        self,
        scope: Scope,
        step: Step,
        changes: Sequence[Change],
        ids: MutableMapping[str, NativeRef],
        *,
        run_id: str = "",
        report: Report | None = None,
    ) -> list[ChangeResult]:
        """Carry out one step's changes; one result per change, in order. ``run_id`` is the
        same for every run of one plan and differs between plans (idempotency tokens).
        ``report``, when given, is called with each result as soon as it is known, so a long
        step shows progress; the returned list holds every result either way."""

    def record_applied(
        self, scope: Scope, applied: Mapping[str, str], ids: Mapping[str, NativeRef]
    ) -> None:
        """Record, on each group, the digest of the rules eastwest left it with."""


# An answer another process read, decoded when first used (``SharesReads.seed_reads``).
Load = Callable[[], Any]


@runtime_checkable
class SharesReads(Protocol):
    """An adapter whose inventory reads another process may reuse: the reconciler's queue
    workers share one interval's reads through their store (``orchestrator/reconcile/
    snapshot.py``), and the raw answers the inventory kept for this scope's observation and
    access check travel with it, so a tick in any worker reads what the reader's would."""

    def kept_reads(self, region: str) -> dict[str, Any]:
        """The raw answers the last inventory read of ``region`` kept, by kind."""

    def seed_reads(self, inventory: ScopeInventory, kept: Mapping[str, Load], age: float) -> None:
        """Keep another process's inventory of one scope and its raw answers, read ``age``
        seconds ago, as if this adapter had read them then."""


class AdapterFactory(Protocol):
    def __call__(
        self, target: Target, *, policy: str, sandbox: Mapping[str, Any] | None
    ) -> Adapter: ...


@runtime_checkable
class RuleIdReader(Protocol):
    """An adapter that can also name each owned rule by the cloud's own id (AWS ``sgr-…``), for
    tools that address rules one by one (Terraform import blocks). Separate from ``Adapter``:
    only clouds whose rules have ids of their own implement it."""

    def rule_ids(self, observed: ObservedScope) -> dict[str, str]:
        """Rule key → native rule id for every rule of ``observed``'s owned groups. Never
        writes; raises ``ObservationError`` rather than answering part of them."""


@runtime_checkable
class RoutingReader(Protocol):
    """An adapter that can read the routing of a scope for the path check (``eastwest
    paths``): route tables of networks and of transit hubs, and firewall next hops."""

    def routing(self, scope: Scope) -> RoutingModel:
        """The scope's routing, read completely. Never writes; raises ``ObservationError``
        rather than answering part of it."""


@runtime_checkable
class AccessReader(Protocol):
    """An adapter that can read what decides a packet at the workload, for ``eastwest paths``:
    every group and list on each workload interface and its subnet, owned or not, one paged
    read per kind at the largest page size."""

    def access(self, scope: Scope, networks: Collection[str] | None = None) -> AccessModel:
        """The scope's workload interfaces and their rule sets, read completely. Never writes;
        raises ``ObservationError`` rather than answering part of them. ``networks``, when
        given, are the networks whose workloads the caller judges (the segments' member
        networks): the answer holds the workloads and subnets of those networks only, each
        with every group and list on it, owned or not, and the reader skips reads that only
        workloads elsewhere need (an Alibaba group on no judged interface). A workload is
        judged by its network, so none of a member's is ever left out; None: every network."""


@runtime_checkable
class TransitReader(Protocol):
    """An adapter that can read what compiling transit routing needs in a hub's scope."""

    def transit_inventory(self, scope: Scope, next_hops: Sequence[str]) -> TransitInventory:
        """Hubs, attachments, subnet route tables, and the subnets of the ``next_hops``
        (declared firewalls), read completely. Never writes; raises ``ObservationError``
        rather than answering part of it."""
