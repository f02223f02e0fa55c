"""A partition: the unit the reconciler schedules, one scope (cloud, account, region) with the
target (credentials) that reads and writes it."""

from __future__ import annotations

from dataclasses import dataclass

from orchestrator.model.policy import Policy
from orchestrator.pipeline import policy_scopes
from orchestrator.state import Scope, Target


@dataclass(frozen=True, slots=True)
class Partition:
    scope: Scope
    target: Target

    @property
    def name(self) -> str:
        """``aws/111111111111/us-east-1``: the label of metrics, history and logs."""
        return str(self.scope)

    @property
    def cloud(self) -> str:
        return self.scope.cloud


def partitions_of(policy: Policy) -> tuple[Partition, ...]:
    scopes, _ = policy_scopes(policy)
    return tuple(Partition(scope, target) for scope, target in sorted(scopes.items()))
