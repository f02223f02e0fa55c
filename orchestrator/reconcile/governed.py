"""Which scopes a policy governs, computed once per policy object for the reconciler's ticks.

In: a ``Policy``. Out: its scopes (``pipeline.policy_scopes``) as a frozenset. Always: the
same object gives the same answer without walking the policy again; a reloaded policy (a new
object) is walked afresh; an entry is dropped when its policy is collected.
"""

from __future__ import annotations

import weakref

from orchestrator.model.policy import Policy
from orchestrator.pipeline import policy_scopes
from orchestrator.state import Scope


class _Governed:
    """The scopes of each policy object, computed once: a reconciler tick asks whether its
    partition is still governed, and walking every account and region of the policy for it
    would cost O(P) per tick (issue 13). A ``Policy`` is frozen and a reload is a new object
    (``PolicySource``), so a policy's scopes never change; an entry goes with its policy.
    No lock: dict reads and writes are atomic, and two ticks computing the same policy's
    scopes at once compute the same thing (a lock taken by the weak reference's callback
    could deadlock when the collector runs inside the locked section)."""

    def __init__(self) -> None:
        # Keyed by id (a Policy holds lists: unhashable); the weak reference proves the id is
        # still that policy's, and its callback drops the entry before the id can be reused.
        self._held: dict[int, tuple[weakref.ref[Policy], frozenset[Scope]]] = {}
        self.computed = 0  # how many times a policy was walked (for tests)

    def __call__(self, policy: Policy) -> frozenset[Scope]:
        key = id(policy)
        held = self._held.get(key)
        if held is not None and held[0]() is policy:
            return held[1]
        scopes = frozenset(policy_scopes(policy)[0])
        self._held[key] = (weakref.ref(policy, lambda _: self._held.pop(key, None)), scopes)
        self.computed += 1
        return scopes


governed_scopes = _Governed()
