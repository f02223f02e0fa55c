"""Changes: the unit of a plan. Terraform-style actions whose values are the plan symbols."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from orchestrator.state.resources import Resource, Scope


class Action(enum.StrEnum):
    CREATE = "+"
    UPDATE = "~"
    DELETE = "-"


class Step(enum.IntEnum):
    """Apply order within a scope: make before break (DESIGN.md rule 3)."""

    CREATE_CONTAINERS = 1  # groups and address sets (and address-set entry changes)
    ADD_RULES = 2
    REMOVE_RULES = 3
    DELETE_CONTAINERS = 4


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
        if kind == "flow_rule":
            return Step.ADD_RULES if self.action is Action.CREATE else Step.REMOVE_RULES
        if self.action is Action.DELETE:
            return Step.DELETE_CONTAINERS
        return Step.CREATE_CONTAINERS
