from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from providers.azure.priorities import (
    HIGHEST,
    LOWEST,
    PriorityExhaustedError,
    allocate,
    deny_priority,
)


def test_new_rules_take_grid_slots_with_gaps() -> None:
    assert allocate(["b", "a", "c"], set()) == {"a": 100, "b": 110, "c": 120}


def test_adding_a_rule_in_the_middle_moves_no_existing_rule() -> None:
    existing = allocate(["r-a", "r-c", "r-e"], set())
    added = allocate(["r-b"], set(existing.values()))
    assert set(added.values()).isdisjoint(existing.values())
    # the existing rules were not handed to the allocator again: their priorities stand
    assert existing == {"r-a": 100, "r-c": 110, "r-e": 120}
    assert added == {"r-b": 130}


def test_a_removed_rule_frees_its_slot_for_the_next_one() -> None:
    assert allocate(["new"], {100, 120}) == {"new": 110}


def test_grid_full_falls_back_to_any_free_integer() -> None:
    taken = set(range(100, 200, 10))
    assert allocate(["x"], taken, high=199) == {"x": 101}


def test_exhausted_range_is_an_error() -> None:
    with pytest.raises(PriorityExhaustedError):
        allocate(["x"], set(range(100, 111)), high=110)


def test_deny_goes_to_the_highest_free_priority_above_the_allows() -> None:
    assert deny_priority(set(), 500) == HIGHEST
    assert deny_priority({HIGHEST}, 500) == HIGHEST - 1
    with pytest.raises(PriorityExhaustedError):
        deny_priority({HIGHEST}, HIGHEST - 1)


@given(
    taken=st.sets(st.integers(LOWEST, HIGHEST), max_size=600),
    names=st.sets(st.text("abcdef-", min_size=1, max_size=6), max_size=60),
)
def test_never_collides_and_stays_in_range(taken: set[int], names: set[str]) -> None:
    try:
        placed = allocate(names, taken)
    except PriorityExhaustedError:
        assert len(set(range(LOWEST, HIGHEST)) - taken) < len(names)
        return
    assert set(placed) == names
    values = list(placed.values())
    assert len(set(values)) == len(values)
    assert set(values).isdisjoint(taken)
    assert all(LOWEST <= v <= HIGHEST - 1 for v in values)
    # deterministic: the same question gets the same answer
    assert allocate(sorted(names, reverse=True), taken) == placed
