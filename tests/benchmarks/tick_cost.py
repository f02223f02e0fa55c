"""Benchmark: the client CPU of one reconciler tick as the estate grows (issue 13).

The estate of ``reconcile_scale.py`` (one account and region per partition, one VPC each, web
may reach db), on the local AWS in a process of its own, with no latency and no rate limits:
only CPU is measured. The interval's shared snapshot is read and compiled by the first tick;
then ``ticks`` more partitions are ticked one after another (audit mode, access check on), and
the client CPU (``time.process_time``) per tick is printed. A tick that costs its own scope is
flat in P; one that resolves the whole estate again grows with it. ``--profile`` adds the
cProfile of the ticks at the largest P (one thread: the ticks run on the calling thread here;
that row's CPU then includes the profiler's, about twice the tick's own).

Run: ``.venv/bin/python -m tests.benchmarks.tick_cost [P…] [--ticks N] [--profile]``.
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import time
from pathlib import Path
from tempfile import TemporaryDirectory

import yaml

from orchestrator.commands import AdapterCache
from orchestrator.pipeline import AdapterFor
from orchestrator.reconcile.once import Mode, Tick, reconcile_once
from orchestrator.reconcile.partition import partitions_of
from orchestrator.reconcile.snapshot import SharedCompile
from orchestrator.reconcile.source import PolicySource
from tests.benchmarks.aws_endpoint import Endpoint, own_process
from tests.benchmarks.reconcile_scale import INTERVAL, calm, estate_body, prepare


def tick_cpu(
    server: Endpoint, partitions: int, ticks: int, profile: cProfile.Profile | None = None
) -> tuple[float, int]:
    """Client CPU seconds per tick after the first, and how many ticks were measured."""
    sandbox = prepare(server, partitions)
    calm(server.url)  # CPU only: no latency, no buckets to wait on
    with TemporaryDirectory() as tmp:
        path = Path(tmp) / "policy.yaml"
        path.write_text(yaml.safe_dump(estate_body(partitions), sort_keys=False))
        source = PolicySource([path])
        cache = AdapterCache("scale", sandbox)

        def adapters(_name: str) -> AdapterFor:
            return cache

        tick = Tick(Mode.AUDIT, compile=SharedCompile(INTERVAL))
        first, *rest = partitions_of(source.load().loaded.policy)
        reconcile_once(first, source, adapters, tick)  # reads and compiles the snapshot
        measured = rest[:ticks]
        cpu = time.process_time()
        if profile is not None:
            profile.enable()
        for partition in measured:
            reconcile_once(partition, source, adapters, tick)
        if profile is not None:
            profile.disable()
        return (time.process_time() - cpu) / len(measured), len(measured)


def main(sizes: tuple[int, ...], ticks: int, *, profile: bool) -> None:
    print("| partitions | ticks measured | client_cpu_per_tick_ms |\n|---|---|---|")
    with own_process() as server:
        for partitions in sizes:
            last = profile and partitions == sizes[-1]
            profiler = cProfile.Profile() if last else None
            per_tick, measured = tick_cpu(server, partitions, ticks, profiler)
            print(f"| {partitions} | {measured} | {1000 * per_tick:.1f} |", flush=True)
            if profiler is not None:
                pstats.Stats(profiler).sort_stats("cumulative").print_stats("/orchestrator/", 25)


if __name__ == "__main__":
    args = sys.argv[1:]
    ticks = int(args[args.index("--ticks") + 1]) if "--ticks" in args else 100
    numbers = [a for i, a in enumerate(args) if a.isdigit() and args[i - 1] != "--ticks"]
    main(tuple(int(a) for a in numbers) or (10, 100, 1000), ticks, profile="--profile" in args)
