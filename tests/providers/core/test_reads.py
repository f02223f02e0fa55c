"""A scope's shared reads: each reader uses a kept answer once, stale or forgotten answers are
read again, and no two judgements of a scope share a read."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from providers.core.reads import UNSHARED, RegionReads, ScopeReads


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class Cloud:
    """Answers each read with a new version, counting the reads."""

    def __init__(self) -> None:
        self.reads = 0

    def read(self) -> list[int]:
        self.reads += 1
        return [self.reads]


Step = Callable[[ScopeReads, Cloud, Clock], list[int]]


def _ask(reader: str) -> Step:
    return lambda reads, cloud, _: reads.share("enis", reader, cloud.read)


def _later(seconds: float) -> Step:
    def step(_reads: ScopeReads, _cloud: Cloud, clock: Clock) -> list[int]:
        clock.now += seconds
        return []

    return step


def _forget(reads: ScopeReads, _cloud: Cloud, _clock: Clock) -> list[int]:
    reads.forget()
    return []


@pytest.mark.parametrize(
    ("steps", "answers", "reads"),
    [
        # the plan: inventory reads, observation and access check use that answer
        ([_ask("inventory"), _ask("observe"), _ask("access")], [[1], [1], [1]], 1),
        # a reader asking twice reads again (a later tick); the others then get the new one
        ([_ask("inventory"), _ask("observe"), _ask("observe"), _ask("access")],
         [[1], [1], [2], [2]], 2),
        # older than a minute: read again
        ([_ask("inventory"), _later(61), _ask("access")], [[1], [2]], 2),
        ([_ask("inventory"), _later(59), _ask("access")], [[1], [1]], 1),
        # after a write or a judgement, nothing read before is used
        ([_ask("inventory"), _forget, _ask("access")], [[1], [2]], 2),
    ],
    ids=["one-read-per-plan", "asking-twice-reads-again", "stale", "fresh", "forgotten"],
)  # fmt: skip
def test_share(steps: list[Step], answers: list[list[int]], reads: int) -> None:
    clock, cloud = Clock(), Cloud()
    shared = ScopeReads(clock)
    got = [answer for step in steps if (answer := step(shared, cloud, clock))]
    assert got == answers
    assert cloud.reads == reads


def test_a_read_started_before_forget_is_not_kept() -> None:
    """A read in flight while the scope is written (or judged) answers its caller, but
    nobody else may use it: it may predate the write."""
    clock = Clock()
    shared = ScopeReads(clock)

    def slow_read() -> list[int]:
        clock.now += 1
        shared.forget()  # a write finishes while the read is on the wire
        return [1]

    assert shared.share("enis", "inventory", slow_read) == [1]
    assert shared.kinds() == frozenset()


def test_regions_are_apart_and_unshared_reads_directly() -> None:
    reads, cloud = RegionReads(Clock()), Cloud()
    reads("us-east-1").share("enis", "inventory", cloud.read)
    assert reads("us-east-1") is reads("us-east-1")
    assert reads("eu-west-1").share("enis", "access", cloud.read) == [2]
    assert UNSHARED("enis", cloud.read) == [3]
    assert reads("us-east-1").by("access")("enis", cloud.read) == [1]


@pytest.mark.parametrize(
    ("asks", "answers"),
    [
        pytest.param(["eastus", "westus"], [[1], [1]], id="two-regions-share-one-read"),
        pytest.param(["eastus", "eastus", "westus"], [[1], [2], [2]], id="a-region-never-twice"),
        pytest.param(["eastus", "forget", "westus"], [[1], [2]], id="a-write-drops-it"),
    ],
)
def test_account_reads_are_shared_by_regions_once_each(
    asks: list[str], answers: list[list[int]]
) -> None:
    """Reads not per region (a resource group's NICs): each region a reader of its own."""
    reads, cloud = RegionReads(Clock()), Cloud()
    got = []
    for ask in asks:
        if ask == "forget":
            reads.account.forget()
            continue
        got.append(reads.by_region("access", ask)("nics", cloud.read))
    assert got == answers
    assert reads("eastus").kinds() == frozenset()  # apart from the regions' own answers
