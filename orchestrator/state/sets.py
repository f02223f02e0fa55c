"""Collections of resources: what the policy wants and what a scope has."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import TypeVar

from orchestrator.diagnostics import Diagnostic
from orchestrator.state.resources import (
    AddressSet,
    FirewallGroup,
    FlowRule,
    Resource,
    Scope,
    Target,
)

R = TypeVar("R", AddressSet, FirewallGroup, FlowRule)


@dataclass(frozen=True, slots=True)
class DesiredScope:
    scope: Scope
    resources: Mapping[str, Resource]

    def of_kind(self, kind: type[R]) -> list[R]:
        return [r for r in self.resources.values() if isinstance(r, kind)]


@dataclass(frozen=True, slots=True)
class DesiredState:
    """Everything the policy wants, per scope, plus what compile had to say about it."""

    policy: str
    scopes: Mapping[Scope, DesiredScope]
    targets: Mapping[Scope, Target]
    diagnostics: tuple[Diagnostic, ...] = ()


@dataclass(frozen=True, slots=True)
class NativeRef:
    """How the cloud knows an owned resource: its id and, where the cloud versions it, the
    version (prefix lists)."""

    id: str
    version: int | None = None


@dataclass(frozen=True, slots=True)
class ObservedScope:
    """Everything eastwest owns in one scope, read completely (or an ObservationError).

    ``applied`` maps a group or address-set key to the digest eastwest recorded when it last
    wrote it; a mismatch with what is observed now means someone else changed it (drift).
    """

    scope: Scope
    resources: Mapping[str, Resource]
    native: Mapping[str, NativeRef]
    applied: Mapping[str, str] = field(default_factory=dict)

    def fingerprint(self) -> str:
        """Changes whenever anything owned in the scope changes; used to refuse stale plans."""
        body = {
            key: [_canonical(res), asdict(self.native[key]) if key in self.native else None]
            for key, res in sorted(self.resources.items())
        }
        text = json.dumps(body, sort_keys=True, default=sorted)
        return hashlib.sha256(text.encode()).hexdigest()


def _canonical(resource: Resource) -> dict[str, object]:
    data = asdict(resource)
    data["scope"] = str(resource.scope)
    if isinstance(resource, AddressSet):
        data["cidrs"] = sorted(resource.cidrs)
    return data
