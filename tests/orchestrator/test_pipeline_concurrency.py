"""Scopes read and applied side by side: a plan over 40 scopes costs about its slowest scope,
not the sum (latency injected into fake adapters), and says exactly what a sequential plan says;
one scope's failure stays that scope's."""

from __future__ import annotations

import os
import random
import signal
import threading
import time
from typing import Any

import pytest

from orchestrator.apply import apply_plan
from orchestrator.errors import ObservationError
from orchestrator.fanout import fan_out
from orchestrator.pipeline import plan_policy
from orchestrator.plan.document import plan_to_json
from orchestrator.plan.render import render_plan
from orchestrator.state import Change, Scope
from providers.base import ChangeResult
from tests.orchestrator.many_scopes import Estate, estate_policy, scope_of

SCOPES = 40


def _quiet(_: str) -> None:
    pass


@pytest.mark.parametrize("workers", [2, 7, 16, 64])
def test_fan_out_keeps_the_items_order_and_its_bound(workers: int) -> None:
    lock, running, most = threading.Lock(), [0], [0]

    def work(item: int) -> int:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(random.random() / 200)
        with lock:
            running[0] -= 1
        return item * item

    assert fan_out(range(30), work, workers) == [i * i for i in range(30)]
    assert 1 < most[0] <= workers


def test_fan_out_raises_the_first_failure_in_item_order_after_every_item_ran() -> None:
    ran: list[int] = []

    def work(item: int) -> int:
        ran.append(item)
        if item in (3, 7):
            raise ValueError(f"item {item}")
        return item

    with pytest.raises(ValueError, match="item 3"):
        fan_out(range(10), work, 4)
    assert sorted(ran) == list(range(10))


def test_a_plan_over_40_scopes_costs_about_its_slowest_scope() -> None:
    """Every call waits 20 ms, and every call of one scope 300 ms: read one after another,
    the plan would take the sum (39 scopes of 3 calls of 20 ms, and 3 calls of 300 ms: about
    3.2 s); side by side it takes about the slow scope's 3 calls."""
    slow = scope_of(17)

    def delay(_call: str, scope: Scope) -> float:
        return 0.3 if scope == slow else 0.02

    estate = Estate(delay)
    started = time.perf_counter()
    result = plan_policy(estate_policy(SCOPES), estate, _quiet)
    took = time.perf_counter() - started

    assert result.plan is not None
    assert not result.failed
    sequential = sum(delay(what, s) * n for (what, s), n in estate.calls.items())
    slowest = 3 * 0.3
    assert sequential > 3.0
    assert took < slowest + 0.6, f"{took:.2f}s for a slowest scope of {slowest}s"
    assert estate.most_in_flight > 1


def test_the_plan_is_the_same_as_a_sequential_ones_whatever_order_the_clouds_answer_in() -> None:
    rng = random.Random(7)

    def shuffled(_call: str, _scope: Scope) -> float:
        return rng.random() / 100

    policy = estate_policy(12)
    concurrent = plan_policy(policy, Estate(shuffled), _quiet, workers=8)
    sequential = plan_policy(policy, Estate(), _quiet, workers=1)

    assert concurrent.plan is not None
    assert sequential.plan is not None
    assert _undated(plan_to_json(concurrent.plan)) == _undated(plan_to_json(sequential.plan))
    assert render_plan(concurrent.plan) == render_plan(sequential.plan)
    assert concurrent.diagnostics == sequential.diagnostics


def _undated(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "created_at"}


def test_an_unreadable_scope_among_many_is_skipped_alone() -> None:
    broken = scope_of(5)
    estate = Estate(fail={(broken, "observe"): ObservationError("503 from the fake")})
    result = plan_policy(estate_policy(20), estate, _quiet)

    assert result.plan is not None
    skipped = [sp.scope for sp in result.plan.scopes if sp.skipped is not None]
    assert skipped == [broken]
    assert all(sp.changes for sp in result.plan.scopes if sp.scope != broken)


def test_scopes_are_applied_side_by_side_and_reported_in_the_plans_order() -> None:
    estate = Estate(lambda what, _: 0.05 if what == "apply" else 0.0)
    result = plan_policy(estate_policy(SCOPES), estate, _quiet)
    assert result.plan is not None
    overlapping, busy = [], threading.Lock()

    def on_result(change: Change, outcome: ChangeResult) -> None:
        overlapping.append(not busy.acquire(blocking=False))
        time.sleep(0.001)
        busy.release()

    started = time.perf_counter()
    report = apply_plan(result.plan, lambda sp: estate(sp.target), on_result)
    took = time.perf_counter() - started

    assert report.ok
    planned = [c.key for sp in result.plan.scopes for c in sp.changes]
    assert [c.key for c, _ in report.results] == planned
    assert not any(overlapping)  # the printer is called one change at a time
    steps = estate.total("apply")
    assert took < steps * 0.05 / 4, f"{took:.2f}s for {steps} steps of 50 ms"


def test_ctrl_c_interrupts_the_wait_at_once_and_starts_no_new_scope() -> None:
    """As in a sequential run, Ctrl-C (SIGINT: KeyboardInterrupt in the main thread) stops the
    command at once; the scopes not yet started are never started."""
    started: list[int] = []

    def work(item: int) -> int:
        started.append(item)
        time.sleep(0.05)
        return item

    # Python's own SIGINT handler, whatever an earlier test of the session installed.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(0.12, os.kill, (os.getpid(), signal.SIGINT))
    try:
        timer.start()
        began = time.perf_counter()
        with pytest.raises(KeyboardInterrupt):
            fan_out(range(40), work, 2)
        interrupted_after = time.perf_counter() - began
    finally:
        timer.cancel()
        signal.signal(signal.SIGINT, previous)
    time.sleep(0.5)  # the calls in flight end; nothing new begins (else 10 more would)

    assert interrupted_after < 0.5
    assert len(started) < 12
