"""Claims on objects eastwest cannot tag (routes in a table it does not own): which to keep.

In: the claims recorded before a step, the claims written for it, and what each change came to.
Out: the claims to record after it. Always: a claim is released only when its object is proven
absent — deleted by eastwest, or read back after a failed create and not found (or found
pointing elsewhere: someone else's). A create whose answer was lost (timeout, 5xx, transport)
and whose read-back failed too keeps its claim: a claim without an object is re-created by the
next run; an object without a claim would be disowned, never to be removed.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping


class Outcome(enum.Enum):
    DONE = "done"  # the create or delete happened (or had already happened)
    ABSENT = "absent"  # a create failed and read-back proved the object is not eastwest's
    UNSURE = "unsure"  # a create failed and nothing proves the object absent


def settle(
    owned: Mapping[str, str],
    claims: Mapping[str, str],
    outcomes: Mapping[str, tuple[bool, Outcome]],
) -> dict[str, str]:
    """``outcomes``: claim name → (deleting, outcome). Returns the claims to record."""
    kept = dict(owned) | dict(claims)
    for name, (deleting, outcome) in outcomes.items():
        if (deleting and outcome is Outcome.DONE) or (not deleting and outcome is Outcome.ABSENT):
            kept.pop(name, None)
    return kept
