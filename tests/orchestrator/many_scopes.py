"""An estate of N scopes (one AWS account each, one VPC per scope) over injected fake adapters
that count their calls and can wait before answering (latency injection, no patching).

Even scopes hold a ``web`` VPC, odd ones a ``db`` VPC; web may reach db on tcp/5432, so every
scope's desired state depends on the inventory of every other scope of the other segment."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from orchestrator.errors import ProviderError
from orchestrator.model.policy import Policy
from orchestrator.state import (
    Change,
    DesiredScope,
    NativeRef,
    Network,
    ObservedScope,
    Scope,
    ScopeInventory,
    Step,
    Target,
)
from orchestrator.state.access import AccessModel
from providers.base import Adapter, ChangeResult, Report

REGION = "us-east-1"


def account_id(index: int) -> str:
    return f"{100000000000 + index}"


def scope_of(index: int) -> Scope:
    return Scope("aws", account_id(index), REGION)


def estate_body(n: int) -> dict[str, Any]:
    accounts = [
        {"name": f"a{i}", "cloud": "aws", "account_id": account_id(i), "regions": [REGION]}
        for i in range(n)
    ]

    def members(parity: int) -> list[dict[str, str]]:
        return [
            {"account": f"a{i}", "region": REGION, "vpc": f"vpc-{i}"} for i in range(parity, n, 2)
        ]

    return {
        "version": 1,
        "name": "test",
        "accounts": accounts,
        "segments": [
            {"name": "web", "members": members(0)},
            {"name": "db", "members": members(1)},
        ],
        "rules": [{"name": "web-to-db", "from": "web", "to": "db", "ports": ["tcp/5432"]}],
    }


def estate_policy(n: int) -> Policy:
    return Policy.model_validate(estate_body(n))


def _index(account: str) -> int:
    return int(account) - 100000000000


def cidr_of(index: int) -> str:
    """Each segment's VPCs side by side in its own /16 (10.1 web, 10.2 db), so the compiler
    aggregates them into a few blocks and large estates stay under the rule quotas."""
    k = index // 2
    return f"10.{1 + index % 2}.{k // 16}.{k % 16 * 16}/28"


Delay = Callable[[str, Scope], float]  # (call, scope) → seconds to wait before answering


def no_delay(_call: str, _scope: Scope) -> float:
    return 0.0


@dataclass
class Estate:
    """The fake clouds of all scopes: what each call was, how many ran at once at most."""

    delay: Delay = no_delay
    fail: dict[tuple[Scope, str], ProviderError] = field(default_factory=dict)
    calls: Counter[tuple[str, Scope]] = field(default_factory=Counter)
    writes: list[tuple[Scope, Step, tuple[str, ...]]] = field(default_factory=list)
    in_flight: int = 0
    most_in_flight: int = 0

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def __call__(self, target: Target) -> Adapter:
        return ScopeAdapter(self, target)

    def call(self, what: str, scope: Scope) -> None:
        with self._lock:
            self.calls[what, scope] += 1
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            wait = self.delay(what, scope)
            if wait:
                time.sleep(wait)
            if (scope, what) in self.fail:
                raise self.fail[scope, what]
        finally:
            with self._lock:
                self.in_flight -= 1

    def total(self, what: str | None = None) -> int:
        return sum(n for (w, _), n in self.calls.items() if what is None or w == what)


class ScopeAdapter:
    def __init__(self, estate: Estate, target: Target) -> None:
        self.estate, self.target = estate, target

    def _scope(self, region: str) -> Scope:
        return Scope("aws", self.target.account, region)

    def check_identity(self, region: str = REGION) -> None:
        self.estate.call("identity", self._scope(region))

    def inventory(self, region: str) -> ScopeInventory:
        scope = self._scope(region)
        self.estate.call("inventory", scope)
        i = _index(scope.account)
        return ScopeInventory(scope, (Network(f"vpc-{i}", (cidr_of(i),)),))

    def observe(self, scope: Scope, desired: DesiredScope | None) -> ObservedScope:
        self.estate.call("observe", scope)
        return ObservedScope(scope, {}, {})

    def access(self, scope: Scope, networks: Collection[str] | None = None) -> AccessModel:
        # The effective-access check's read (no workloads here): one call per tick.
        self.estate.call("access", scope)
        return AccessModel(scope, ())

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
        self.estate.call("apply", scope)
        with self.estate._lock:
            self.estate.writes.append((scope, step, tuple(c.key for c in changes)))
        return [ChangeResult(c.key, True) for c in changes]

    def record_applied(
        self, scope: Scope, applied: Mapping[str, str], ids: Mapping[str, NativeRef]
    ) -> None:
        self.estate.call("record", scope)
