"""Another process's answers (``ScopeReads.seed``, the queue workers' shared snapshot) are used
exactly as this process's own would be: once per reader after the one that read them, within
``fresh`` of their real read, never across a ``forget``, and read again when they do not decode.
``kept`` gives back only what the inventory read, fresh."""

from __future__ import annotations

import pytest

from providers.core.reads import INVENTORY, ScopeReads
from tests.providers.core.test_reads import Clock, Cloud

SEEDED = [["seeded"]]


def _seeded(clock: Clock, age: float, load: object = None) -> ScopeReads:
    reads = ScopeReads(clock, fresh=60.0)

    def decode() -> object:
        if isinstance(load, Exception):
            raise load
        return SEEDED[0]

    reads.seed("enis", decode, age, INVENTORY)
    return reads


@pytest.mark.parametrize(
    ("age", "readers", "answers", "cloud_reads"),
    [
        # The observation and the access check each use it once; a second check reads.
        (5.0, ["observe", "access", "access"], [["seeded"], ["seeded"], [1]], 1),
        # The reader it came from (the inventory) reads again, as with its own answers.
        (5.0, [INVENTORY], [[1]], 1),
        # Its real age counts: read 59 s ago it is fresh, 61 s ago it is not.
        (59.0, ["observe"], [["seeded"]], 0),
        (61.0, ["observe"], [[1]], 1),
    ],
    ids=["once-per-reader", "not-for-its-own-reader", "fresh", "stale"],
)
def test_a_seeded_answer_is_used_as_an_own_one(
    age: float, readers: list[str], answers: list[list[str | int]], cloud_reads: int
) -> None:
    clock, cloud = Clock(), Cloud()
    reads = _seeded(clock, age)
    assert [reads.share("enis", r, cloud.read) for r in readers] == answers
    assert cloud.reads == cloud_reads


def test_a_seed_read_before_a_forget_is_refused() -> None:
    """A write or a judgement in this process after the other process's read: never used."""
    clock, cloud = Clock(), Cloud()
    reads = ScopeReads(clock)
    reads.forget()  # at 100
    clock.now = 110.0
    reads.seed("enis", lambda: SEEDED[0], 20.0, INVENTORY)  # read at 90, before the forget
    assert reads.share("enis", "observe", cloud.read) == [1]


def test_a_seed_that_does_not_decode_is_read_instead() -> None:
    clock, cloud = Clock(), Cloud()
    reads = _seeded(clock, 1.0, ValueError("not JSON"))
    assert reads.share("enis", "observe", cloud.read) == [1]
    assert reads.share("enis", "access", cloud.read) == [1]  # the fresh read, kept
    assert cloud.reads == 1


def test_kept_is_what_the_inventory_read_and_still_fresh() -> None:
    clock, cloud = Clock(), Cloud()
    reads = ScopeReads(clock, fresh=60.0)
    reads.share("enis", INVENTORY, cloud.read)
    reads.share("groups", "observe", cloud.read)  # not the inventory's
    assert reads.kept(INVENTORY) == {"enis": [1]}
    clock.now += 61.0
    assert reads.kept(INVENTORY) == {}
