"""Ownership by all of its marks: the one test of "this object is eastwest's, for this policy".

In: the tags (or labels) an object carries, the key eastwest would give it, and any name the
cloud shows beside the name eastwest gives it. Out: owned or not. Always: every mark must be
there and right — ``eastwest:managed=true``, ``eastwest:policy`` of this policy, an
``eastwest:key`` of this scope (the very key, when one is asked for) and every name pair equal.
A proper subset of the marks, or another policy's marks, is foreign: read-only, a conflict for
that one resource, never adopted or rewritten (a copied or hand-made decoy carries some marks).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from orchestrator.errors import ObservationError
from orchestrator.state import NativeRef, Scope

TAG_MANAGED = "eastwest:managed"
TAG_POLICY = "eastwest:policy"
TAG_KEY = "eastwest:key"
TAG_SEGMENT = "eastwest:segment"


@dataclass(frozen=True, slots=True)
class Marks:
    """The marks of one policy in one scope."""

    policy: str
    scope: Scope

    def tags(self, key: str, segment: str) -> dict[str, str]:
        return {TAG_MANAGED: "true", TAG_POLICY: self.policy, TAG_KEY: key, TAG_SEGMENT: segment}

    def owns(
        self,
        tags: Mapping[str, str],
        key: str | None = None,
        *,
        names: Iterable[tuple[str, str]] = (),
        kind: str = "",
    ) -> bool:
        """``key``: the key the object must carry (adoption); without it any key of this scope
        (observation), narrowed to ``<scope>/<kind>/`` when ``kind`` is given. ``names``:
        (the name the cloud shows, the name eastwest gives it) pairs, all equal."""
        found = tags.get(TAG_KEY, "")
        return (
            tags.get(TAG_MANAGED) == "true"
            and tags.get(TAG_POLICY) == self.policy
            and found.startswith(f"{self.scope}/{kind}")
            and (key is None or found == key)
            and all(have == want for have, want in names)
        )


def check_unique(native: Mapping[str, NativeRef], key: str, found: str) -> None:
    """Two objects carrying one key (a create sent twice after its answer was lost) are an
    error for the scope, never one silently read over the other: deleting or changing either
    by a guess could remove what is in use."""
    if key in native and native[key].id != found:
        raise ObservationError(
            f"{key}: two objects carry this key, {native[key].id} and {found} (a create whose "
            "answer was lost, made again); remove the one not in use, then plan again"
        )
