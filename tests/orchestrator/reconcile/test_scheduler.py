from __future__ import annotations

import threading
import time
from collections import Counter

from orchestrator.reconcile.partition import Partition
from orchestrator.reconcile.scheduler import Scheduler
from orchestrator.state import Scope, Target

TARGET = Target("aws", "111111111111", "prod")
SLOW = Partition(Scope("aws", "111111111111", "us-east-1"), TARGET)
FAST = Partition(Scope("aws", "111111111111", "eu-west-1"), TARGET)


def test_a_slow_partition_holds_up_neither_the_others_nor_itself_twice() -> None:
    runs: Counter[str] = Counter()
    running: Counter[str] = Counter()
    overlaps: list[str] = []
    lock = threading.Lock()

    def tick(partition: Partition) -> float | None:
        with lock:
            runs[partition.name] += 1
            running[partition.name] += 1
            if running[partition.name] > 1:
                overlaps.append(partition.name)
        time.sleep(1.5 if partition is SLOW else 0.01)
        with lock:
            running[partition.name] -= 1
        return None

    scheduler = Scheduler(interval=0.25, jitter=0.0, workers=4)
    scheduler.add_partitions([SLOW, FAST], tick)
    scheduler.start()
    time.sleep(1.2)
    scheduler.stop()  # waits for the slow run in flight
    assert runs[SLOW.name] == 1
    assert runs[FAST.name] >= 3
    assert overlaps == []
    assert running[SLOW.name] == 0  # stop() returned only after the run in flight ended


def test_a_transient_failure_is_retried_before_the_next_tick() -> None:
    times: list[float] = []

    def tick(_: Partition) -> float | None:
        times.append(time.monotonic())
        return 0.1 if len(times) == 1 else None  # the first run asks for an early retry

    scheduler = Scheduler(interval=5.0, jitter=0.0, workers=1)
    scheduler.add_partitions([FAST], tick)
    scheduler.start()
    time.sleep(0.8)
    scheduler.stop()
    assert len(times) == 2
    assert times[1] - times[0] < 1.0
