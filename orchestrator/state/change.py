"""Changes: the unit of a plan. Terraform-style actions whose values are the plan symbols."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from orchestrator.state.resources import (
    Resource,
)
from orchestrator.state.scope import Scope


class Action(enum.StrEnum):
    CREATE = "+"
    UPDATE = "~"
    DELETE = "-"


class Step(enum.IntEnum):
    """Apply order within a scope: make before break (DESIGN.md rule 3)."""

    CREATE_CONTAINERS = 1  # groups, address sets (and their entry changes), hub tables
    ADD_RULES = 2  # new rules; new or changed associations, propagations, routes
    REMOVE_RULES = 3  # rules, associations, propagations and routes no longer wanted
    DELETE_CONTAINERS = 4


# Kinds that live inside a container and are added in step 2, removed in step 3.
_MEMBERS = frozenset(
    {
        "flow_rule",
        "hub_association",
        "hub_propagation",
        "hub_route",
        "network_route",
        "appliance_mode",
        "network_peering",
        "group_attachment",  # make before break: attached after its rules, detached before
    }
)


@dataclass(frozen=True, slots=True)
class Change:
    action: Action
    before: Resource | None
    after: Resource | None
    drift: bool = False

    @property
    def resource(self) -> Resource:
        res = self.after if self.after is not None else self.before
        if res is None:
            raise ValueError("a change needs a before or an after")
        return res

    @property
    def key(self) -> str:
        return self.resource.key

    @property
    def scope(self) -> Scope:
        return self.resource.scope

    @property
    def step(self) -> Step:
        kind = self.resource.kind
        if kind in _MEMBERS:
            return Step.REMOVE_RULES if self.action is Action.DELETE else Step.ADD_RULES
        if self.action is Action.DELETE:
            return Step.DELETE_CONTAINERS
        return Step.CREATE_CONTAINERS
