"""The adapter shell every cloud shares: the provider contract (``providers/base.py``) around a
cloud's readers and writer.

In: a ``Target``, the policy name; from the cloud (a subclass), its error classes, how it
translates them, how it proves which account its credentials are, its writer. Out: the
contract's reads and writes. Always: a cloud error never leaves a read untranslated (it is an
``ObservationError`` naming cloud, account, region and what was read, so a partial read fails
its scope and never turns into deletes); the account is proven once per adapter, before the
first write; the inventory's interfaces and networks are kept for the observation that follows
(one read of each per scope per plan); each scope's raw reads are shared with the
effective-access check through ``reads`` (``providers/core/reads.py``), forgotten after every
write to the scope and after every judgement.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from dataclasses import replace
from typing import Any, Protocol, TypeVar

from orchestrator.errors import AccountMismatchError, ObservationError, ProviderError
from orchestrator.state import (
    Change,
    Interface,
    NativeRef,
    Network,
    ObservedScope,
    Resource,
    Scope,
    ScopeInventory,
    Step,
    Target,
)
from orchestrator.state.access import AccessModel
from providers.base import ChangeResult, Load, Report
from providers.core.attachment import InterfaceCache, observe_attachments
from providers.core.group_records import NetworkCache, recorded_groups
from providers.core.reads import INVENTORY, RegionReads, Shared

T = TypeVar("T")


class Writer(Protocol):
    def apply(
        self,
        step: Step,
        changes: Sequence[Change],
        ids: MutableMapping[str, NativeRef],
        report: Report | None = None,
    ) -> list[ChangeResult]: ...

    def record_applied(self, applied: Mapping[str, str], ids: Mapping[str, NativeRef]) -> None: ...


class AdapterShell:
    cloud = ""  # "aws", as messages name it
    label = ""  # "AWS", as the identity error names the credentials
    errors: tuple[type[Exception], ...] = ()

    def __init__(self, target: Target, policy: str) -> None:
        self.target = target
        self.policy = policy
        self._identity_checked = False
        self._interfaces = InterfaceCache(time.monotonic)
        self._networks = NetworkCache(time.monotonic)
        self.reads = RegionReads(time.monotonic)

    # -- what each cloud fills in -------------------------------------------------------

    def _translate(self, exc: Exception, where: str) -> ProviderError:
        raise NotImplementedError

    def _account(self, region: str) -> str:
        """The account the credentials belong to; cloud errors are translated by the caller."""
        raise NotImplementedError

    def _writer(self, scope: Scope, run_id: str = "") -> Writer:
        raise NotImplementedError

    # -- shared ---------------------------------------------------------------------------

    def _where(self, region: str) -> str:
        return f"{self.cloud} account {self.target.account} ({self.target.name}) {region}"

    def _read(self, region: str, what: str, read: Callable[[], T]) -> T:
        try:
            return read()
        except self.errors as exc:
            where = f"{self._where(region)}{what and ' '}{what}"
            raise ObservationError(str(self._translate(exc, where))) from exc

    def kept_reads(self, region: str) -> dict[str, Any]:
        """``SharesReads``: what the inventory of ``region`` read and kept."""
        return self.reads(region).kept(INVENTORY)

    def seed_reads(self, inventory: ScopeInventory, kept: Mapping[str, Load], age: float) -> None:
        """``SharesReads``: as ``inventory`` keeps them, ``age`` seconds ago."""
        region = inventory.scope.region
        reads = self.reads(region)
        for kind, load in kept.items():
            reads.seed(kind, load, age, INVENTORY)
        self._networks.keep(region, inventory.networks, age)
        if inventory.interfaces is not None:  # None: this cloud's inventory reads none
            self._interfaces.keep(region, inventory.interfaces, age)

    def _access(self, region: str, what: str, read: Callable[[Shared], AccessModel]) -> AccessModel:
        """An access read through the scope's shared reads, forgotten once read (no two
        judgements share a read); its ``named`` read translated like the first."""
        reads = self.reads(region)
        try:
            model = self._read(region, what, lambda: read(reads.by("access")))
        finally:
            reads.forget()
        named = model.named
        if named is None:
            return model
        return replace(model, named=lambda: self._read(region, f"{what} (names)", named))

    def check_identity(self, region: str) -> None:
        if self._identity_checked:
            return
        try:
            account = self._account(region)
        except self.errors as exc:
            raise self._translate(exc, f"{self._where(region)}: checking the account") from exc
        if account != self.target.account:
            raise AccountMismatchError(
                f"the {self.label} credentials in use belong to account {account}, but the "
                f"policy's account {self.target.name!r} is {self.target.account}; nothing was "
                "changed"
            )
        self._identity_checked = True

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
        self.check_identity(scope.region)
        try:
            return self._writer(scope, run_id).apply(step, changes, ids, report)
        finally:  # what the scope's reads said before this write is no longer true
            self.reads(scope.region).forget()

    def record_applied(
        self, scope: Scope, applied: Mapping[str, str], ids: Mapping[str, NativeRef]
    ) -> None:
        try:
            self._writer(scope).record_applied(applied, ids)
        except self.errors as exc:
            where = f"{self._where(scope.region)} recording applied state"
            raise self._translate(exc, where) from exc
        finally:  # the groups' tags changed: a later observation must read them
            self.reads(scope.region).forget()


class Owned(Protocol):
    """What a cloud's owned reads return (security, routing)."""

    @property
    def resources(self) -> Mapping[str, Resource]: ...
    @property
    def native(self) -> Mapping[str, NativeRef]: ...
    @property
    def applied(self) -> Mapping[str, str]: ...


def merge_observed(
    scope: Scope,
    policy: str,
    parts: Sequence[Owned],
    seen: tuple[Sequence[Interface], Sequence[Network]],
    foreign: Mapping[str, str],
) -> ObservedScope:
    """One scope's observation from the owned reads (``parts``), the interfaces and networks
    (``seen``), and what is held by others. A group whose security group is gone is still known
    from its network's record: its re-creation is drift."""
    interfaces, networks = seen
    resources = {k: r for part in parts for k, r in part.resources.items()}
    native = {k: ref for part in parts for k, ref in part.native.items()}
    groups = {ref.id: k for k, ref in native.items() if "/fwgroup/" in k}
    attached, claims = observe_attachments(scope, interfaces, policy, groups)
    records = recorded_groups(scope, policy, networks)
    applied = {k: d for part in parts for k, d in part.applied.items()}
    return ObservedScope(
        scope, resources | attached, native, records | applied | claims, dict(foreign)
    )
