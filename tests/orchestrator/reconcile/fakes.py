"""A fake cloud for reconcile_once: an adapter over an in-memory scope, injected (no patching)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from orchestrator.compile import compile_policy
from orchestrator.errors import PermanentError, ProviderError
from orchestrator.state import (
    Action,
    Change,
    DesiredScope,
    FlowRule,
    NativeRef,
    ObservedScope,
    Resource,
    Scope,
    ScopeInventory,
    Step,
    Target,
    rules_digest,
)
from orchestrator.state.access import AccessModel, Workload
from orchestrator.state.ngfw import (
    FirewallApplied,
    NgfwAddressGroup,
    NgfwChange,
    NgfwResource,
    NgfwRule,
    NgfwService,
    content_digest,
)
from providers.base import Adapter, ChangeResult, Report
from tests.orchestrator.factories import ACCOUNT, SCOPE, inventory, policy
from tests.orchestrator.test_firewall_plan import FakeFirewall

POLICY_BODY: dict[str, Any] = {
    "version": 1,
    "name": "test",
    "accounts": [{"name": "prod", "cloud": "aws", "account_id": ACCOUNT, "regions": ["us-east-1"]}],
    "segments": [
        {"name": "web", "members": [{"account": "prod", "region": "us-east-1", "vpc": "vpc-web"}]},
        {"name": "db", "members": [{"account": "prod", "region": "us-east-1", "vpc": "vpc-db"}]},
        {"name": "onprem", "cidrs": ["172.16.0.0/12"]},
    ],
    "rules": [{"name": "web-to-db", "from": "web", "to": "db", "ports": ["tcp/5432"]}],
}
TARGET = Target("aws", ACCOUNT, "prod")


def write_policy(path: Path) -> Path:
    path.write_text(yaml.safe_dump(POLICY_BODY, sort_keys=False), encoding="utf-8")
    return path


def desired_resources() -> dict[str, Resource]:
    return dict(compile_policy(policy(), inventory()).scopes[SCOPE].resources)


def applied_digests(resources: Mapping[str, Resource]) -> dict[str, str]:
    rules: dict[str, list[FlowRule]] = defaultdict(list)
    for res in resources.values():
        if isinstance(res, FlowRule):
            rules[res.group].append(res)
    return {group: rules_digest(members) for group, members in rules.items()}


@dataclass
class FakeCloud:
    """What one scope holds, and every call that could change it."""

    resources: dict[str, Resource] = field(default_factory=dict)
    applied: dict[str, str] = field(default_factory=dict)
    foreign: dict[str, str] = field(default_factory=dict)  # desired key → what holds it
    writes: list[tuple[Step, tuple[str, ...]]] = field(default_factory=list)
    observe_error: ProviderError | None = None
    identity_error: ProviderError | None = None
    # The workload interfaces the access check reads (none: nothing to judge).
    workloads: tuple[Workload, ...] = ()
    access_error: ProviderError | None = None

    @classmethod
    def converged(cls) -> FakeCloud:
        resources = desired_resources()
        return cls(resources, applied_digests(resources))

    def adapters(self, policy_name: str) -> FakeAdapterFor:
        assert policy_name == "test"
        return FakeAdapterFor(self)


@dataclass
class FakeAdapterFor:
    cloud: FakeCloud

    def __call__(self, target: Target) -> Adapter:
        return FakeAdapter(self.cloud, target)


class FakeAdapter:
    def __init__(self, cloud: FakeCloud, target: Target) -> None:
        self.cloud = cloud
        self.target = target

    def check_identity(self, region: str = "us-east-1") -> None:
        if self.cloud.identity_error is not None:
            raise self.cloud.identity_error

    def inventory(self, region: str) -> ScopeInventory:
        return inventory()[Scope("aws", ACCOUNT, region)]

    def observe(self, scope: Scope, desired: DesiredScope | None) -> ObservedScope:
        if self.cloud.observe_error is not None:
            raise self.cloud.observe_error
        native = {k: NativeRef(f"id-{k}") for k in self.cloud.resources}
        resources, applied = dict(self.cloud.resources), dict(self.cloud.applied)
        return ObservedScope(scope, resources, native, applied, dict(self.cloud.foreign))

    def access(self, scope: Scope, networks: Collection[str] | None = None) -> AccessModel:
        if self.cloud.access_error is not None:
            raise self.cloud.access_error
        return AccessModel(scope, self.cloud.workloads)

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
        self.cloud.writes.append((step, tuple(c.key for c in changes)))
        for change in changes:
            if change.action is Action.DELETE:
                self.cloud.resources.pop(change.key, None)
            else:
                assert change.after is not None
                self.cloud.resources[change.key] = change.after
        return [ChangeResult(c.key, True) for c in changes]

    def record_applied(
        self, scope: Scope, applied: Mapping[str, str], ids: Mapping[str, NativeRef]
    ) -> None:
        self.cloud.applied.update(applied)


@dataclass
class CommittingFirewall(FakeFirewall):
    """A ``FakeFirewall`` whose commit changes what it holds, each object carrying the digest
    of its content as eastwest records it on PAN-OS (so an edit by hand reads as drift)."""

    fail_commit: bool = False

    def apply(self, changes: Sequence[NgfwChange]) -> FirewallApplied:
        if self.fail_commit:
            raise PermanentError(f"panos/{self.label}: commit failed: rule is invalid")
        applied = super().apply(changes)
        held = dict(self.state.resources)
        for change in changes:
            if change.action is Action.DELETE:
                held.pop(change.resource.key, None)
            else:
                held[change.resource.key] = _recorded(change.resource)
        self.state = replace(self.state, resources=held)
        return applied


def _recorded(resource: NgfwResource) -> NgfwResource:
    if not isinstance(resource, NgfwAddressGroup | NgfwService | NgfwRule):
        return resource  # tags, schedules and the section take no description
    return replace(resource, recorded=content_digest(resource))
