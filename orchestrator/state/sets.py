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
    Target,
)
from orchestrator.state.routes import ApplianceMode, HubAssociation
from orchestrator.state.scope import Scope

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

    ``applied`` maps an owner key (a group, an address set, a hub table, a network route
    table's ``route_owner``) to the digest eastwest recorded when it last wrote it; a mismatch
    with what is observed now means someone else changed it (drift).
    ``foreign`` maps a desired key to what occupies its place without being eastwest's (an
    unowned route on a destination eastwest needs): a conflict to report, never to overwrite.
    """

    scope: Scope
    resources: Mapping[str, Resource]
    native: Mapping[str, NativeRef]
    applied: Mapping[str, str] = field(default_factory=dict)
    foreign: Mapping[str, str] = field(default_factory=dict)

    def fingerprint(self) -> str:
        """Changes whenever anything owned in the scope changes; used to refuse stale plans.
        What an adapter reads only because the policy asks about it (appliance mode of an
        attachment, an association with a table eastwest does not own) is left out: a saved
        plan is checked without the policy, and writing those again is harmless."""
        body = {
            key: [_canonical(res), asdict(self.native[key]) if key in self.native else None]
            for key, res in sorted(self.resources.items())
            if not _asked_for(res)
        }
        text = json.dumps(body, sort_keys=True, default=sorted)
        return hashlib.sha256(text.encode()).hexdigest()


def _asked_for(resource: Resource) -> bool:
    if isinstance(resource, ApplianceMode):
        return True
    return isinstance(resource, HubAssociation) and resource.table.startswith("ref:")


def _canonical(resource: Resource) -> dict[str, object]:
    data = asdict(resource)
    data["scope"] = str(resource.scope)
    if isinstance(resource, AddressSet):
        data["cidrs"] = sorted(resource.cidrs)
    return data
