"""NSG rule priorities: a deterministic allocator that never moves a rule and never collides.

In: the priorities already taken in one direction of one NSG (every rule that stays, eastwest's
or not) and the names of the rules to place. Out: a priority per new rule. Always: a rule that
exists keeps its priority (so adding or removing one rule renumbers nothing); a new rule takes
the first free slot of a grid with gaps (100, 110, 120…), then any free integer; nothing lands on
a taken priority (Azure answers ``SecurityRuleConflict``) or outside 100-4096. eastwest's
``Deny VirtualNetwork`` rule takes the highest free priority, below every allow of eastwest.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable

LOWEST = 100  # Azure's range for user rules (NRP: SecurityRuleInvalidPriority outside it)
HIGHEST = 4096
STEP = 10  # gaps between allocated allows, so a hand-made rule can still fit between two


class PriorityExhaustedError(ValueError):
    """No free priority is left in the range."""


def allocate(
    names: Iterable[str],
    taken: Collection[int],
    *,
    low: int = LOWEST,
    high: int = HIGHEST - 1,
    step: int = STEP,
) -> dict[str, int]:
    """A priority for each of ``names`` (placed in sorted order), none of them in ``taken``."""
    used = set(taken)
    placed: dict[str, int] = {}
    for name in sorted(set(names)):
        slot = _first_free(range(_grid_start(low, step), high + 1, step), used, low)
        if slot is None:
            slot = _first_free(range(low, high + 1), used, low)
        if slot is None:
            raise PriorityExhaustedError(
                f"no free priority between {low} and {high} for rule {name!r}"
            )
        used.add(slot)
        placed[name] = slot
    return placed


def deny_priority(taken: Collection[int], above: int, *, high: int = HIGHEST) -> int:
    """The highest free priority greater than ``above`` (eastwest's highest allow)."""
    for slot in range(high, max(above, LOWEST - 1), -1):
        if slot not in taken:
            return slot
    raise PriorityExhaustedError(f"no free priority between {above + 1} and {high}")


def _grid_start(low: int, step: int) -> int:
    return -(-low // step) * step


def _first_free(candidates: range, used: set[int], low: int) -> int | None:
    return next((p for p in candidates if p >= low and p not in used), None)
